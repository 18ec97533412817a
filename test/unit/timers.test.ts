import { clearTimeout as nodeClearTimeout, setTimeout as nodeSetTimeout } from 'node:timers'
import { afterEach, expect, test } from 'vitest'
import { realTimers, saveRealTimers } from '../../src/core/timers.js'

const KEY = Symbol.for('@orchestr8/testkit.real-timers')
const registry = globalThis as Record<symbol, unknown>
const saved = registry[KEY]
const original = globalThis.setTimeout

afterEach(() => {
  globalThis.setTimeout = original
  if (saved === undefined) delete registry[KEY]
  else registry[KEY] = saved
})

test("without leak detection the package's timeouts use Node's own timer functions", () => {
  delete registry[KEY]

  expect(realTimers()).toEqual({ setTimeout: nodeSetTimeout, clearTimeout: nodeClearTimeout })
})

test('saved before the globals are wrapped, the real functions stay the ones used; saving again keeps them', () => {
  delete registry[KEY]
  saveRealTimers()
  const wrapped = ((...args: Parameters<typeof setTimeout>) => original(...args)) as typeof setTimeout
  globalThis.setTimeout = wrapped
  saveRealTimers()

  expect(realTimers().setTimeout).toBe(original)
  expect(realTimers().setTimeout).not.toBe(wrapped)
})
