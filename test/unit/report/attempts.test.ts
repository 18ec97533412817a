import { expect, test } from 'vitest'
import { keepEarlierOnly, withEarlierAttempts } from '../../../src/report/attempts.js'
import type { ScopeRecord } from '../../../src/report/model.js'

const failed = (message: string): ScopeRecord => ({
  resources: 1,
  cleanupMs: 1,
  leaks: [],
  cleanupErrors: [
    {
      resourceId: 'r',
      category: 'critical',
      description: undefined,
      message,
      origin: null,
      timeout: false,
      severity: 'error',
    },
  ],
  slowest: [],
})

test("an earlier attempt's failures stay in the last attempt's record, as warnings, named once as earlier", () => {
  const second = withEarlierAttempts(failed('first broke'), undefined)
  expect(second?.cleanupErrors.map((f) => [f.severity, f.message])).toEqual([
    ['warning', 'In an earlier attempt of this test (a retry or a repeat): first broke'],
  ])
  // A third attempt that fails itself: its own failure stays an error, the earlier ones are not renamed again.
  const third = withEarlierAttempts(second, failed('third broke'))
  expect(third?.cleanupErrors.map((f) => [f.severity, f.message])).toEqual([
    ['warning', 'In an earlier attempt of this test (a retry or a repeat): first broke'],
    ['error', 'third broke'],
  ])
})

test('an attempt with nothing of its own keeps the earlier failures on the meta, or drops a record with none', () => {
  const meta: Record<string, unknown> = { testkit: failed('first broke') }
  keepEarlierOnly(meta, 'testkit')
  expect((meta.testkit as ScopeRecord).cleanupErrors[0]?.severity).toBe('warning')

  const clean: Record<string, unknown> = { testkit: { ...failed('x'), cleanupErrors: [] } }
  keepEarlierOnly(clean, 'testkit')
  expect(clean).toEqual({})
  expect(withEarlierAttempts(undefined, undefined)).toBeUndefined()
})
