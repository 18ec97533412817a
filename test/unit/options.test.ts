import { expect, test } from 'vitest'
import { resolveOptions } from '../../src/config/options.js'

test('autoClean and leakSettle default to cleaning, after 100 ms for what is closing', () => {
  expect(resolveOptions({}, {})).toMatchObject({ autoClean: true, leakSettle: 100 })
})

test('the environment wins: TESTKIT_AUTO_CLEAN=false and TESTKIT_LEAK_SETTLE=250', () => {
  const env = { TESTKIT_AUTO_CLEAN: 'false', TESTKIT_LEAK_SETTLE: '250' }

  expect(resolveOptions({ autoClean: true, leakSettle: 50 }, env)).toMatchObject({
    autoClean: false,
    leakSettle: 250,
  })
})

test('a bad autoClean or leakSettle names the option and what it must be', () => {
  expect(() => resolveOptions({}, { TESTKIT_AUTO_CLEAN: 'sometimes' })).toThrow(
    expect.objectContaining({
      code: 'ERR_INVALID_ARGUMENT',
      message: 'testkit option "autoClean (from TESTKIT_AUTO_CLEAN)" must be true or false, got "sometimes".',
    }),
  )
  expect(() => resolveOptions({ leakSettle: -5 })).toThrow(
    /testkit option "leakSettle" must be a positive number of milliseconds, got -5/,
  )
})
