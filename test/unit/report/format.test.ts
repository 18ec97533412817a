import { expect, test } from 'vitest'
import { intervalKind } from '../../../src/detect/kinds.js'
import { leftBy, TestkitScopeError } from '../../../src/report/format.js'
import type { ScopeRecord } from '../../../src/report/model.js'

const record = (over: Partial<ScopeRecord>): ScopeRecord => ({
  resources: 0,
  cleanupMs: 0,
  leaks: [],
  cleanupErrors: [],
  slowest: [],
  ...over,
})

test("a file's leak is worded as the file's, with its fix in afterAll; a test's keeps its wording", () => {
  const timer = setInterval(() => {}, 1_000)
  try {
    expect(intervalKind.describe(timer, undefined, 'file')).toBe(
      'A setInterval() timer was still running when the file ended (after its afterAll hooks).',
    )
    expect(intervalKind.hint('file')).toBe(
      'clear it with clearInterval() in afterAll, or create it with useInterval().',
    )
    expect(intervalKind.hint('test')).toBe(
      'clear it with clearInterval() in the test or afterEach, or create it with useInterval().',
    )
  } finally {
    clearInterval(timer)
  }
})

test('an error with no leak origin (a monitor finding) has no stack frames: none of testkit is shown', () => {
  const finding = {
    kind: 'heap-growth' as const,
    severity: 'error' as const,
    message: "The heap grew by 42.0 MB across this file's tests.",
    value: 42,
    threshold: 20,
  }

  const error = new TestkitScopeError(record({ findings: [finding] }), undefined, leftBy('file'))

  expect(error.message).toBe(
    "testkit: 1 problem left by this file\n  - heap-growth: The heap grew by 42.0 MB across this file's tests.",
  )
  expect(error.stack).toBe(`TestkitScopeError: ${error.message}`)
})

test("a TestkitScopeError keeps its code and record, but serializes as a plain error: Vitest's verbose reporter prints every serialized property", () => {
  const failed = record({
    findings: [
      {
        kind: 'slow-cleanup',
        severity: 'error',
        message: 'Cleanup took 400 ms.',
        value: 400,
        threshold: 250,
      },
    ],
  })

  const error = new TestkitScopeError(failed)

  expect(error.code).toBe('ERR_SCOPE_FAILED')
  expect(error.record).toBe(failed)
  expect(JSON.parse(JSON.stringify(error))).toEqual({
    name: 'TestkitScopeError',
    message: error.message,
    stack: error.stack,
  })
})
