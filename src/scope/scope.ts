import { SHARED_LIMITS, sharedLimits } from '../core/limits.js'
import { ResourceManager } from '../core/manager.js'
import { firstUserFrame } from '../core/origin.js'
import type { CleanupResult, ResourceCategory } from '../core/types.js'
import { assertCategory, assertPositiveNumber } from '../core/validate.js'
import type { CleanupFailureRecord, LeakRecord, ScopeRecord, Severity } from '../report/model.js'
import { matchesRule, type ScopeKind, type ScopeSettings } from './state.js'

export type { ScopeKind, ScopeSettings } from './state.js'
export { settingsFor } from './state.js'

// Enough of a cleanup error's stack to find the throwing line; its cause's too, which Node leaves out.
const STACK_LINES = 12

/** The stack of a cleanup error, and of its cause, shortened; undefined when it has none. */
function stackOf(error: Error): string | undefined {
  const cause = (error as { cause?: unknown }).cause
  const causeText = cause instanceof Error ? cause.stack : undefined
  const text = [error.stack, causeText && `Caused by: ${causeText}`].filter(Boolean).join('\n')
  return text === '' ? undefined : text.split('\n').slice(0, STACK_LINES).join('\n')
}

/**
 * What a test's cleanup budget left uncleaned, cleaned after the test ended (see Scope.close()): the
 * next file (or run) scope to end waits for it and reports what failed. Process-global, like the scope
 * state: a test's scope may be made by the package entry's copy of this module (a helper's first
 * call), its file's ended by the runtime's.
 */
const LATE_KEY = Symbol.for('@orchestr8/testkit.late-cleanups')
const lateHolder = globalThis as typeof globalThis & {
  [LATE_KEY]?: Array<Promise<CleanupFailureRecord[]>>
}
lateHolder[LATE_KEY] ??= []
const lateCleanups = lateHolder[LATE_KEY]

/** Whether cleanups a test's budget left are still to be waited for (by the next file or run scope). */
export const hasLateCleanups = (): boolean => lateCleanups.length > 0

/** Waits for the cleanups tests' budgets left; what failed in them. */
export async function lateCleanupFailures(): Promise<CleanupFailureRecord[]> {
  return (await Promise.all(lateCleanups.splice(0))).flat()
}

/**
 * One scope's resources and findings. Hot path: a scope is created per test, so it allocates its
 * manager and lists only when something is registered or found.
 */
export class Scope {
  readonly kind: ScopeKind
  readonly #settings: ScopeSettings
  #manager: ResourceManager | undefined
  #leaks: LeakRecord[] | undefined
  #allowed: Set<string> | undefined
  #timeoutOverride: number | undefined

  constructor(kind: ScopeKind, settings: ScopeSettings) {
    this.kind = kind
    this.#settings = settings
  }

  /** The settings it started with. */
  get settings(): ScopeSettings {
    return this.#settings
  }

