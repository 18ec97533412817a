import type { ResourceCategory, SourceLocation } from '../core/types.js'

/** How bad a finding is: an error fails the test (under `leaks: 'fail'`), a warning is only reported. */
export type Severity = 'error' | 'warning'

/** Something a scope left behind. */
export interface LeakRecord {
  category: `${ResourceCategory}`
  /** The handle or resource type, e.g. 'Timeout', 'Server', 'ChildProcess', 'PoolConnection'. */
  type: string
  /** The first frame in the user's code that created it, or null. */
  origin: SourceLocation | null
  /**
   * What happened at `origin`, when not 'created': 'listen() called' for a server (noted when it
   * starts listening, wherever it was created), 'added' for a process listener.
   */
  originEvent?: string
  /** 'cleaned' when testkit released it afterwards, 'reported' when it was left alone. */
  action: 'cleaned' | 'reported'
  severity: Severity
  /** One line: what was found. */
  message: string
  /** One line: how to fix it. */
  hint: string
  /** Listed in the baseline of accepted leaks: a warning, whatever the policy. */
  accepted?: boolean
}

/** A cleanup that threw, rejected or timed out. */
export interface CleanupFailureRecord {
  resourceId: string
  category: `${ResourceCategory}`
  description: string | undefined
  message: string
  /** The cleanup error's stack (and its cause's), when it threw or rejected with one; not for a timeout. */
  stack?: string
  /** Where the cleanup threw: the first frame of the user's code in that stack, or null. */
  origin: SourceLocation | null
  timeout: boolean
  severity: Severity
}

/** A test's or a file's figures, taken by the monitor (`monitor` option). null: not knowable here. */
export interface ScopeMetrics {
  /** Bytes of V8 heap used at the end minus at the start. A test's is taken without GC (noisy). */
  heapDelta: number
  /** Whether `heapDelta` was taken after a full garbage collection (files: --expose-gc, or a suspected growth). */
  gc: boolean
  /** Resident set size of the test process at the end, bytes. */
  rss: number
  /** Open file descriptors at the start and at the end (after cleanup); null where they cannot be listed (Windows). */
  fds: { before: number; after: number } | null
  /** Active handles and requests (`process.getActiveResourcesInfo()`) at the start and at the end. */
  handles: { before: number; after: number }
  /** Child processes started. */
  children: number
  /** CPU ms those children used; null where unknown (not Linux, and none still running). */
  childCpuMs: number | null
  /** Largest resident set of those still running at the end (before cleanup), bytes; null if none was. */
  childRss: number | null
  /**
   * Ms testkit's own hooks took (registered cleanups excluded), with the stacks it captured meanwhile to
   * name where handles and resources were made; a file's includes its setup and its tests'.
   */
  testkitMs: number
  /** Files only: bytes of heap testkit's setup added (its module and state), measured around its import. */
  testkitHeap?: number
}

/** A figure the monitor found over its threshold. */
export interface MonitorFinding {
  kind: 'heap-growth' | 'slow-cleanup' | 'child-cpu' | 'fd-limit' | 'process-limit'
  severity: Severity
  /** One line: what was measured, against what. */
  message: string
  /** The figure, in the kind's unit: bytes (heap), ms (cleanup, CPU), a count (limits). */
  value: number
  /** The threshold it crossed, in the same unit. */
  threshold: number
}

/** What one scope (a test, or a file's top level and beforeAll) registered, cleaned and left. */
export interface ScopeRecord {
  /** Resources registered in the scope. */
  resources: number
  /** Milliseconds its cleanup took. */
  cleanupMs: number
  leaks: LeakRecord[]
  cleanupErrors: CleanupFailureRecord[]
  /** The slowest cleanups of the scope: [resource id, milliseconds], at most 3. */
  slowest: Array<[string, number]>
  /** The monitor's figures, when it runs. */
  metrics?: ScopeMetrics
  /** Figures over their thresholds. */
  findings?: MonitorFinding[]
}
