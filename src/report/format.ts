import { TestkitError } from '../core/errors.js'
import type { SourceLocation } from '../core/types.js'
import type { ScopeKind } from '../scope/state.js'
import type { CleanupFailureRecord, LeakRecord, ScopeRecord } from './model.js'

/**
 * How reports name each kind of scope: who left something, when it was found, and where the code
 * that made it should release it. A file's is released in afterAll: afterEach would release it after
 * the file's first test, while the others still use it.
 */
const SCOPE_WORDS: Record<ScopeKind, { by: string; ended: string; releaseIn: string }> = {
  test: { by: 'this test', ended: 'when the test ended', releaseIn: 'in the test or afterEach' },
  file: {
    by: 'this file',
    ended: 'when the file ended (after its afterAll hooks)',
    releaseIn: 'in afterAll',
  },
  run: {
    by: "the run's global setup",
    ended: 'when the run ended',
    releaseIn: "in the global setup's teardown",
  },
}

/** Who left what a scope of this kind left: 'this test', 'this file'. */
export const leftBy = (scope: ScopeKind): string => SCOPE_WORDS[scope].by

/** When a leak of a scope of this kind was found: 'when the test ended'. */
export const endedText = (scope: ScopeKind): string => SCOPE_WORDS[scope].ended

/**
 * Where a scope of this kind should release what it made, for fix hints: `forTest` in a test
 * (default 'in the test or afterEach'), 'in afterAll' in a file.
 */
export const releaseIn = (scope: ScopeKind, forTest = SCOPE_WORDS.test.releaseIn): string =>
  scope === 'test' ? forTest : SCOPE_WORDS[scope].releaseIn

/** `file:line:column`, relative to `root` when it is inside it. */
export function locationText(origin: SourceLocation | null, root?: string): string {
  if (origin === null) return 'unknown location'
  const file = root && origin.file.startsWith(`${root}/`) ? origin.file.slice(root.length + 1) : origin.file
  return `${file}:${origin.line}:${origin.column}`
}

/** One line for a failed cleanup. */
export function failureLine(failure: CleanupFailureRecord): string {
  const what = failure.description ? `, ${failure.description}` : ''
  const verb = failure.timeout ? 'timed out' : 'failed'
  return `cleanup of "${failure.resourceId}" (${failure.category}${what}) ${verb}: ${failure.message}`
}

/** What happened at a leak's origin: 'created' unless its kind says otherwise ('listen() called'). */
export const originEventOf = (leak: Pick<LeakRecord, 'originEvent'>): string => leak.originEvent ?? 'created'

/** One line for a leak. */
export function leakLine(leak: LeakRecord, root?: string): string {
  return `${leak.type} (${leak.category}) ${originEventOf(leak)} at ${locationText(leak.origin, root)}: ${leak.message} Fix: ${leak.hint}`
}

/**
 * The message of the error that fails a test: every failure and leak of `severity`, one per line.
 * `by`: who left them (see leftBy()).
 */
export function scopeFailureMessage(
  record: ScopeRecord,
  root?: string,
  by = leftBy('test'),
  severity: 'error' | 'warning' = 'error',
): string {
  const lines = [
    ...record.cleanupErrors.filter((f) => f.severity === severity).map(failureLine),
    ...record.leaks.filter((l) => l.severity === severity).map((leak) => `leak: ${leakLine(leak, root)}`),
    ...(record.findings ?? []).filter((f) => f.severity === severity).map((f) => `${f.kind}: ${f.message}`),
  ]
  const count = lines.length
  return `testkit: ${count} problem${count === 1 ? '' : 's'} left by ${by}\n${lines.map((l) => `  - ${l}`).join('\n')}`
}

/** Whether a record holds anything that fails its test. */
export function hasErrors(record: ScopeRecord): boolean {
  return (
    record.cleanupErrors.some((f) => f.severity === 'error') ||
    record.leaks.some((l) => l.severity === 'error') ||
    (record.findings?.some((f) => f.severity === 'error') ?? false)
  )
}

/** Fails a test (or file) whose cleanup failed or that left something behind (`code: 'ERR_SCOPE_FAILED'`). */
export class TestkitScopeError extends TestkitError {
  /** Everything the scope recorded. */
  readonly record: ScopeRecord

  /** @internal Made by testkit's adapters; match on `code` and read `record`. */
  constructor(record: ScopeRecord, root?: string, by?: string) {
    super('ERR_SCOPE_FAILED', scopeFailureMessage(record, root, by))
    this.record = record
    // The stack points at the line that made the first leak, not at testkit's own frames: test
    // runners then show that line with a code frame, as for any error thrown there. With no such line
    // (a monitor finding, a failed cleanup) it has no frame at all: testkit's own would name its
    // source files, which the package does not ship.
    const origin = record.leaks.find((leak) => leak.severity === 'error' && leak.origin)?.origin
    const at = origin ? `\n    at ${origin.file}:${origin.line}:${origin.column}` : ''
    this.stack = `${this.name}: ${this.message}${at}`
    // The first failed cleanup's own error, as the cause: test runners print its stack.
    const failed = record.cleanupErrors.find((failure) => failure.severity === 'error' && failure.stack)
    if (failed?.stack) {
      const cause = new Error(failed.message)
      cause.stack = failed.stack
      this.cause = cause
    }
  }

  /**
   * What leaves the worker: its name, message and stack (Vitest adds its `cause`). Vitest serializes
   * an error with every own property, enumerable or not, and its verbose reporter prints them all: the
   * whole record would follow each failure. Reporters read the record from the test's meta.
   */
  toJSON(): { name: string; message: string; stack: string | undefined } {
    return { name: this.name, message: this.message, stack: this.stack }
  }
}