  /** The scope's manager, created on first use. */
  get manager(): ResourceManager {
    // No origins: a scope cleans everything it registered itself, so none is ever reported as a leak,
    // and a stack capture per registration is most of the cost of a test that registers a few things.
    const { limits } = this.#settings
    this.#manager ??= new ResourceManager({
      defaultTimeout: this.#settings.cleanupTimeout,
      captureOrigin: false,
      ...(limits && { [SHARED_LIMITS]: sharedLimits(limits) }),
    })
    return this.#manager
  }

  /**
   * Throws the ResourceLimitError that registering one more resource of `category` would, so that a
   * helper checks before it makes anything (a process, a directory). Without limits, or with room,
   * nothing happens and no manager is made.
   */
  assertRoom(category: `${ResourceCategory}`): void {
    const { limits } = this.#settings
    if (limits) sharedLimits(limits).assertRoom([category])
  }

  /** Whether anything was registered or found: a scope that was never used costs nothing to close. */
  get isUsed(): boolean {
    return this.#manager !== undefined || this.#leaks !== undefined
  }

  /** Lets leaks of these categories pass in this scope (they are still cleaned, and reported as warnings). */
  allowLeaks(categories: readonly `${ResourceCategory}`[]): void {
    for (const category of categories) assertCategory(category, 'allowLeaks() category')
    this.#allowed ??= new Set()
    for (const category of categories) this.#allowed.add(category)
  }

  /** Whether `allowLeaks()` let leaks of this category pass. */
  isAllowed(category: string): boolean {
    return this.#allowed?.has(category) ?? false
  }

  /** Raises (or lowers) the per-cleanup timeout of resources that helpers register from now on. */
  setCleanupTimeout(ms: number): void {
    assertPositiveNumber('setCleanupTimeout() value', ms)
    this.#timeoutOverride = ms
  }

  /** The per-test cleanup timeout override, if one was set. */
  get cleanupTimeoutOverride(): number | undefined {
    return this.#timeoutOverride
  }

  /** Records something the scope left behind; the severity follows the policy and the allowances. */
  addLeak(leak: Omit<LeakRecord, 'severity'> & { severity?: Severity }): void {
    const settings = this.#settings
    if (!settings.tracksLeaks || settings.ignore.some((rule) => matchesRule(rule, leak))) return
    const severity = this.#allowed?.has(leak.category)
      ? 'warning'
      : (leak.severity ?? this.#settings.severity)
    this.#leaks ??= []
    this.#leaks.push({ ...leak, severity })
  }

  /** Cleans what the scope registered and returns what happened, or undefined if it was never used. */
  async close(): Promise<ScopeRecord | undefined> {
    // A file with nothing of its own still reports its tests' late cleanups.
    if (!this.isUsed && (this.kind === 'test' || !hasLateCleanups())) return undefined
    const manager = this.#manager
    let result: CleanupResult | undefined
    let cleanupErrors: CleanupFailureRecord[] = []
    if (manager !== undefined) {
      const budget = this.#settings.cleanupBudget
      result = await manager.cleanup(budget === undefined ? undefined : { timeout: budget })
      manager.close()
      cleanupErrors = this.#failures(result, manager)
      // What the budget left is cleaned now, after the scope, not never: a temp dir, a child process.
      // Its errors never repeat the first pass's: what that pass reported is finished, and a pass
      // claims or waits for registered resources only.
      if (manager.getResourceCount() > 0) {
        lateCleanups.push(manager.cleanup().then((late) => this.#failures(late, manager, true)))
      }
    }
    if (this.kind !== 'test' && hasLateCleanups()) cleanupErrors.push(...(await lateCleanupFailures()))
    return {
      resources: manager?.getMetrics().registered ?? 0,
      cleanupMs: result?.duration ?? 0,
      leaks: this.#leaks ?? [],
      cleanupErrors,
      slowest: (result?.slowest ?? []).slice(0, 3).map((timing) => [timing.resourceId, timing.duration]),
    }
  }

  /** `late`: the pass after the budget ran out, whose failures a later scope reports. */
  #failures(result: CleanupResult, manager: ResourceManager, late = false): CleanupFailureRecord[] {
    const severity = this.#settings.severity
    const when = late ? `After the ${this.kind}'s cleanup budget ran out: ` : ''
    const failures: CleanupFailureRecord[] = result.errors.map((error) => {
      const stack = error.timeout ? undefined : stackOf(error.error)
      return {
        resourceId: error.resourceId,
        category: error.category,
        description: error.description,
        message: when + error.error.message,
        ...(stack === undefined ? {} : { stack }),
        origin: firstUserFrame(stack),
        timeout: error.timeout,
        severity,
      }
    })
    if (late) return failures
    // Left registered because the budget ran out before they started: cleaned after the scope (see close()).
    for (const left of manager.detectLeaks()) {
      failures.push({
        resourceId: left.id,
        category: left.category,
        description: left.description,
        message: `Not cleaned in time: the cleanup budget of ${this.#settings.cleanupBudget} ms ran out before it started; testkit cleans it after the ${this.kind}.`,
        origin: null,
        timeout: true,
        severity,
      })
    }
    return failures
  }
}
