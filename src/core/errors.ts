import type { CleanupError, CleanupResult } from './types.js'

/** Stable codes of every error this package throws. Match on `code`, not `instanceof`. */
export type TestkitErrorCode =
  | 'ERR_INVALID_ARGUMENT'
  | 'ERR_RESOURCE_DUPLICATE'
  | 'ERR_RESOURCE_CYCLE'
  | 'ERR_RESOURCE_TIMEOUT'
  | 'ERR_RESOURCE_CLEANUP'
  | 'ERR_CLEANUP_THREW_NON_ERROR'
  | 'ERR_SCOPE_FAILED'
  | 'ERR_HEAP_GROWTH'
  | 'ERR_RESOURCE_LIMIT'
  | 'ERR_PROCESS_SURVIVED'
  | 'ERR_TEMP_OUTSIDE_ROOT'
  | 'ERR_UNSUPPORTED_VITEST'

/** Base class of this package's errors; `code` is stable across versions. */
export class TestkitError extends Error {
  readonly code: TestkitErrorCode

  constructor(code: TestkitErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = new.target.name
    this.code = code
  }
}

/** A value passed to the API is not what was expected (`code: 'ERR_INVALID_ARGUMENT'`). */
export class InvalidArgumentError extends TestkitError {
  constructor(message: string) {
    super('ERR_INVALID_ARGUMENT', message)
  }
}

/** A category is at its hard limit (`code: 'ERR_RESOURCE_LIMIT'`). */
export class ResourceLimitError extends TestkitError {
  readonly category: string
  readonly limit: number

  constructor(category: string, limit: number, detail: string) {
    super(
      'ERR_RESOURCE_LIMIT',
      `The ${category} category is at its hard limit of ${limit} live resources: ${detail}`,
    )
    this.category = category
    this.limit = limit
  }
}

/** An id is already registered (`code: 'ERR_RESOURCE_DUPLICATE'`). */
export class DuplicateResourceError extends TestkitError {
  readonly resourceId: string

  /** `detail` says where the first one came from, e.g. "registered at test/db.test.ts:12:3". */
  constructor(resourceId: string, detail: string | undefined) {
    const where = detail ? ` (${detail})` : ''
    super('ERR_RESOURCE_DUPLICATE', `Resource "${resourceId}" is already registered${where}.`)
    this.resourceId = resourceId
  }
}

/** Registering would create a dependency cycle (`code: 'ERR_RESOURCE_CYCLE'`). */
export class DependencyCycleError extends TestkitError {
  /** The ids along the cycle, first id repeated at the end. */
  readonly cycle: string[]

  constructor(cycle: string[]) {
    super(
      'ERR_RESOURCE_CYCLE',
      `Dependency cycle: ${cycle.map((id) => `"${id}"`).join(' -> ')}. A resource cannot depend on itself, directly or through others.`,
    )
    this.cycle = cycle
  }
}

/** A cleanup did not settle in time (`code: 'ERR_RESOURCE_TIMEOUT'`). */
export class ResourceTimeoutError extends TestkitError {
  readonly resourceId: string
  readonly timeoutMs: number

  constructor(resourceId: string, timeoutMs: number, reason: 'resource' | 'budget') {
    const what = reason === 'resource' ? 'its timeout' : "the cleanup pass's budget"
    super(
      'ERR_RESOURCE_TIMEOUT',
      `Cleanup of "${resourceId}" did not settle within ${what} of ${timeoutMs} ms.`,
    )
    this.resourceId = resourceId
    this.timeoutMs = timeoutMs
  }
}

/** Thrown by `cleanup({ throwOnError: true })`: every failure of the pass (`code: 'ERR_RESOURCE_CLEANUP'`). */
export class ResourceCleanupError extends TestkitError {
  readonly errors: CleanupError[]
  readonly result: CleanupResult

  constructor(result: CleanupResult) {
    const lines = result.errors.map(
      (e) => `  - "${e.resourceId}" (${e.category})${e.timeout ? ' timed out' : ''}: ${e.error.message}`,
    )
    const count = result.errors.length
    super('ERR_RESOURCE_CLEANUP', `${count} cleanup${count === 1 ? '' : 's'} failed:\n${lines.join('\n')}`, {
      cause: result.errors[0]?.error,
    })
    this.errors = result.errors
    this.result = result
  }
}

/** Turns whatever a cleanup threw into an Error, keeping the original as `cause`. */
export function toError(thrown: unknown): Error {
  if (thrown instanceof Error) return thrown
  return new TestkitError(
    'ERR_CLEANUP_THREW_NON_ERROR',
    `Cleanup threw a non-Error value: ${describe(thrown)}`,
    {
      cause: thrown,
    },
  )
}

/** A short, safe rendering of an arbitrary value for error messages. */
export function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value)
  if (typeof value === 'function') return `function ${value.name || '(anonymous)'}`
  if (value === null || typeof value !== 'object') return String(value)
  if (Array.isArray(value)) return `array of length ${value.length}`
  try {
    return JSON.stringify(value).slice(0, 80)
  } catch {
    return Object.prototype.toString.call(value)
  }
}
