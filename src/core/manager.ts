import { type Entry, EntryState } from './entry.js'
import {
  DependencyCycleError,
  DuplicateResourceError,
  describe,
  InvalidArgumentError,
  ResourceCleanupError,
} from './errors.js'
import { addExitParticipant, CLEANUP_FOR_EXIT, removeExitParticipant } from './exit/process-exit.js'
import { findCycle } from './graph.js'
import { CategoryLimits, SHARED_LIMITS, validateLimits } from './limits.js'
import { MetricsRecorder } from './metrics.js'
import { captureStack, formatLocation, originOf, type StackHolder } from './origin.js'
import { CleanupPass, type PassHost, withWaitedFor } from './pass.js'
import {
  type CleanupFunction,
  type CleanupOptions,
  type CleanupResult,
  ResourceCategory,
  type ResourceDefinition,
  type ResourceLeak,
  type ResourceManagerOptions,
  type ResourceMetrics,
  type ResourceOptions,
} from './types.js'
import {
  assertCategory,
  assertFunction,
  assertId,
  assertOptions,
  assertPositiveInteger,
  assertPositiveNumber,
  type ValidDefinition,
  validateDefinition,
  validateOptions,
} from './validate.js'

/**
 * Owns a scope's resources and cleans them: dependents before their dependencies, then by priority,
 * then last registered first; each cleanup at most once, with a timeout, never losing an error.
 */
export class ResourceManager {
  readonly #entries = new Map<string, Entry>()
  /** Dependency id -> unfinished entries that list it (the id may not be registered yet). */
  readonly #dependents = new Map<string, Set<Entry>>()
  /** Running full passes, newest last: a resource registered meanwhile joins the newest. */
  readonly #fullPasses: CleanupPass[] = []
  readonly #metrics = new MetricsRecorder()
  readonly #options: Required<Omit<ResourceManagerOptions, 'onLateSettle' | 'limits' | 'onSoftLimit'>>
  readonly #limits: CategoryLimits | undefined
  readonly #host: PassHost
  #seq = 0
  /** How many more registrations get their origin captured. */
  #originsLeft: number
  #isClosed = false

