import { describe, InvalidArgumentError } from '../core/errors.js'
import { ResourceCategory, ResourcePriority } from '../core/types.js'
import { assertFunction } from '../core/validate.js'
import { roomFor, type Tracked, track } from './track.js'

/** Node would take a bad delay as 1 ms (with a warning): a mistake to name instead. */
function assertDelay(helper: string, ms: unknown): void {
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) {
    throw new InvalidArgumentError(
      `${helper}() ms must be a number of milliseconds >= 0, got ${describe(ms)}.`,
    )
  }
}

/** A timer cleared when the test ends (or when it has fired, for a timeout). */
export interface TrackedTimer extends Tracked {
  readonly timer: ReturnType<typeof setTimeout>
}

/**
 * `setTimeout` tracked by the current test: cleared when the test ends if it has not fired.
 * Uses the global `setTimeout` of the moment, so it follows `vi.useFakeTimers()`.
 */
export function useTimeout(callback: () => void, ms: number): TrackedTimer {
  assertFunction('useTimeout() callback', callback)
  assertDelay('useTimeout', ms)
  roomFor(ResourceCategory.TIMER)
  let tracked: Tracked | undefined
  const clear = globalThis.clearTimeout
  const timer = globalThis.setTimeout(() => {
    // Fired: nothing left to clean, so it no longer belongs to the test's resources.
    void tracked?.dispose()
    callback()
  }, ms)
  tracked = track('timeout', () => clear(timer), {
    category: ResourceCategory.TIMER,
    priority: ResourcePriority.CRITICAL,
    description: `setTimeout(${callback.name || 'anonymous'}, ${ms})`,
  })
  return { timer, ...tracked }
}

/** `setInterval` tracked by the current test: cleared when the test ends. */
export function useInterval(callback: () => void, ms: number): TrackedTimer {
  assertFunction('useInterval() callback', callback)
  assertDelay('useInterval', ms)
  roomFor(ResourceCategory.TIMER)
  const clear = globalThis.clearInterval
  const timer = globalThis.setInterval(callback, ms)
  return {
    timer,
    ...track('interval', () => clear(timer), {
      category: ResourceCategory.TIMER,
      priority: ResourcePriority.CRITICAL,
      description: `setInterval(${callback.name || 'anonymous'}, ${ms})`,
    }),
  }
}
