import { ResourceCleanupError } from '../core/errors.js'
import type { ResourceManager } from '../core/manager.js'
import type { CleanupFunction, ResourceCategory, ResourceOptions } from '../core/types.js'
import { currentScope } from '../scope/current.js'
import type { Scope } from '../scope/scope.js'

/** What every helper returns besides its own fields: release it early, or let `await using` do it. */
export interface Tracked {
  /** The id it is registered under in the scope's ResourceManager. */
  readonly resourceId: string
  /** Cleans it now (and whatever depends on it); later calls do nothing. Throws if the cleanup failed. */
  dispose(): Promise<void>
  [Symbol.asyncDispose](): Promise<void>
}

let counter = 0

/**
 * Throws, before a helper makes anything, the ResourceLimitError that registering it would: a
 * category at its hard limit must not get one more process started, directory made or factory run.
 */
export function roomFor(category: `${ResourceCategory}`, scope: Scope = currentScope()): void {
  scope.assertRoom(category)
}

/** Registers `cleanup` in the current scope under a fresh `kind#n` id and returns its handle. */
export function track(
  kind: string,
  cleanup: CleanupFunction,
  options: ResourceOptions,
  scope: Scope = currentScope(),
): Tracked {
  const manager: ResourceManager = scope.manager
  const resourceId = `${kind}#${++counter}`
  const timeout = options.timeout ?? scope.cleanupTimeoutOverride
  try {
    manager.register(resourceId, cleanup, timeout === undefined ? options : { ...options, timeout })
  } catch (error) {
    // Made but not registered (the category reached its hard limit meanwhile): released now, not left to leak.
    Promise.resolve()
      .then(cleanup)
      .catch(() => {})
    throw error
  }
  const dispose = async () => {
    const result = await manager.cleanupBatch([resourceId])
    if (!result.success) throw new ResourceCleanupError(result)
  }
  return { resourceId, dispose, [Symbol.asyncDispose]: dispose }
}
