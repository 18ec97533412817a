import type { ResolvedOptions } from '../config/options.js'
import { stackCost } from '../core/origin.js'
import type { Handle } from '../detect/handle.js'
import type { MonitorFinding, ScopeMetrics, ScopeRecord, Severity } from '../report/model.js'
import type { ScopeSlot } from '../scope/state.js'
import { accountsChildren, chargedChildCpu, childCpuAtFileStart } from './child-cpu.js'
import { type ChildUsage, childUsage } from './children.js'
import { descriptors } from './descriptors.js'
import { collector, exposedGc } from './gc.js'
import { fileOwners, forgetClosed, heldFiles } from './held-files.js'
import { nearFileLimit, nearProcessLimit } from './near-limits.js'
import { openProcFiles, residentSet } from './proc.js'

const MB = 1024 * 1024
// Not imports: see detect/patch.ts.
const { getHeapStatistics } = process.getBuiltinModule('node:v8')

/** What the monitor checks, from the resolved options. */
export interface MonitorSettings {
  severity: Severity
  heapGrowthBytes: number | undefined
  slowCleanupMs: number | undefined
  childCpuMs: number | undefined
  nearLimit: number
  /** Whether files left open are reported (as `FileDescriptor` leaks): not under `leaks: 'off'`. */
  heldFiles: boolean
}

/** The monitor's settings, or undefined under `monitor: 'off'`. */
export function monitorSettings(options: ResolvedOptions): MonitorSettings | undefined {
  if (options.monitor === 'off') return undefined
  return {
    severity: options.monitor === 'fail' ? 'error' : 'warning',
    heapGrowthBytes: options.heapGrowth === undefined ? undefined : options.heapGrowth * MB,
    slowCleanupMs: options.slowCleanup,
    childCpuMs: options.childCpu,
    nearLimit: options.nearLimit,
    heldFiles: options.leaks !== 'off',
  }
}

/** A scope's figures when it started. Hot path: one per test. */
export interface ScopeMark {
  readonly heap: number
  readonly handles: number
  /** Listed again before the test's first file opens through fs, when carried over (see `listed`). */
  fds: readonly string[]
  /** descriptors.opens when `fds` was taken. */
  opens: number
  /**
   * Whether `fds` was listed (or probed) for this mark, rather than carried over from an earlier one
   * because no file was opened through fs since: a file a native addon opened in between is then not
   * told from this scope's.
   */
  listed: boolean
  /** Ms testkit spent on the scope before its end (its setup, for a file). */
  readonly ownMs: number
  /** Files: the CPU ms of reaped children at the start. */
  readonly childCpu?: number
  /** Files: bytes of heap testkit's setup added. */
  readonly setupHeap?: number
  /** Files: stackCost.ms at the start. */
  readonly stacksMs?: number
}

/** Taken before a scope's cleanup, which ends its children. */
export interface BeforeCleanup {
  /** Child processes the scope started. */
  started: number
  /** Those still running, and what they use. */
  running: number[]
  usage: ChildUsage
  /** Descriptors of the scope's FileHandles: leak detection reports those. */
  fileHandleFds: Set<string>
}

/** V8's used heap, in bytes. */
export const heapUsed = () => getHeapStatistics().used_heap_size

const pushIf = (findings: MonitorFinding[], finding: MonitorFinding | undefined) => {
  if (finding) findings.push(finding)
}

/**
 * Takes each test's and file's figures (heap, descriptors, handles, child processes, testkit's own
 * time) and turns those over their thresholds into findings. Framework-free: adapters call begin()
 * when a scope starts, beforeCleanup() and end() when it ends.
 */