  constructor(options: ResourceManagerOptions = {}) {
    validateOptions(options)
    this.#options = {
      defaultTimeout: options.defaultTimeout ?? 10_000,
      leakAge: options.leakAge ?? 60_000,
      concurrency: options.concurrency ?? 1,
      captureOrigin: options.captureOrigin ?? 64,
      exitTimeout: options.exitTimeout ?? 5_000,
    }
    if (options.limits !== undefined) validateLimits(options.limits)
    if (options.onSoftLimit !== undefined) assertFunction('Option onSoftLimit', options.onSoftLimit)
    // testkit's scopes pass one shared instance (see sharedLimits), never the public option.
    const shared = (options as { [SHARED_LIMITS]?: CategoryLimits })[SHARED_LIMITS]
    this.#limits = shared ?? (options.limits && new CategoryLimits(options.limits, options.onSoftLimit))
    const capture = this.#options.captureOrigin
    this.#originsLeft = capture === true ? Number.POSITIVE_INFINITY : capture === false ? 0 : capture
    this.#host = {
      defaultTimeout: this.#options.defaultTimeout,
      onLateSettle: options.onLateSettle,
      isRegistered: (id) => this.#entries.has(id),
      settled: (entry, outcome, duration) => {
        this.#release(entry)
        this.#metrics.settled(entry.category, outcome, duration)
      },
      ended: (pass) => this.#endPass(pass),
    }
  }

  /** Registers a resource and the function that releases it. Throws a `TestkitError` on bad input. */
  register(id: string, cleanup: CleanupFunction, options?: ResourceOptions): void {
    const definition = validateDefinition(id, cleanup, options)
    this.#assertInsertable([definition])
    this.#insert(definition, this.#originsLeft-- > 0 ? captureStack(this.register) : undefined)
  }

  /** Registers several resources at once: all of them, or none if any is invalid. */
  registerBatch(resources: ResourceDefinition[]): void {
    if (!Array.isArray(resources)) {
      throw new InvalidArgumentError(
        `registerBatch() takes an array of resource definitions, got ${describe(resources)}.`,
      )
    }
    const definitions = resources.map((resource, index) => {
      if (resource === null || typeof resource !== 'object') {
        throw new InvalidArgumentError(
          `Resource definition at index ${index} must be an object, got ${describe(resource)}.`,
        )
      }
      return validateDefinition(resource.id, resource.cleanup, resource)
    })
    this.#assertInsertable(definitions)
    const origin = this.#originsLeft-- > 0 ? captureStack(this.registerBatch) : undefined
    for (const definition of definitions) this.#insert(definition, origin)
  }

  /**
   * Waits until `category` is below its hard limit (at once when it has none or has room), then
   * resolves: register right after. Rejects with a ResourceLimitError after `timeout` ms (default:
   * the manager's default cleanup timeout).
   */
  acquire(category: `${ResourceCategory}`, timeout = this.#options.defaultTimeout): Promise<void> {
    assertCategory(category, 'acquire() category')
    assertPositiveNumber('acquire() timeout', timeout)
    return this.#limits?.acquire(category, timeout) ?? Promise.resolve()
  }

  /** Forgets a resource without cleaning it. False if it is not registered or its cleanup has begun. */
  unregister(id: string): boolean {
    assertId(id)
    const entry = this.#entries.get(id)
    if (entry === undefined || entry.state >= EntryState.Running) return false
    // Taken by a pass but not started: it leaves that pass. Releasing it frees what it depended on;
    // its dependents still go, and one that starts later reports it in missingDependencies, as it
    // would had it been unregistered before the pass.
    if (entry.state === EntryState.Claimed) (entry.owner as CleanupPass).disown()
    this.#release(entry)
    this.#metrics.released()
    return true
  }

  /** Cleans every registered resource, including any registered while the pass runs. */
  cleanup(options?: CleanupOptions): Promise<CleanupResult> {
    return this.#runPass(options, true, (claim) => {
      for (const entry of this.#entries.values()) claim(entry)
    })
  }

  /** Cleans the resources of one category, and first whatever depends on them. */
  cleanupByCategory(
    category: ResourceCategory | `${ResourceCategory}`,
    options?: CleanupOptions,
  ): Promise<CleanupResult> {
    assertCategory(category)
    return this.#runPass(options, false, (claim) => {
      for (const entry of this.#entries.values()) if (entry.category === category) claim(entry)
    })
  }

  /** Cleans the given resources, and first whatever depends on them. Unknown ids are ignored. */
  cleanupBatch(ids: string[], options?: CleanupOptions): Promise<CleanupResult> {
    if (!Array.isArray(ids))
      throw new InvalidArgumentError(`cleanupBatch() takes an array of ids, got ${describe(ids)}.`)
    for (const id of ids) assertId(id)
    return this.#runPass(options, false, (claim) => {
      for (const id of ids) {
        const entry = this.#entries.get(id)
        if (entry) claim(entry)
      }
    })
  }

  /** How many resources are registered (including those being cleaned right now). */
  getResourceCount(): number {
    return this.#entries.size
  }

  /** How many resources are registered, per category. */
  getResourcesByCategory(): Record<ResourceCategory, number> {
    const counts = {} as Record<ResourceCategory, number>
    for (const category of Object.values(ResourceCategory)) counts[category] = 0
    for (const entry of this.#entries.values()) counts[entry.category]++
    return counts
  }

  /** Resources registered longer than `leakAge`, or all that remain once the manager is closed. */
  detectLeaks(): ResourceLeak[] {
    const now = performance.now()
    const leaks: ResourceLeak[] = []
    for (const entry of this.#entries.values()) {
      const age = now - entry.registeredAt
      if (!this.#isClosed && age < this.#options.leakAge) continue
      leaks.push({
        id: entry.id,
        category: entry.category,
        priority: entry.priority,
        description: entry.description,
        tags: entry.tags ? [...entry.tags] : [],
        metadata: entry.metadata,
        age,
        registeredAt: originOf(entry.origin),
        reason: this.#isClosed ? 'closed' : 'age',
      })
    }
    return leaks
  }

  /** Marks the scope as over: from now on `detectLeaks()` reports every resource still registered. */
  close(): void {
    this.#isClosed = true
  }

  /** Counts per category, peak live count and cleanup durations. */
  getMetrics(): ResourceMetrics {
    return this.#metrics.snapshot()
  }

  /** Cleans this manager on SIGINT, SIGTERM, SIGHUP or an uncaught error, then lets the process end. */
  registerProcessHandlers(): void {
    addExitParticipant(this, this.#options.exitTimeout)
  }

  /** Stops cleaning this manager on process signals and uncaught errors. */
  unregisterProcessHandlers(): void {
    removeExitParticipant(this)
  }

  /**
   * @internal What `registerProcessHandlers()` runs in a dying process: everything, including what
   * other passes took and have not started, as much at once as dependencies allow, within `budget`.
   */
  [CLEANUP_FOR_EXIT](budget: number): Promise<CleanupResult> {
    const pass = new CleanupPass(this.#host, Number.MAX_SAFE_INTEGER, budget, false)
    for (const entry of [...this.#entries.values()]) {
      if (entry.state === EntryState.Claimed) (entry.owner as CleanupPass).disown()
      if (entry.state !== EntryState.Running) pass.claim(entry)
    }
    this.#fullPasses.push(pass)
    return pass.run()
  }

  /** `await using manager = new ResourceManager()`: cleans (throwing on failure) and closes. */
  async [Symbol.asyncDispose](): Promise<void> {
    try {
      await this.cleanup({ throwOnError: true })
    } finally {
      this.close()
      this.unregisterProcessHandlers()
    }
  }

  #assertInsertable(definitions: ValidDefinition[]): void {
    if (this.#limits) this.#limits.assertRoom(definitions.map((definition) => definition.category))
    // Hot path, one resource with no dependency edges either way: only the duplicate check applies.
    const single = definitions.length === 1 ? definitions[0]! : undefined
    if (single && !single.dependencies && !this.#entries.has(single.id) && !this.#dependents.has(single.id))
      return
    let hasEdges = false
    const batch = new Map<string, ValidDefinition>()
    for (const definition of definitions) {
      const existing = this.#entries.get(definition.id)
      if (existing !== undefined || batch.has(definition.id)) {
        const at = existing && formatLocation(originOf(existing.origin))
        throw new DuplicateResourceError(
          definition.id,
          existing ? at && `registered at ${at}` : 'twice in one batch',
        )
      }
      batch.set(definition.id, definition)
      hasEdges ||= definition.dependencies !== undefined || this.#dependents.has(definition.id)
    }
    if (!hasEdges) return
    const cycle = findCycle(batch.keys(), (id) => (batch.get(id) ?? this.#entries.get(id))?.dependencies)
    if (cycle) throw new DependencyCycleError(cycle)
  }

  /** Hot path: one per `register()`. */
  #insert(definition: ValidDefinition, origin: StackHolder | undefined): void {
    const waiting = this.#dependents.get(definition.id)
    // Listed field by field (no spread): every entry gets the same shape, cheaply.
    const entry: Entry = {
      id: definition.id,
      cleanup: definition.cleanup,
      category: definition.category,
      priority: definition.priority,
      description: definition.description,
      tags: definition.tags,
      timeout: definition.timeout,
      dependencies: definition.dependencies,
      metadata: definition.metadata,
      seq: ++this.#seq,
      registeredAt: performance.now(),
      origin,
      state: EntryState.Registered,
      pendingDependents: waiting ? waiting.size : 0,
      owner: undefined,
      failure: undefined,
    }
    if (entry.dependencies) {
      for (const dependency of entry.dependencies) {
        const dependents = this.#dependents.get(dependency)
        if (dependents === undefined) this.#dependents.set(dependency, new Set([entry]))
        else dependents.add(entry)
        const target = this.#entries.get(dependency)
        // A dependency already being cleaned cannot wait any more; it is not counted (nor released).
        if (target && target.state < EntryState.Running) target.pendingDependents++
      }
    }
    this.#entries.set(entry.id, entry)
    this.#metrics.registered(entry.category)
    this.#limits?.added(entry.category)
    // Registered while a full pass runs (e.g. from inside a cleanup): that pass cleans it too.
    this.#fullPasses.at(-1)?.claim(entry)
  }

  /** The entry is no longer registered: free what it depended on. */
  #release(entry: Entry): void {
    this.#entries.delete(entry.id)
    entry.state = EntryState.Finished
    this.#limits?.removed(entry.category)
    if (!entry.dependencies) return
    for (const dependency of entry.dependencies) {
      const dependents = this.#dependents.get(dependency)!
      dependents.delete(entry)
      if (dependents.size === 0) this.#dependents.delete(dependency)
      const target = this.#entries.get(dependency)
      if (target && target.state < EntryState.Running && --target.pendingDependents === 0) {
        if (target.state === EntryState.Claimed) target.owner!.ready(target)
      }
    }
  }

  async #runPass(
    options: CleanupOptions | undefined,
    isFull: boolean,
    select: (claim: (entry: Entry) => void) => void,
  ): Promise<CleanupResult> {
    assertOptions('Cleanup options', options)
    if (options !== undefined) {
      if (options.timeout !== undefined) assertPositiveNumber('Cleanup timeout', options.timeout)
      if (options.concurrency !== undefined) assertPositiveInteger('Cleanup concurrency', options.concurrency)
    }
    const pass = new CleanupPass(
      this.#host,
      options?.concurrency ?? this.#options.concurrency,
      options?.timeout,
    )
    // Resources another pass had already taken, and those passes: this call answers for them too.
    const waitedFor = new Set<Entry>()
    const earlier = new Set<Promise<CleanupResult>>()
    // Claims the entry and, transitively, whatever depends on it: a dependency never goes first.
    const claim = (root: Entry) => {
      const stack = [root]
      for (let entry = stack.pop(); entry !== undefined; entry = stack.pop()) {
        if (entry.state !== EntryState.Registered) {
          if (entry.owner !== pass) {
            waitedFor.add(entry)
            earlier.add((entry.owner as CleanupPass).run())
          }
          continue
        }
        pass.claim(entry)
        const dependents = this.#dependents.get(entry.id)
        if (dependents) stack.push(...dependents)
      }
    }
    select(claim)
    if (isFull) this.#fullPasses.push(pass)
    let result = await pass.run()
    if (waitedFor.size > 0) {
      // This call returns once they are done too, and reports how that went.
      await Promise.all(earlier)
      result = withWaitedFor(result, waitedFor)
    }
    if (options?.throwOnError && !result.success) throw new ResourceCleanupError(result)
    return result
  }

  #endPass(pass: CleanupPass): string[] {
    const at = this.#fullPasses.indexOf(pass)
    if (at >= 0) this.#fullPasses.splice(at, 1)
    const skipped: string[] = []
    for (const entry of this.#entries.values()) {
      if (entry.owner === pass && entry.state === EntryState.Claimed) {
        entry.state = EntryState.Registered
        entry.owner = undefined
        skipped.push(entry.id)
      }
    }
    return skipped
  }
}
