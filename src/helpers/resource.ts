import { ResourceCategory, type ResourceOptions } from '../core/types.js'
import { validateDefinition } from '../core/validate.js'
import { roomFor, type Tracked, track } from './track.js'

/** A value registered with its cleanup; `await using` releases it at the end of the block. */
export interface Resource<T> extends Tracked {
  readonly value: T
}

/**
 * Registers a value (or what a factory returns) with the function that releases it, in the current
 * test's scope. A factory is called only after the arguments (and the category's hard limit) were checked, so bad input opens nothing.
 */
export function useResource<T>(
  factory: () => Promise<T>,
  cleanup: (value: T) => unknown,
  options?: ResourceOptions,
): Promise<Resource<T>>
/**
 * Registers a value (or what a synchronous factory returns) with the function that releases it, in
 * the current test's scope. The returned resource also supports `await using`.
 */
export function useResource<T>(
  valueOrFactory: T | (() => T),
  cleanup: (value: T) => unknown,
  options?: ResourceOptions,
): Resource<T>
export function useResource<T>(
  valueOrFactory: T | (() => T | Promise<T>),
  cleanup: (value: T) => unknown,
  options?: ResourceOptions,
): Resource<T> | Promise<Resource<T>> {
  validateDefinition('useResource', cleanup, options)
  const settings = { category: ResourceCategory.CRITICAL, ...options }
  const wrap = (value: T): Resource<T> => ({
    value,
    ...track('resource', () => cleanup(value) as void | Promise<void>, settings),
  })
  if (typeof valueOrFactory !== 'function') return wrap(valueOrFactory)
  roomFor(settings.category)
  const made = (valueOrFactory as () => T | Promise<T>)()
  return made instanceof Promise ? made.then(wrap) : wrap(made as T)
}
