import type { EventEmitter } from 'node:events'
import { describe, InvalidArgumentError } from '../core/errors.js'
import { ResourceCategory, ResourcePriority } from '../core/types.js'
import { assertFunction } from '../core/validate.js'
import { roomFor, type Tracked, track } from './track.js'

type Listener = (...args: never[]) => unknown

function isEmitter(target: unknown): target is EventEmitter {
  return (
    typeof (target as EventEmitter)?.on === 'function' && typeof (target as EventEmitter).off === 'function'
  )
}

function isEventTarget(target: unknown): target is EventTarget {
  return typeof (target as EventTarget)?.addEventListener === 'function'
}

/**
 * Adds a listener to an EventEmitter (`process` included) or an EventTarget, and removes it when the
 * test ends.
 */
export function useEventListener(
  target: EventEmitter | EventTarget,
  type: string | symbol,
  listener: Listener,
  options?: { capture?: boolean; once?: boolean; passive?: boolean; signal?: AbortSignal },
): Tracked {
  assertFunction('useEventListener() listener', listener)
  let remove: () => void
  if (isEmitter(target)) {
    roomFor(ResourceCategory.EVENT)
    // `once` as an EventTarget would take it; off() below also removes a once-listener that has not fired.
    if (options?.once) target.once(type, listener as (...args: unknown[]) => void)
    else target.on(type, listener as (...args: unknown[]) => void)
    remove = () => target.off(type, listener as (...args: unknown[]) => void)
  } else if (isEventTarget(target) && typeof type === 'string') {
    roomFor(ResourceCategory.EVENT)
    target.addEventListener(type, listener as (event: Event) => void, options)
    remove = () => target.removeEventListener(type, listener as (event: Event) => void, options)
  } else {
    throw new InvalidArgumentError(
      `useEventListener() target must be an EventEmitter, or an EventTarget with a string event type; got ${
        isEventTarget(target) ? `an EventTarget and the event type ${describe(type)}` : describe(target)
      }.`,
    )
  }
  const name = target === process ? 'process' : (target.constructor?.name ?? 'target')
  return track('listener', remove, {
    category: ResourceCategory.EVENT,
    priority: ResourcePriority.CRITICAL,
    description: `${name} '${String(type)}' listener ${listener.name || '(anonymous)'}`,
  })
}
