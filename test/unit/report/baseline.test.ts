import { join } from 'node:path'
import { expect, test } from 'vitest'
import { type BaselineEntry, RunScopes, splitByRun } from '../../../src/report/baseline.js'

const root = join(import.meta.dirname, '..', '..', '..')
const entry = (file: string, test: string | null): BaselineEntry => ({
  file,
  test,
  category: 'timer',
  type: 'Timeout',
  origin: null,
})

test('a run checks the entries of the tests and files that ran, and of those that are gone; it keeps the rest', () => {
  const scopes = new RunScopes(root)
  // A file whose module ran: one test ran, one was filtered out (-t, .skip).
  scopes.addFile('test/unit/order.test.ts', true, [
    ['ran', true],
    ['filtered out', false],
  ])
  // A file all of whose tests were filtered out: its own scope did not run either.
  scopes.addFile('test/unit/graph.test.ts', false, [['filtered out', false]])

  const { checked, notRun } = splitByRun(
    [
      entry('test/unit/order.test.ts', 'ran'),
      entry('test/unit/order.test.ts', null),
      entry('test/unit/order.test.ts', 'deleted since'),
      entry('test/unit/order.test.ts', 'filtered out'),
      entry('test/unit/graph.test.ts', null),
      entry('test/unit/graph.test.ts', 'filtered out'),
      entry('test/unit/limits.test.ts', 'in a file not run'),
      entry('test/unit/deleted.test.ts', 'in a file deleted since'),
    ],
    scopes,
  )

  expect(checked.map((e) => `${e.file} ${e.test}`)).toEqual([
    'test/unit/order.test.ts ran',
    'test/unit/order.test.ts null',
    'test/unit/order.test.ts deleted since',
    'test/unit/deleted.test.ts in a file deleted since',
  ])
  expect(notRun.map((e) => `${e.file} ${e.test}`)).toEqual([
    'test/unit/order.test.ts filtered out',
    'test/unit/graph.test.ts null',
    'test/unit/graph.test.ts filtered out',
    'test/unit/limits.test.ts in a file not run',
  ])
})

test('a file that collected no tests (it failed to import) cannot tell a deleted test: its tests are not run', () => {
  const scopes = new RunScopes(root)
  scopes.addFile('test/unit/order.test.ts', true, [])

  expect(scopes.checks(entry('test/unit/order.test.ts', null))).toBe(true)
  expect(scopes.checks(entry('test/unit/order.test.ts', 'a test'))).toBe(false)
})
