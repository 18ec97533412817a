import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { expect, test } from 'vitest'
import { runVitest } from './run-vitest.js'

const run = promisify(execFile)
/** The 1-based line of a repository file that contains `snippet`. */
const lineOf = (file: string, snippet: string) =>
  readFileSync(join(root, file), 'utf8')
    .split('\n')
    .findIndex((line) => line.includes(snippet)) + 1
const root = join(import.meta.dirname, '..', '..')

test('the resource-manager example cleans in dependency and priority order and reports what failed', async () => {
  const { stdout } = await run(process.execPath, [join(root, 'examples', 'resource-manager.mjs')], {
    cwd: root,
    timeout: 30_000,
  })

  const cleaned = stdout.match(/cleaning [\w-]+/g)
  expect(cleaned).toEqual([
    'cleaning flaky-db',
    'cleaning stuck-close',
    'cleaning scratch-dir',
    'cleaning echo-client',
    'cleaning echo-server',
  ])
  expect(stdout).toContain('Cleaned 5 in')
  expect(stdout).toContain('FAILED flaky-db (database): connection already closed')
  expect(stdout).toContain('TIMED OUT stuck-close (critical)')
  expect(stdout).toMatch(/late-timer \(timer\) registered at .*examples\/resource-manager\.mjs:\d+/)
  expect(stdout).toContain('registered 6, cleaned 3, failed 1, timed out 1, peak live 5')
})

test('the helpers example suite passes clean, with a one-line summary', async () => {
  const run = await runVitest('examples/helpers')

  expect(run.code).toBe(0)
  expect(run.stdout).toMatch(
    /testkit no leaks, no cleanup failures, no figure over its threshold: \d+ resources registered, cleanup took/,
  )
  expect(run.report?.summary).toMatchObject({ leaks: 0, cleanupErrors: 0, errors: 0, warnings: 0 })
})

test('the demo (typical mistakes) warns, cleans and reports each mistake with its test and line, and exits 0', async () => {
  const run = await runVitest('examples/mistakes')

  expect(run.code).toBe(0)
  expect(run.stdout).toContain('testkit 0 errors, 7 warnings')
  const forgotten = run.report?.leaks.filter((leak) => leak.test?.startsWith('forgotten >'))
  expect(forgotten?.map((leak) => [leak.test, leak.type, leak.origin?.line, leak.action])).toEqual([
    [
      'forgotten > an interval that is never cleared',
      'Interval',
      lineOf('examples/mistakes/mistakes.test.ts', 'setInterval(() => {}, 1_000)'),
      'cleaned',
    ],
    [
      'forgotten > a server that is never closed',
      'Server',
      lineOf('examples/mistakes/mistakes.test.ts', 'server.listen(0'),
      'cleaned',
    ],
    [
      'forgotten > a child process that is never stopped',
      'ChildProcess',
      lineOf('examples/mistakes/mistakes.test.ts', 'spawn(process.execPath'),
      'cleaned',
    ],
    // A raw descriptor has no creating line testkit could know, and is reported, not closed.
    ['forgotten > a file that is never closed', 'FileDescriptor', undefined, 'reported'],
  ])
  expect(run.report?.leaks.filter((leak) => !leak.test?.startsWith('forgotten >'))).toEqual([
    expect.objectContaining({
      file: 'mistakes.test.ts',
      test: 'database > forgets to release a pooled connection',
      category: 'database',
      type: 'PoolConnection',
      origin: {
        file: 'mistakes.test.ts',
        line: lineOf('examples/mistakes/mistakes.test.ts', 'await pool.acquire()'),
        column: 27,
      },
      action: 'cleaned',
      severity: 'warning',
    }),
  ])
  expect(run.report?.cleanupErrors.map((e) => [e.test, e.timeout])).toEqual([
    ['cleanup > a cleanup that throws', false],
    ['cleanup > a close() whose callback never comes', true],
  ])
})

test('the same demo under TESTKIT_LEAKS=fail fails exactly the tests with mistakes', async () => {
  const run = await runVitest('examples/mistakes', [], { TESTKIT_LEAKS: 'fail' })

  expect(run.code).toBe(1)
  // The file left open is the monitor's finding: a warning unless TESTKIT_MONITOR=fail.
  expect(run.stdout).toContain('6 failed | 3 passed')
  expect(run.stdout).toContain('✓ the next test still finds the pool whole')
  expect(run.stdout).toContain('✓ the next test runs with none of them left')
})
