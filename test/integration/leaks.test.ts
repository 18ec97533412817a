import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import type { ReportLeak } from '../../src/report/run-report.js'
import { compareCorpus, corpusChildren, markers } from '../bench/corpus-compare.mjs'
import { installedCopy, runVitest } from './run-vitest.js'

const fixture = 'fixtures/leaks'

/** Every `// leak: Type` marker of the corpus, as "file:line Type". */
const markerList = () => [...markers()].map(([at, type]) => `${at} ${type}`).sort()

const where = (leak: ReportLeak) => `${leak.origin?.file}:${leak.origin?.line} ${leak.type}`

describe('the leak corpus: one leak per test, of every kind', () => {
  test('each leak is found, attributed to its test (or the file), located at its line, and cleaned', async () => {
    const before = corpusChildren()
    const run = await runVitest(fixture, ['--project', 'corpus'])

    expect(run.code).toBe(1)
    const leaks = run.report?.leaks ?? []
    // Every marker is found exactly once, at its line: origins are the user's line, not Node's or ours.
    expect(leaks.map(where).sort()).toEqual(markerList())
    expect(leaks.every((leak) => leak.action === 'cleaned' && leak.severity === 'error')).toBe(true)
    const byTest = (test: string | null) =>
      leaks.filter((leak) => leak.test === test).map((leak) => leak.type)
    expect(byTest('leaks a timeout')).toEqual(['Timeout'])
    expect(byTest('leaks an interval from a helper module')).toEqual(['Interval'])
    expect(byTest('outer > inner > leaks a timeout in a nested describe')).toEqual(['Timeout'])
    expect(byTest('with a leaky beforeEach > is blamed for its beforeEach')).toEqual(['Interval'])
    expect(byTest('closes a server but leaves a connection open').sort()).toEqual(['Server', 'Socket'])
    expect(byTest('leaks a forked child with an IPC channel')).toEqual(['ChildProcess'])
    expect(byTest('leaks a once exit listener')).toEqual(['ProcessListener'])
    // Concurrent tests: the leak goes to the test whose async context made it.
    expect(byTest('concurrent > slow, leaks an interval while the other runs')).toEqual(['Interval'])
    expect(byTest('concurrent > fast, leaks nothing')).toEqual([])
    // The file's own top level and beforeAll: test null. The imported singleton's timer: nothing.
    expect(
      leaks
        .filter((leak) => leak.test === null)
        .map(where)
        .sort(),
    ).toEqual(['corpus/file-scope.test.ts:10 Server', 'corpus/file-scope.test.ts:6 Interval'])
    expect(leaks.some((leak) => leak.origin?.file.endsWith('singleton.ts'))).toBe(false)
    // Worded as the file's, with a fix in afterAll: afterEach would clear it after the first test.
    expect(run.stderr).toContain('testkit: 2 problems left by this file\n')
    expect(run.stderr).toContain(
      'A setInterval() timer was still running when the file ended (after its afterAll hooks). Fix: clear it with clearInterval() in afterAll, or create it with useInterval().',
    )
    expect(leaks.find((leak) => leak.test === null && leak.type === 'Server')?.hint).toBe(
      'await server.close() in afterAll and destroy its connections (http: closeAllConnections()), or create it with useServer().',
    )
    // A server is noted when it starts listening: its origin is the listen() call, and says so.
    expect(run.stderr).toContain('Server (network) listen() called at corpus/file-scope.test.ts:10:')
    expect(run.stdout).toContain('Server listen() called at corpus/file-scope.test.ts:10:')
    const servers = leaks.filter((leak) => leak.type === 'Server')
    expect(servers.length).toBeGreaterThan(1)
    expect(servers.every((leak) => leak.originEvent === 'listen() called')).toBe(true)
    expect(leaks.find((leak) => leak.type === 'Timeout')?.originEvent).toBe('created')
    // Shown with a code frame at the line, as Vitest shows its own errors.
    expect(run.stderr).toMatch(
      /❯ corpus\/timers\.test\.ts:5:3\n.*\n.*\n.*setTimeout\(\(\) => \{\}, 60_000\) \/\/ leak: Timeout/,
    )
    expect(run.stderr).toContain(
      'Fix: kill it and await its exit in the test or afterEach, or start it with useProcess().',
    )
    // Cleaned: no child left running, and the run ended without Vitest waiting on anything.
    expect(corpusChildren().filter((child) => !before.includes(child))).toEqual([])
    expect(run.stdout + run.stderr).not.toMatch(
      /close timed out|Tests closed successfully but something prevents/,
    )
  })

  test('under TESTKIT_LEAKS=warn the leaks are warnings and the run passes', async () => {
    const run = await runVitest(fixture, ['--project', 'corpus', 'corpus/timers.test.ts'], {
      TESTKIT_LEAKS: 'warn',
    })

    expect(run.code).toBe(0)
    expect(run.report?.leaks.length).toBe(6)
    expect(run.report?.leaks.every((leak) => leak.severity === 'warning')).toBe(true)
  })

  test.each([['vmThreads'], ['vmForks']])(
    'in the %s pool the same timer leaks are found, with their lines',
    async (pool) => {
      const all = await runVitest(fixture, ['--project', 'corpus', 'corpus/timers.test.ts'])
      // Installed as npm would: Vitest then loads testkit afresh in each file's vm context.
      const project = installedCopy(fixture)
      try {
        const vm = await runVitest(project.dir, [
          '--project',
          'corpus',
          'corpus/timers.test.ts',
          `--pool=${pool}`,
        ])

        expect(vm.code).toBe(1)
        const found = (run: typeof vm) =>
          run.report?.leaks.map((leak) => [leak.test, leak.type, leak.origin?.line]).sort()
        expect(found(vm)).toHaveLength(6)
        expect(found(vm)).toEqual(found(all))
      } finally {
        project.remove()
      }
    },
  )

  test('--reporter=verbose shows a leak as the default reporter does, without dumping its record', async () => {
    const run = await runVitest(fixture, [
      '--project',
      'corpus',
      'corpus/timers.test.ts',
      '--reporter=verbose',
    ])

    expect(run.code).toBe(1)
    expect(run.stderr).toContain(
      'leak: Timeout (timer) created at corpus/timers.test.ts:5:3: A setTimeout() timer was still pending when the test ended.',
    )
    expect(run.stdout + run.stderr).not.toContain('Serialized Error')
    // testkit's reporter reads each test's record from its meta, not from the error.
    expect(run.report?.leaks).toHaveLength(6)
  })

  test('under TESTKIT_LEAKS=off nothing is tracked, and the summary says so rather than "no leaks"', async () => {
    const run = await runVitest(fixture, ['--project', 'corpus', 'corpus/timers.test.ts'], {
      TESTKIT_LEAKS: 'off',
    })

    expect(run.code).toBe(0)
    expect(run.report?.leaks).toEqual([])
    expect(run.report?.summary.leakPolicy).toBe('off')
    expect(run.stdout).toContain("testkit leak tracking off (leaks: 'off'); no cleanup failures")
    expect(run.stdout).not.toContain('no leaks')
  })

  test('with TESTKIT_AUTO_CLEAN=false leaks are reported and left alone', async () => {
    const run = await runVitest(fixture, ['--project', 'corpus', 'corpus/timers.test.ts', '-t', 'unref'], {
      TESTKIT_AUTO_CLEAN: 'false',
    })

    expect(run.code).toBe(1)
    expect(run.report?.leaks.map((leak) => [leak.test, leak.type, leak.action])).toEqual([
      ['leaks an unref timeout', 'Timeout', 'reported'],
    ])
  })

  test('an ignore rule silences what it matches', async () => {
    const run = await runVitest(fixture, ['--config', 'vitest.ignore.config.ts', 'corpus/timers.test.ts'])

    expect(run.report?.leaks.map((leak) => leak.type).sort()).toEqual(['Interval', 'Interval', 'Interval'])
  })

  test('what an ignore rule matches is left alive: servers shared on purpose keep listening', async () => {
    // Servers matched by origin, a RegExp with the g flag (which must match every finding, not every
    // other one), and an interval matched by a function name on its stack.
    const run = await runVitest(fixture, ['--config', 'vitest.ignore.config.ts', 'ignored/'])

    expect(run.stdout).toContain('✓ ignored/shared-servers.test.ts (3 tests)')
    expect(run.report?.leaks).toEqual([])
    expect(run.code).toBe(0)
  })
})

