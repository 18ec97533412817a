// Saved Node timers: a test's `vi.useFakeTimers()` replaces the globals, never these.
import { type Entry, type EntryOwner, EntryState, goesBefore } from './entry.js'
import { ResourceTimeoutError, toError } from './errors.js'
import { Heap } from './heap.js'
import { realTimers } from './timers.js'
import {
  type CleanupError,
  type CleanupResult,
  type CleanupTiming,
  type MissingDependency,
  ResourceCategory,
} from './types.js'

const SLOWEST_KEPT = 5

/** What a pass needs from its manager. */
export interface PassHost {
  readonly defaultTimeout: number
  onLateSettle: ((resourceId: string, error: Error | undefined) => void) | undefined
  isRegistered(id: string): boolean
  /** Book-keeping once an entry's cleanup settled: metrics, releasing what it depended on. */
  settled(entry: Entry, outcome: 'cleaned' | 'failed' | 'timedOut', duration: number): void
  /** The pass will take no more entries; returns the ids it claimed and never started. */
  ended(pass: CleanupPass): string[]
}

type Abort = (error: ResourceTimeoutError) => void

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as PromiseLike<unknown>).then === 'function'
  )
}

function emptySummary(): CleanupResult['summary'] {
  const summary = {} as CleanupResult['summary']
  for (const category of Object.values(ResourceCategory)) summary[category] = { success: 0, failed: 0 }
  return summary
}

/**
 * A call's result plus what became of the resources it waited for in other passes: their failures
 * (the same errors the passes that ran them report) and those left uncleaned. Counts, summary,
 * timings and duration stay the pass's own, so that each cleanup is counted once across results.
 */
export function withWaitedFor(result: CleanupResult, waitedFor: Iterable<Entry>): CleanupResult {
  const errors = [...result.errors]
  const skipped = [...result.skipped]
  for (const entry of waitedFor) {
    if (entry.failure) errors.push(entry.failure)
    // Still registered once its pass ended: that pass's budget ran out before it started (or, in a
    // dying process, the exit pass took it over).
    else if (entry.state !== EntryState.Finished) skipped.push(entry.id)
  }
  return { ...result, success: errors.length === 0 && skipped.length === 0, errors, skipped }
}

/**
 * One run of cleanups over the entries it claimed. Entries become ready when every dependent has
 * finished; ready entries start in `goesBefore` order. With `concurrency` > 1, ready entries of the
 * same priority (a step) run together; a new step starts when the running one has drained. An
 * unstepped pass (a dying process) starts whatever is ready, so one hung cleanup blocks only its
 * own dependencies.
 */
export class CleanupPass implements EntryOwner {
  readonly #host: PassHost
  readonly #concurrency: number
  readonly #budget: number | undefined
  readonly #isStepped: boolean
  readonly #ready = new Heap<Entry>(goesBefore)
  readonly #running = new Map<Entry, Abort>()
  readonly #errors: CleanupError[] = []
  readonly #missing: MissingDependency[] = []
  readonly #summary = emptySummary()
  readonly #slowest: CleanupTiming[] = []
  #processed = 0
  #remaining = 0
  #stepPriority = -1
  #expired = false
  #wake: (() => void) | undefined
  #done: Promise<CleanupResult> | undefined

  constructor(host: PassHost, concurrency: number, budget: number | undefined, isStepped = true) {
    this.#host = host
    this.#concurrency = concurrency
    this.#budget = budget
    this.#isStepped = isStepped
  }

  /** Takes an entry into this pass. */
  claim(entry: Entry): void {
    entry.state = EntryState.Claimed
    entry.owner = this
    this.#remaining++
    if (entry.pendingDependents === 0) this.#ready.push(entry)
    this.#wake?.()
  }

  /** Gives up an entry before it started: another pass takes it over, or it was unregistered. */
  disown(): void {
    this.#remaining--
    this.#wake?.()
  }

  /** The entry's last dependent finished: it may go. */
  ready(entry: Entry): void {
    this.#ready.push(entry)
    this.#wake?.()
  }

  /** Runs the pass once; later calls return the same promise. */
  run(): Promise<CleanupResult> {
    this.#done ??= this.#run()
    return this.#done
  }

