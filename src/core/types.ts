/** What kind of thing a resource is; used for ordering reports, metrics and `cleanupByCategory()`. */
export enum ResourceCategory {
  DATABASE = 'database',
  FILE = 'file',
  PROCESS = 'process',
  TIMER = 'timer',
  NETWORK = 'network',
  EVENT = 'event',
  CRITICAL = 'critical',
}

/** Cleanup priority: among resources free to go, a lower number is cleaned first. */
export enum ResourcePriority {
  CRITICAL = 0,
  HIGH = 1,
  MEDIUM = 2,
  LOW = 3,
}

/** Releases one resource. It may be synchronous or return a promise. */
export type CleanupFunction = () => void | Promise<void>

/** A resource as `registerBatch()` takes it. */
export interface ResourceDefinition {
  id: string
  cleanup: CleanupFunction
  category: ResourceCategory | `${ResourceCategory}`
  priority: ResourcePriority
  /** Shown in errors and leak reports. */
  description?: string
  tags?: string[]
  /** Milliseconds this resource's cleanup may take; defaults to the manager's `defaultTimeout`. */
  timeout?: number
  /** Ids of resources this one uses: it is cleaned before each of them. */
  dependencies?: string[]
  /** Free-form data stored with the resource; `detectLeaks()` returns it with the resource. */
  metadata?: Record<string, unknown>
}

/** Options of `register()`: the optional fields of a definition, plus free-form metadata. */
export interface ResourceOptions {
  /** Defaults to `ResourceCategory.CRITICAL`. */
  category?: ResourceCategory | `${ResourceCategory}`
  /** Defaults to `ResourcePriority.MEDIUM`. */
  priority?: ResourcePriority
  /** Shown in errors and leak reports. */
  description?: string
  /** Labels of your own; `detectLeaks()` lists them. */
  tags?: string[]
  /** Milliseconds this resource's cleanup may take; defaults to the manager's `defaultTimeout`. */
  timeout?: number
  /** Ids of resources this one uses: it is cleaned before each of them. */
  dependencies?: string[]
  /** Free-form data stored with the resource; `detectLeaks()` returns it with the resource. */
  metadata?: Record<string, unknown>
}

/** One failed cleanup. */
export interface CleanupError {
  resourceId: string
  category: ResourceCategory
  /** The resource's description, if it had one. */
  description?: string
  error: Error
  /** True when the cleanup did not settle within its timeout (or the pass's budget). */
  timeout: boolean
}

/** A dependency that was listed but not registered when its dependent was cleaned. */
export interface MissingDependency {
  resourceId: string
  dependency: string
}

/** What one cleanup pass did. */
export interface CleanupResult {
  success: boolean
  resourcesProcessed: number
  /** Its failures, then those of resources it waited for in another pass (the errors that pass reports). */
  errors: CleanupError[]
  /** Milliseconds the pass took over its own cleanups, not counting the wait for another pass. */
  duration: number
  summary: Record<ResourceCategory, { success: number; failed: number }>
  /** Listed dependencies that were not registered; informational, not a failure. */
  missingDependencies: MissingDependency[]
  /** Ids left registered, not started, because the pass's budget (or that of a pass it waited for) ran out. */
  skipped: string[]
  /** The slowest cleanups of the pass, slowest first (at most 5). */
  slowest: CleanupTiming[]
}

/** How long one cleanup took. */
export interface CleanupTiming {
  resourceId: string
  category: ResourceCategory
  /** Milliseconds. */
  duration: number
}

/** Options of `cleanup()`. */
export interface CleanupOptions {
  /** Overall budget in milliseconds for the pass; cleanups still running then are timed out. */
  timeout?: number
  /** Throw one `ResourceCleanupError` carrying every failure instead of resolving with `success: false`. */
  throwOnError?: boolean
  /** How many independent cleanups of the same step may run at once; defaults to the manager's. */
  concurrency?: number
}

/** Where something was created or registered, in the user's code. */
export interface SourceLocation {
  file: string
  line: number
  column: number
}

/** A resource still registered past `leakAge`, or after its manager was closed. */
export interface ResourceLeak {
  id: string
  category: ResourceCategory
  priority: ResourcePriority
  description: string | undefined
  tags: string[]
  /** The `metadata` it was registered with (the same object), or undefined. */
  metadata: Record<string, unknown> | undefined
  /** Milliseconds since it was registered. */
  age: number
  /** The first stack frame outside this package when it was registered, or null if not captured. */
  registeredAt: SourceLocation | null
  /** Why it counts as a leak. */
  reason: 'age' | 'closed'
}

/** Options of the `ResourceManager` constructor. */
export interface ResourceManagerOptions {
  /** Per-cleanup timeout in milliseconds when a resource sets none. Default 10,000. */
  defaultTimeout?: number
  /** A resource registered longer than this many milliseconds is reported by `detectLeaks()`. Default 60,000. */
  leakAge?: number
  /** Default `concurrency` of cleanup passes. Default 1. */
  concurrency?: number
  /**
   * Record where resources were registered: `true` for every one, `false` for none, or a number: the
   * first N registrations of this manager (a stack capture costs ~2 µs and ~450 bytes until cleaned).
   * Default 64: every resource of a typical test, and bounded cost for bulk registrations.
   */
  captureOrigin?: boolean | number
  /** Budget in milliseconds for cleaning up on a signal or uncaught error. Default 5,000. */
  exitTimeout?: number
  /** Called when a cleanup that already timed out settles later; `error` is set if it failed. */
  onLateSettle?: (resourceId: string, error: Error | undefined) => void
  /**
   * Live resources allowed per category: past `soft`, `onSoftLimit` is called (default: a process
   * warning); at `hard`, `register()` throws a ResourceLimitError and `acquire()` waits for room.
   */
  limits?: Partial<Record<`${ResourceCategory}`, CategoryLimit>>
  /** Called when a category goes past its soft limit. Default: `process.emitWarning`. */
  onSoftLimit?: (category: `${ResourceCategory}`, live: number, limit: number) => void
}

/** Soft and hard limits of live resources in one category (whole numbers, soft <= hard). */
export interface CategoryLimit {
  soft?: number
  hard?: number
}

/** Counts and durations for one category. */
export interface CategoryMetrics {
  registered: number
  cleaned: number
  failed: number
  timedOut: number
  /** Milliseconds: sum, maximum and 95th percentile of cleanup durations. */
  totalDuration: number
  maxDuration: number
  p95Duration: number
}

/** What a manager has done since it was created. */
export interface ResourceMetrics {
  live: number
  peakLive: number
  registered: number
  cleaned: number
  failed: number
  timedOut: number
  byCategory: Record<ResourceCategory, CategoryMetrics>
}