test('https and http2 servers left listening are Server leaks of their tests, at their lines, and are closed', async () => {
  const run = await runVitest(fixture, ['--project', 'secure'])

  expect(run.code).toBe(1)
  const source = readFileSync(join(fixture, 'secure/servers.test.ts'), 'utf8').split('\n')
  const lines = source.flatMap((line, i) => (line.includes('// leak: Server') ? [i + 1] : []))
  expect(run.report?.leaks.map((leak) => [leak.test, leak.type, leak.origin?.line, leak.action])).toEqual([
    ['leaks an https server', 'Server', lines[0], 'cleaned'],
    ['leaks an http2 server', 'Server', lines[1], 'cleaned'],
    ['leaks a secure http2 server', 'Server', lines[2], 'cleaned'],
  ])
})

test('leakSettle: a child killed (or a worker terminated) at the end of its test and still exiting is no leak within the window, a leak past it', async () => {
  const within = await runVitest(fixture, ['--project', 'settle'], { TESTKIT_LEAK_SETTLE: '3000' })
  expect(within.report?.leaks).toEqual([])
  expect(within.report?.summary.tests).toBe(2)
  expect(within.code).toBe(0)

  // The worker stops within milliseconds, so only the child, which takes ~300 ms, is sure to be late.
  const past = await runVitest(fixture, ['--project', 'settle', 'settle/closing.test.ts'], {
    TESTKIT_LEAK_SETTLE: '20',
  })
  expect(past.report?.leaks.map((leak) => [leak.test, leak.type, leak.action])).toEqual([
    ['kills a child that takes a while to exit', 'ChildProcess', 'cleaned'],
  ])
  expect(past.code).toBe(1)
})

