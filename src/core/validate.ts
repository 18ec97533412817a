import { describe, InvalidArgumentError } from './errors.js'
import {
  ResourceCategory,
  type ResourceDefinition,
  type ResourceManagerOptions,
  ResourcePriority,
} from './types.js'

const categories = new Set<unknown>(Object.values(ResourceCategory))
const priorities = new Set<unknown>(
  Object.values(ResourcePriority).filter((value) => typeof value === 'number'),
)
const categoryList = [...categories].map((c) => `'${c}'`).join(', ')

/** The fields every registered resource has after validation and defaults. */
export interface ValidDefinition {
  id: string
  cleanup: () => unknown
  category: ResourceCategory
  priority: ResourcePriority
  description: string | undefined
  tags: string[] | undefined
  timeout: number | undefined
  dependencies: string[] | undefined
  metadata: Record<string, unknown> | undefined
}

function fail(what: string, value: unknown, expected: string): never {
  throw new InvalidArgumentError(`${what} must be ${expected}, got ${describe(value)}.`)
}

export function assertId(id: unknown): asserts id is string {
  if (typeof id !== 'string' || id === '') fail('Resource id', id, 'a non-empty string')
}

export function assertCategory(category: unknown, what = 'Category'): asserts category is ResourceCategory {
  if (!categories.has(category)) fail(what, category, `one of ${categoryList}`)
}

export function assertFunction(what: string, value: unknown): asserts value is (...args: never[]) => unknown {
  if (typeof value !== 'function') fail(what, value, 'a function')
}

export function assertPositiveNumber(what: string, value: unknown): asserts value is number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    fail(what, value, 'a positive finite number of milliseconds')
  }
}

export function assertPositiveInteger(what: string, value: unknown): asserts value is number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1)
    fail(what, value, 'a positive integer')
}

/** Options of a call: undefined, or an object (null, a string or a number is named in the error). */
export function assertOptions(what: string, value: unknown): void {
  if (value !== undefined && (value === null || typeof value !== 'object')) fail(what, value, 'an object')
}

function stringList(what: string, value: unknown): string[] {
  if (!Array.isArray(value)) fail(what, value, 'an array of non-empty strings')
  const bad = value.findIndex((item) => typeof item !== 'string' || item === '')
  // The element that is wrong, not just "an array of length N".
  if (bad >= 0) fail(`${what}[${bad}]`, value[bad], 'a non-empty string')
  return value
}

/** Throws for the first key of `value` not in `known`: a misspelt option would be ignored in silence. */
export function assertKnownKeys(what: string, value: object, known: ReadonlySet<string>): void {
  for (const key in value) {
    if (!known.has(key)) {
      throw new InvalidArgumentError(
        `${what} has no option "${key}"; the options are ${[...known].join(', ')}.`,
      )
    }
  }
}

// Every key of the types (a missing or extra name is a compile error), in the order messages list them.
const managerOptionKeys = new Set(
  Object.keys({
    defaultTimeout: true,
    leakAge: true,
    concurrency: true,
    captureOrigin: true,
    exitTimeout: true,
    onLateSettle: true,
    limits: true,
    onSoftLimit: true,
  } satisfies Record<keyof ResourceManagerOptions, true>),
)
// A definition of registerBatch() is checked as register()'s options are, with its id and cleanup.
const definitionKeys = new Set(
  Object.keys({
    category: true,
    priority: true,
    description: true,
    tags: true,
    timeout: true,
    dependencies: true,
    metadata: true,
    id: true,
    cleanup: true,
  } satisfies Record<keyof ResourceDefinition, true>),
)

/** Checks the constructor options of a manager. */
export function validateOptions(options: ResourceManagerOptions): void {
  if (options === null || typeof options !== 'object') fail('ResourceManager options', options, 'an object')
  assertKnownKeys('ResourceManager', options, managerOptionKeys)
  for (const key of ['defaultTimeout', 'leakAge', 'exitTimeout'] as const) {
    if (options[key] !== undefined) assertPositiveNumber(`Option ${key}`, options[key])
  }
  if (options.concurrency !== undefined) assertPositiveInteger('Option concurrency', options.concurrency)
  const capture = options.captureOrigin
  if (
    capture !== undefined &&
    typeof capture !== 'boolean' &&
    !(Number.isInteger(capture) && (capture as number) >= 0)
  ) {
    fail('Option captureOrigin', capture, 'a boolean or a whole number of registrations')
  }
  if (options.onLateSettle !== undefined && typeof options.onLateSettle !== 'function') {
    fail('Option onLateSettle', options.onLateSettle, 'a function')
  }
}

/** Checks one resource and fills its defaults. Hot path: runs on every `register()`. */
export function validateDefinition(id: unknown, cleanup: unknown, options: unknown): ValidDefinition {
  assertId(id)
  assertFunction(`Cleanup of resource "${id}"`, cleanup)
  if (options === undefined) {
    return {
      id,
      cleanup: cleanup as () => unknown,
      category: ResourceCategory.CRITICAL,
      priority: ResourcePriority.MEDIUM,
      description: undefined,
      tags: undefined,
      timeout: undefined,
      dependencies: undefined,
      metadata: undefined,
    }
  }
  if (options === null || typeof options !== 'object')
    fail(`Options of resource "${id}"`, options, 'an object')
  const o = options as Record<string, unknown>
  assertKnownKeys(`Resource "${id}"`, o, definitionKeys)
  const category = o.category ?? ResourceCategory.CRITICAL
  assertCategory(category, `Category of resource "${id}"`)
  const priority = o.priority ?? ResourcePriority.MEDIUM
  if (!priorities.has(priority)) {
    fail(`Priority of resource "${id}"`, priority, 'one of 0 (CRITICAL), 1 (HIGH), 2 (MEDIUM), 3 (LOW)')
  }
  if (o.timeout !== undefined) assertPositiveNumber(`Timeout of resource "${id}"`, o.timeout)
  const dependencies =
    o.dependencies === undefined
      ? undefined
      : [...new Set(stringList(`Dependencies of resource "${id}"`, o.dependencies))]
  const tags = o.tags === undefined ? undefined : stringList(`Tags of resource "${id}"`, o.tags)
  if (o.description !== undefined && typeof o.description !== 'string') {
    fail(`Description of resource "${id}"`, o.description, 'a string')
  }
  if (o.metadata !== undefined && (o.metadata === null || typeof o.metadata !== 'object')) {
    fail(`Metadata of resource "${id}"`, o.metadata, 'an object')
  }
  return {
    id,
    cleanup: cleanup as () => unknown,
    category,
    priority: priority as ResourcePriority,
    description: o.description as string | undefined,
    tags,
    timeout: o.timeout as number | undefined,
    dependencies,
    metadata: o.metadata as Record<string, unknown> | undefined,
  }
}
