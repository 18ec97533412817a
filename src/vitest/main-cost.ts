// What testkit's own hooks cost Vitest's main process (the plugin's, the global setup's, the
// reporter's), summed per process so that the reporter can put it beside the workers' figure.
const KEY = Symbol.for('@orchestr8/testkit.main-ms')
const holder = globalThis as typeof globalThis & { [KEY]?: number }

/** Runs `fn` (synchronous) and adds the time it took to testkit's cost in this process. */
export function timed<T>(fn: () => T): T {
  const start = performance.now()
  try {
    return fn()
  } finally {
    holder[KEY] = (holder[KEY] ?? 0) + performance.now() - start
  }
}

/** Ms testkit's hooks have taken in this process so far. */
export function mainMs(): number {
  return holder[KEY] ?? 0
}