  async #run(): Promise<CleanupResult> {
    const started = performance.now()
    const budgetTimer =
      this.#budget === undefined ? undefined : realTimers().setTimeout(() => this.#expire(), this.#budget)
    let skipped: string[]
    try {
      for (;;) {
        this.#startReady()
        if (this.#remaining === 0 || this.#expired) break
        await new Promise<void>((resolve) => {
          this.#wake = resolve
        })
        this.#wake = undefined
      }
    } finally {
      realTimers().clearTimeout(budgetTimer)
      skipped = this.#host.ended(this)
    }
    return {
      success: this.#errors.length === 0 && skipped.length === 0,
      resourcesProcessed: this.#processed,
      errors: this.#errors,
      duration: performance.now() - started,
      summary: this.#summary,
      missingDependencies: this.#missing,
      skipped,
      slowest: this.#slowest,
    }
  }

  #startReady(): void {
    const ready = this.#ready
    while (ready.size > 0 && !this.#expired) {
      const next = ready.peek()!
      // Stale: started already, taken over by another pass, or a dependent registered since it was
      // queued (it is queued again when that one finishes).
      if (next.state !== EntryState.Claimed || next.owner !== this || next.pendingDependents > 0) {
        ready.pop()
        continue
      }
      const running = this.#running.size
      if (running >= this.#concurrency) return
      if (running > 0 && this.#isStepped && next.priority !== this.#stepPriority) return
      ready.pop()
      this.#stepPriority = next.priority
      this.#start(next)
    }
  }

  /** Hot path: runs once per resource; a synchronous cleanup allocates no promise or timer. */
  #start(entry: Entry): void {
    entry.state = EntryState.Running
    if (entry.dependencies) {
      for (const dependency of entry.dependencies) {
        if (!this.#host.isRegistered(dependency)) this.#missing.push({ resourceId: entry.id, dependency })
      }
    }
    const started = performance.now()
    let returned: unknown
    try {
      returned = entry.cleanup()
    } catch (error) {
      this.#settle(entry, started, toError(error), false)
      return
    }
    if (!isPromiseLike(returned)) {
      this.#settle(entry, started, undefined, false)
      return
    }
    const timeoutMs = entry.timeout ?? this.#host.defaultTimeout
    let isSettled = false
    const finish = (error: Error | undefined, timedOut: boolean) => {
      isSettled = true
      realTimers().clearTimeout(timer)
      this.#running.delete(entry)
      this.#settle(entry, started, error, timedOut)
      this.#wake?.()
    }
    // Only reached while unsettled: settling clears the timer and leaves the running set.
    const abort: Abort = (error) => finish(error, true)
    const timer = realTimers().setTimeout(
      () => abort(new ResourceTimeoutError(entry.id, timeoutMs, 'resource')),
      timeoutMs,
    )
    this.#running.set(entry, abort)
    Promise.resolve(returned).then(
      () => (isSettled ? this.#host.onLateSettle?.(entry.id, undefined) : finish(undefined, false)),
      (error: unknown) =>
        isSettled ? this.#host.onLateSettle?.(entry.id, toError(error)) : finish(toError(error), false),
    )
  }

  #settle(entry: Entry, started: number, error: Error | undefined, timedOut: boolean): void {
    const outcome = error === undefined ? 'cleaned' : timedOut ? 'timedOut' : 'failed'
    const duration = performance.now() - started
    this.#host.settled(entry, outcome, duration)
    this.#recordTiming(entry, duration)
    this.#processed++
    this.#remaining--
    if (error === undefined) {
      this.#summary[entry.category].success++
    } else {
      this.#summary[entry.category].failed++
      entry.failure = {
        resourceId: entry.id,
        category: entry.category,
        description: entry.description,
        error,
        timeout: timedOut,
      }
      this.#errors.push(entry.failure)
    }
  }

  /** Keeps the few slowest, sorted: a short insertion, no array of every duration. */
  #recordTiming(entry: Entry, duration: number): void {
    const slowest = this.#slowest
    if (slowest.length === SLOWEST_KEPT && duration <= slowest[SLOWEST_KEPT - 1]!.duration) return
    let at = slowest.length
    while (at > 0 && slowest[at - 1]!.duration < duration) at--
    slowest.splice(at, 0, { resourceId: entry.id, category: entry.category, duration })
    if (slowest.length > SLOWEST_KEPT) slowest.pop()
  }

  /** The budget ran out: time out what is running; what has not started stays registered. */
  #expire(): void {
    this.#expired = true
    for (const [entry, abort] of [...this.#running]) {
      abort(new ResourceTimeoutError(entry.id, this.#budget!, 'budget'))
    }
    this.#wake?.()
  }
}
