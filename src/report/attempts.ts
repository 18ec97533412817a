import type { CleanupFailureRecord, LeakRecord, ScopeRecord } from './model.js'

const EARLIER = 'In an earlier attempt of this test (a retry or a repeat): '

/** A failure of an earlier attempt, kept as a warning: the attempt that counts is the last. */
function asEarlier<T extends CleanupFailureRecord | LeakRecord>(item: T): T {
  const message = item.message.startsWith(EARLIER) ? item.message : `${EARLIER}${item.message}`
  return { ...item, message, severity: 'warning' }
}

/**
 * The record of a test's attempt, with what its earlier attempts (a `retry`, or `repeats`) left:
 * their cleanup failures and leaks, as warnings. A retried test passes on its last attempt, as Vitest
 * decides, but no cleanup error is lost on the way. Undefined when neither has anything.
 */
export function withEarlierAttempts(
  earlier: ScopeRecord | undefined,
  record: ScopeRecord | undefined,
): ScopeRecord | undefined {
  if (earlier === undefined || (earlier.cleanupErrors.length === 0 && earlier.leaks.length === 0)) {
    return record
  }
  const result = record ?? { resources: 0, cleanupMs: 0, leaks: [], cleanupErrors: [], slowest: [] }
  result.cleanupErrors.unshift(...earlier.cleanupErrors.map(asEarlier))
  result.leaks.unshift(...earlier.leaks.map(asEarlier))
  return result
}

/**
 * Ends an attempt that left nothing of its own (hot path: most tests): what earlier attempts left stays
 * on the task's `meta` under `key`, as warnings; with nothing of theirs, the record goes.
 */
export function keepEarlierOnly(meta: Record<string, unknown>, key: string): void {
  const earlier = meta[key] as ScopeRecord | undefined
  if (earlier === undefined) return
  const kept = withEarlierAttempts(earlier, undefined)
  if (kept === undefined) delete meta[key]
  else meta[key] = kept
}