export class ScopeMonitor {
  readonly settings: MonitorSettings
  #testsOwnMs = 0
  #testsChildren = 0
  /**
   * stackCost.ms when the running test began, and the stack time counted in the file's tests so far
   * (a monitor serves one file: setup makes one per file, like the sums above).
   */
  #stacksAtBegin = 0
  #testsStacksMs = 0
  /** The previous test's end: the next test's start, so that a test takes one sample, not two. */
  #last: ScopeMark | undefined
  /** The suite of the test that took #last: a test of another suite comes after its beforeAll hooks. */
  #lastGroup: unknown
  /** Off Linux (and in worker threads): the tests' measured child CPU, summed into the file's. */
  #testsChildCpu: number | null = null
  /** The end sample endsQuietly() took and end() still needs. */
  #pending: ScopeMark | undefined
  /** The running test's mark while its descriptors are carried over. */
  #carriedMark: ScopeMark | undefined

  constructor(settings: MonitorSettings) {
    this.settings = settings
    // Opens its descriptor now, before any scope's first listing.
    openProcFiles()
  }

  /**
   * Hot path, per test: the previous test's end when it ran in the same suite (`group`: so that what
   * a nested describe's beforeAll opens is not this test's), or else a heap figure, a handle count and
   * the descriptors (a probe only when a file was opened through fs since they were last known).
   * Undefined for a test that runs `concurrent`ly: tests that overlap share the process's figures, so
   * theirs go to the file.
   */
  begin(concurrent?: false, group?: unknown): ScopeMark
  begin(concurrent: boolean | undefined, group?: unknown): ScopeMark | undefined
  begin(concurrent = false, group?: unknown): ScopeMark | undefined {
    descriptors.beforeOpen = undefined
    if (concurrent) {
      this.#last = undefined
      return undefined
    }
    this.#stacksAtBegin = stackCost.ms
    const last = this.#last
    const sameGroup = this.#lastGroup === group
    this.#lastGroup = group
    let mark: ScopeMark
    if (last !== undefined && sameGroup) mark = last
    else if (last !== undefined && descriptors.opens === last.opens) mark = this.#carried(last)
    else mark = this.#listed()
    if (!mark.listed) {
      this.#carriedMark = mark
      descriptors.beforeOpen = this.#listAgain
    }
    return mark
  }

  /** Before the running test first opens a file through fs: its descriptors as they are now. */
  readonly #listAgain = () => {
    const mark = this.#carriedMark
    this.#carriedMark = undefined
    if (mark === undefined) return
    Object.assign(mark, this.#descriptorsNow(), { listed: true })
  }