test('under autoClean: false, a FileHandle left open is reported once, by its test, not again as a descriptor at the file end', async () => {
  const run = await runVitest(fixture, ['--project', 'corpus', 'corpus/files.test.ts'], {
    TESTKIT_AUTO_CLEAN: 'false',
  })

  expect(run.code).toBe(1)
  expect(run.report?.leaks.map((leak) => [leak.test, leak.type, leak.action])).toEqual([
    ['leaks an fs.watch watcher', 'FSWatcher', 'reported'],
    ['leaks an fs.watchFile watcher', 'StatWatcher', 'reported'],
    ['leaks a FileHandle', 'FileHandle', 'reported'],
  ])
})

test('when a leaked timer throws after its test, the error names the test that created it', async () => {
  const run = await runVitest(fixture, ['--project', 'late'], { TESTKIT_AUTO_CLEAN: 'false' })

  expect(run.code).toBe(1)
  expect(run.stderr).toContain(
    '(testkit: thrown by a timer that "late/late.test.ts > leaves a timer that throws later" created at ',
  )
  expect(run.stderr).toMatch(/late\/late\.test\.ts:4:3 and left running\)/)
})

test('on the same corpus, testkit finds every leak vitest --detectAsyncLeaks finds, and names the test of each', async () => {
  const { rows, unmatched } = compareCorpus()

  expect(unmatched).toEqual([])
  expect(rows.filter((row) => row.testkit === undefined)).toEqual([])
  // Sanity of the comparison itself: Vitest's detector did run and find the ordinary leaks.
  expect(rows.find((row) => row.at === 'corpus/timers.test.ts:5')?.async).toBe('Timeout, per file')
})

test('the clean corpus of traps reports nothing but a warning for the idle keep-alive socket', async () => {
  const run = await runVitest(fixture, ['--project', 'clean'])

  expect(run.code).toBe(0)
  expect(run.report?.leaks.map((leak) => [leak.test, leak.type, leak.severity, leak.action])).toEqual([
    ["a global agent's idle keep-alive socket is a warning at most", 'KeepAliveSocket', 'warning', 'cleaned'],
  ])
  expect(run.report?.summary.tests).toBe(10)
})
