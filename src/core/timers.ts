import { clearTimeout as nodeClearTimeout, setTimeout as nodeSetTimeout } from 'node:timers'

/** The timer functions the package itself uses for timeouts. */
export interface RealTimers {
  setTimeout: typeof globalThis.setTimeout
  clearTimeout: typeof globalThis.clearTimeout
}

// Process-global, like the rest of the shared state: leak detection saves the functions here before
// it wraps the globals, so that the manager's own timeouts are never taken for a test's timers.
const KEY = Symbol.for('@orchestr8/testkit.real-timers')
const registry = globalThis as typeof globalThis & { [KEY]?: RealTimers }

/** Keeps the current timer functions as the package's own, before anything wraps them. Idempotent. */
export function saveRealTimers(): void {
  registry[KEY] ??= { setTimeout: globalThis.setTimeout, clearTimeout: globalThis.clearTimeout }
}

/** The package's own timer functions: those saved before detection wrapped the globals, else Node's. */
export function realTimers(): RealTimers {
  return registry[KEY] ?? { setTimeout: nodeSetTimeout, clearTimeout: nodeClearTimeout }
}