  /** The descriptors now (a probe, the listing when it moved), and the fs opens counted so far. */
  #descriptorsNow(forceListing = false): { fds: readonly string[]; opens: number } {
    const opens = descriptors.opens
    const fds = descriptors.current(forceListing)
    forgetClosed(fds)
    return { fds, opens }
  }

  /** Figures now, with the descriptors listed. */
  #listed(forceListing = false): ScopeMark {
    const { fds, opens } = this.#descriptorsNow(forceListing)
    return this.#figures(fds, opens, true)
  }

  /**
   * A scope's figures at its end. A test that opened no file through fs keeps the descriptors it
   * started with (its sockets and its child processes' pipes are leak detection's to report); a file
   * always lists them.
   */
  #atEnd(mark: ScopeMark, isFile: boolean): ScopeMark {
    return isFile || descriptors.opens !== mark.opens ? this.#listed(isFile) : this.#carried(mark)
  }

  /** Figures now, with the descriptors of `last`: no file was opened through fs since. */
  #carried(last: ScopeMark): ScopeMark {
    return this.#figures(last.fds, last.opens, false)
  }

  #figures(fds: readonly string[], opens: number, listed: boolean): ScopeMark {
    const handles = process.getActiveResourcesInfo().length
    return { heap: heapUsed(), handles, fds, opens, listed, ownMs: 0 }
  }

  /** A file's start: a full listing, a GC first when --expose-gc allows it; with what testkit's setup cost. */
  beginFile(setup: { ms: number; heap: number } = { ms: 0, heap: 0 }): ScopeMark {
    const start = performance.now()
    exposedGc()?.()
    const childCpu = childCpuAtFileStart()
    // beforeAll hooks run between this and the first test, which then takes its own sample.
    this.#last = undefined
    const mark = { ...this.#listed(true), childCpu, setupHeap: setup.heap, stacksMs: stackCost.ms }
    return { ...mark, ownMs: setup.ms + performance.now() - start }
  }

  /** Before the cleanup ends them: the scope's child processes still running, and what they use. */
  async beforeCleanup(handles: readonly Handle[] | undefined): Promise<BeforeCleanup | undefined> {
    if (handles === undefined) return undefined
    const running: number[] = []
    const fileHandleFds = new Set<string>()
    let started = 0
    for (const handle of handles) {
      const { type } = handle.kind
      if (type === 'ChildProcess') {
        started++
        const pid = (handle.target as { pid?: number }).pid
        if (pid !== undefined && handle.kind.isAlive(handle.target, handle.detail)) running.push(pid)
      } else if (type === 'FileHandle') {
        fileHandleFds.add(String((handle.target as { fd: number }).fd))
      }
    }
    if (started === 0 && fileHandleFds.size === 0) return undefined
    // Off Linux a sample runs `ps`: only when a childCpu threshold asks for it, never by default.
    const sampled = process.platform === 'linux' || this.settings.childCpuMs !== undefined
    const usage = sampled ? await childUsage(running) : { cpuMs: 0, rss: null }
    return { started, running, usage, fileHandleFds }
  }

  /**
   * Hot path, per test that registered and created nothing: takes its end sample and says whether
   * that is all (nothing opened and kept). Synchronous, so such a test ends without a promise; when
   * it returns false, end() follows. No descriptor probe for a test that opened no file through fs.
   */
  endsQuietly(mark: ScopeMark, start: number): boolean {
    descriptors.beforeOpen = undefined
    const now = this.#atEnd(mark, false)
    this.#last = now
    if (now.fds !== mark.fds) {
      this.#pending = now
      return false
    }
    this.#testsOwnMs += mark.ownMs + performance.now() - start + this.#testStacks()
    return true
  }

  /** The ms of stacks captured since the running test began (once per test, at its end). */
  #testStacks(): number {
    const ms = stackCost.ms - this.#stacksAtBegin
    this.#testsStacksMs += ms
    return ms
  }

  /**
   * Ends a scope's figures once its cleanup is done: returns the record with its metrics and
   * findings, or undefined for a test with nothing to say (nothing registered, held or started).
   * `cleanupStart` is performance.now() when testkit's end of the scope began.
   */
  async end(
    mark: ScopeMark,
    slot: ScopeSlot,
    record: ScopeRecord | undefined,
    before: BeforeCleanup | undefined,
    label: string | undefined,
    cleanupStart: number,
  ): Promise<ScopeRecord | undefined> {
    descriptors.beforeOpen = undefined
    const isFile = slot.kind !== 'test'
    const now = this.#pending ?? this.#atEnd(mark, isFile)
    this.#pending = undefined
    this.#last = isFile ? undefined : now
    const { fds } = now
    // Files opened since a carried-over mark, by a test that opened none through fs, may be an earlier
    // test's (a native addon's, not counted): the file's end reports those.
    const ownsNew = isFile || mark.listed
    const { severity } = this.settings
    const fileHandleFds = before?.fileHandleFds
    const held =
      fds === mark.fds || !this.settings.heldFiles
        ? undefined
        : heldFiles(mark.fds, fds, { slot, label, ownsNew, fileHandleFds, severity })
    const started = (before?.started ?? 0) + (isFile ? this.#testsChildren : 0)
    if (!isFile) this.#testsChildren += before?.started ?? 0
    // What testkit did within the scope: a test's stack captures; a file's outside its tests.
    const stacks = isFile ? stackCost.ms - (mark.stacksMs ?? 0) - this.#testsStacksMs : this.#testStacks()
    const own = (end: number) => mark.ownMs + end - cleanupStart - (record?.cleanupMs ?? 0) + stacks
    if (!isFile && record === undefined && held === undefined && started === 0) {
      this.#testsOwnMs += own(performance.now())
      return undefined
    }
    let childCpuMs = await this.#childCpu(mark, before, isFile)
    if (!accountsChildren) {
      if (!isFile && childCpuMs !== null) this.#testsChildCpu = (this.#testsChildCpu ?? 0) + childCpuMs
      if (isFile && this.#testsChildCpu !== null) childCpuMs = (childCpuMs ?? 0) + this.#testsChildCpu
    }
    const findings: MonitorFinding[] = []
    const heap = this.#heapDelta(mark, now.heap, isFile, findings)
    // Child CPU is a per-test threshold: a file's figure sums its tests'.
    this.#thresholds(record, isFile ? null : childCpuMs, findings)
    const near = this.settings.nearLimit
    if (fds !== mark.fds) pushIf(findings, nearFileLimit(fds.length, fileOwners, near))
    if (started > 0 && label !== undefined)
      pushIf(findings, nearProcessLimit(label, before?.started ?? 0, near))
    const result = record ?? { resources: 0, cleanupMs: 0, leaks: [], cleanupErrors: [], slowest: [] }
    if (held) result.leaks.push(...held)
    if (findings.length > 0) result.findings = findings
    const testkitMs = own(performance.now()) + (isFile ? this.#testsOwnMs : 0)
    if (!isFile) this.#testsOwnMs += testkitMs
    const metrics: ScopeMetrics = {
      heapDelta: heap.delta,
      gc: heap.gc,
      rss: residentSet(),
      fds: descriptors.isAvailable ? { before: mark.fds.length, after: fds.length } : null,
      handles: { before: mark.handles, after: now.handles },
      children: started,
      childCpuMs,
      childRss: before?.usage.rss ?? null,
      testkitMs,
    }
    if (isFile) metrics.testkitHeap = mark.setupHeap ?? 0
    result.metrics = metrics
    return result
  }

  async #childCpu(
    mark: ScopeMark,
    before: BeforeCleanup | undefined,
    isFile: boolean,
  ): Promise<number | null> {
    if (!accountsChildren) return before && before.usage.rss !== null ? before.usage.cpuMs : null
    if (!isFile && before === undefined) return null
    return chargedChildCpu(mark.childCpu, before?.running, isFile)
  }

  #heapDelta(
    mark: ScopeMark,
    heapNow: number,
    isFile: boolean,
    findings: MonitorFinding[],
  ): { delta: number; gc: boolean } {
    const threshold = this.settings.heapGrowthBytes
    let delta = heapNow - mark.heap
    if (!isFile) return { delta, gc: false }
    const exposed = exposedGc()
    // Without --expose-gc a collection is forced only when the growth looks real: most files never pay it.
    if (!exposed && (threshold === undefined || delta <= threshold)) return { delta, gc: false }
    ;(exposed ?? collector())()
    delta = heapUsed() - mark.heap
    if (threshold !== undefined && delta > threshold) {
      findings.push({
        kind: 'heap-growth',
        severity: this.settings.severity,
        message: `The heap grew by ${(delta / MB).toFixed(1)} MB across this file's tests, after a full GC (threshold ${threshold / MB} MB).`,
        value: delta,
        threshold,
      })
    }
    return { delta, gc: true }
  }

  #thresholds(record: ScopeRecord | undefined, childCpuMs: number | null, findings: MonitorFinding[]): void {
    const { slowCleanupMs, childCpuMs: cpuLimit, severity } = this.settings
    if (record && slowCleanupMs !== undefined && record.cleanupMs > slowCleanupMs) {
      const slowest = record.slowest[0]
      const which = slowest ? `; slowest: "${slowest[0]}" ${slowest[1].toFixed(0)} ms` : ''
      findings.push({
        kind: 'slow-cleanup',
        severity,
        message: `Cleanup took ${record.cleanupMs.toFixed(0)} ms (threshold ${slowCleanupMs} ms)${which}.`,
        value: record.cleanupMs,
        threshold: slowCleanupMs,
      })
    }
    if (childCpuMs !== null && cpuLimit !== undefined && childCpuMs > cpuLimit) {
      findings.push({
        kind: 'child-cpu',
        severity,
        message: `Child processes used ${childCpuMs.toFixed(0)} ms of CPU (threshold ${cpuLimit} ms).`,
        value: childCpuMs,
        threshold: cpuLimit,
      })
    }
  }
}
