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
  timeout: boolean
  severity: Severity
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
}
