import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { installedCopy, runVitest } from './run-vitest.js'

describe('a manager per test, through the testkit() plugin', () => {
  test('resources outlive afterEach and onTestFinished; a failing cleanup fails its test with every detail', async () => {
    const run = await runVitest('fixtures/vitest/basic')

    expect(run.code).toBe(1)
    expect(run.stdout).toContain(
      '✓ a temp dir outlives the test body, its afterEach and onTestFinished, then is removed',
    )
    expect(run.stdout).toContain('✓ the previous test dir is gone')
    expect(run.stdout).toContain('× a failing cleanup fails the test')
    expect(run.stdout).toContain('cleanup of "resource#3" (critical, explodes) failed: boom in cleanup')
    // The summary says where the cleanup threw.
    expect(run.stdout).toMatch(
      /basic\.test\.ts > a failing cleanup fails the test thrown at basic\.test\.ts:32:\d+/,
    )
    expect(run.report?.cleanupErrors).toEqual([
      {
        file: 'basic.test.ts',
        test: 'a failing cleanup fails the test',
        resourceId: 'resource#3',
        category: 'critical',
        description: 'explodes',
        message: 'boom in cleanup',
        // The throwing line of the user's cleanup, in their source's lines.
        stack: expect.stringMatching(/^Error: boom in cleanup\n\s+at .*basic\.test\.ts:32:/),
        origin: { file: 'basic.test.ts', line: 32, column: expect.any(Number) },
        timeout: false,
        severity: 'error',
      },
    ])
    expect(run.report?.summary).toMatchObject({ tests: 3, cleanupErrors: 1, errors: 1, resources: 3 })
  })

  test.each([
    ['forks', []],
    ['threads', ['--pool=threads']],
    ['forks without isolation', ['--no-isolate']],
    ['threads without isolation', ['--pool=threads', '--no-isolate']],
    // The vm pools run each file in a vm context: the setup's runtime loads in it, not in Node's realm.
    ['vmThreads', ['--pool=vmThreads']],
    ['vmForks', ['--pool=vmForks']],
    // A runner of the user's that extends Vitest's, overriding the calls testkit extends.
    ['forks with a custom runner', [], { TESTKIT_FIXTURE_RUNNER: './custom-runner.ts' }],
  ])(
    'concurrent tests see only their own resources, file resources go after afterAll (%s)',
    async (_pool, args, env?: Record<string, string>) => {
      const work = mkdtempSync(join(tmpdir(), 'testkit-scopes-'))
      const log = join(work, 'log.txt')
      // Installed as npm would, as users run it (Vitest externalizes it).
      const project = installedCopy('fixtures/vitest/scopes')
      try {
        const run = await runVitest(project.dir, args as string[], { TESTKIT_FIXTURE_LOG: log, ...env })

        expect(run.code).toBe(1)
        expect(run.stdout).toContain('✓ slow registers three and sees only its own')
        expect(run.stdout).toContain('× fast registers one that fails to clean')
        expect(run.report?.cleanupErrors.map((e) => [e.test, e.message])).toEqual([
          ['concurrent > fast registers one that fails to clean', 'fast cleanup failed'],
        ])
        expect(readFileSync(log, 'utf8').split('\n').filter(Boolean)).toEqual([
          'test resource cleaned',
          'afterAll sees 1 file resource',
          'file resource cleaned',
        ])
        // Cleaned after the user's aroundEach teardown, newest first.
        expect(readFileSync(`${log}.around`, 'utf8').split('\n').filter(Boolean)).toEqual([
          'around teardown sees 2',
          'body resource cleaned',
          'around resource cleaned',
        ])
      } finally {
        rmSync(work, { recursive: true, force: true })
        project.remove()
      }
    },
  )

  test.each([['vmForks'], ['vmThreads']])(
    'in the %s pool a worker runs file after file, each in its own context: the shared builtins are patched once, at most one descriptor is kept',
    async (pool) => {
      // Installed as npm would: only then does Vitest load testkit afresh in each file's context.
      const project = installedCopy('fixtures/vitest/vm-pools')
      try {
        const run = await runVitest(project.dir, [`--pool=${pool}`, '--reporter=verbose'])

        expect(run.stdout).toMatch(/Tests {2}6 passed \(6\)/)
        expect(run.code).toBe(0)
        // Two workers ran the six files (their pids are in the test names).
        expect(new Set(run.stdout.match(/\(pid \d+\)/g)).size).toBeLessThanOrEqual(2)
      } finally {
        project.remove()
      }
    },
  )

  test('under TESTKIT_LEAKS=warn a failing cleanup is a warning: the run passes and the report keeps it', async () => {
    const run = await runVitest('fixtures/vitest/basic', [], { TESTKIT_LEAKS: 'warn' })

    expect(run.code).toBe(0)
    expect(run.stdout).toContain('testkit 0 errors, 1 warning')
    expect(run.report?.cleanupErrors[0]).toMatchObject({ resourceId: 'resource#3', severity: 'warning' })
  })

  test('a bad option value fails at start-up, naming the option and the allowed values', async () => {
    const run = await runVitest('fixtures/vitest/basic', [], { TESTKIT_LEAKS: 'sometimes' })

    expect(run.code).not.toBe(0)
    expect(run.stdout + run.stderr).toContain(
      `testkit option "leaks (from TESTKIT_LEAKS)" must be one of 'fail', 'warn', 'off', got "sometimes".`,
    )
  })

  test('with GITHUB_ACTIONS=true the reporter prints workflow annotations', async () => {
    const run = await runVitest('fixtures/vitest/basic', [], { GITHUB_ACTIONS: 'true' })

    expect(run.stdout).toMatch(
      /^::error file=basic\.test\.ts,line=32,title=testkit%3A cleanup failed::basic\.test\.ts > a failing cleanup fails the test: cleanup of "resource#3"/m,
    )
  })
})

test("fixtures (auto ones too) tear down before testkit cleans; a throwing afterAll does not skip the file cleanup; a retried test keeps its last attempt, and earlier attempts' failures as warnings", async () => {
  const work = mkdtempSync(join(tmpdir(), 'testkit-hooks-'))
  const log = join(work, 'log.txt')
  try {
    const run = await runVitest('fixtures/vitest/hooks', ['--reporter=verbose'], { TESTKIT_FIXTURE_LOG: log })

    expect(run.code).toBe(1)
    expect(run.stdout + run.stderr).toContain('Error: afterAll broke')
    expect(run.stdout + run.stderr).not.toContain('deprecated')
    // --reporter on the command line replaces the configured reporters, but not testkit's.
    expect(run.stdout).toContain('testkit 0 errors, 1 warning')
    expect(run.stdout).toContain(
      '✓ fixtures.test.ts > fixtures from test.extend, auto fixtures included, tear down before testkit cleans',
    )
    expect(run.stdout).toContain('✓ fixtures.test.ts > the previous test dir is gone')
    expect(run.stdout).toMatch(
      /✓ retry\.test\.ts > a cleanup that fails on the first attempt only .*\(retry x1\)/,
    )
    const lines = readFileSync(log, 'utf8').split('\n').filter(Boolean)
    expect(lines.filter((line) => !line.startsWith('file resource'))).toEqual([
      'auto fixture torn down',
      'workdir teardown sees the dir: true',
      'audit resource cleaned',
      'auto fixture torn down',
      'audit resource cleaned',
    ])
    expect(lines).toContain('file resource cleaned despite afterAll')
    // The retried test passed on its last attempt; its first attempt's cleanup failure is kept, as a warning.
    const [earlier, ...others] = run.report?.cleanupErrors ?? []
    expect(others).toEqual([])
    expect([earlier?.test, earlier?.severity, earlier?.message]).toEqual([
      'a cleanup that fails on the first attempt only',
      'warning',
      'In an earlier attempt of this test (a retry or a repeat): first attempt cleanup failed',
    ])
    expect(run.report?.summary).toMatchObject({ tests: 4, errors: 0, warnings: 1 })
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
})

describe("testkit's preload and runner (the plugin on Vitest >= 4.1)", () => {
  test('replace the setup file: Vitest runs none; a testkit setup file listed too cleans nothing twice', async () => {
    const basic = await runVitest('fixtures/vitest/basic')
    // Vitest's own summary: no time went to setup files.
    expect(basic.stdout).toMatch(/Duration .*\(.*setup 0ms/)

    const run = await runVitest('fixtures/vitest/runner', ['--reporter=verbose'])
    expect(run.stdout).toContain('✓ once.test.ts > the previous test cleaned it exactly once')
    expect(run.code).toBe(0)
    // One record per scope of once.test.ts: the file's (testkit's cost figures) and the test's.
    expect(run.report?.summary).toMatchObject({ resources: 1, errors: 0 })
    const once = run.report?.tests.filter((t) => t.file === 'once.test.ts')
    expect(once?.map((t) => t.test)).toEqual([null, 'registers one resource'])
  })

  test.each([
    // The forks pool (the default): Node preloads testkit with --import, after the project's execArgv.
    ['forks', 'preload, beside the project execArgv', []],
    ['forks without isolation', 'preload, beside the project execArgv', ['--no-isolate']],
    // Other pools: testkit's runner, which Vitest imports in each worker.
    ['threads', 'runner', ['--pool=threads']],
    ['vmForks', 'runner', ['--pool=vmForks']],
  ])('in the %s pool, testkit comes in by its %s', async (pool, by, args) => {
    const env: Record<string, string> = pool.startsWith('forks')
      ? { TESTKIT_FIXTURE_EXEC_ARGV: '--expose-gc' }
      : {}
    const run = await runVitest('fixtures/vitest/runner', ['--reporter=verbose', ...(args as string[])], env)
    expect(run.stdout).toContain(`✓ how.test.ts > testkit came in by ${by}`)
    expect(run.stdout).toContain('✓ once.test.ts > the previous test cleaned it exactly once')
    expect(run.code).toBe(0)
  })

  test('in a project list, testkit comes into each project by the way of its pool', async () => {
    const run = await runVitest('fixtures/vitest/runner', [
      '--config',
      'projects.config.ts',
      '--reporter=verbose',
    ])
    expect(run.stdout).toMatch(/✓ .*forks.* how\.test\.ts > testkit came in by preload/)
    expect(run.stdout).toMatch(/✓ .*threads.* how\.test\.ts > testkit came in by runner/)
    expect(run.stdout).toMatch(/✓ .*vmforks.* how\.test\.ts > testkit came in by runner/)
    expect(run.stdout).toMatch(/✓ .*vmforks.* once\.test\.ts > the previous test cleaned it exactly once/)
    expect(run.code).toBe(0)
  })

  test("`vitest bench` still runs with the plugin: benchmarks get Vitest's benchmark runner", async () => {
    const run = await runVitest('fixtures/vitest/runner', ['bench', '--run'])
    expect(run.stdout).toContain('sum of a hundred numbers')
    expect(run.code).toBe(0)
  })
})

describe("the run's scope: what a user's global setup registers", () => {
  // The plugin opens it from its configureVitest hook; the manual way, testkit's global setup file.
  const configs = [
    ['the plugin', 'vitest.config.ts'],
    ['the manual way', 'manual.config.ts'],
  ] as const

  test.each(configs)(
    "with %s: cleaned after the user's teardown; a failed cleanup fails the run, a warning under TESTKIT_LEAKS=warn",
    async (_, config) => {
      const dir = mkdtempSync(join(tmpdir(), 'testkit-run-scope-'))
      try {
        const failing = await runVitest('fixtures/vitest/run-scope', ['--config', config], {
          TESTKIT_FIXTURE_LOG: join(dir, 'fail.log'),
        })
        expect(failing.stdout).toContain('✓ uses.test.ts')
        expect(failing.stderr).toContain("testkit: 1 problem left by the run's global setup")
        expect(failing.stderr).toContain(
          'cleanup of "resource#2" (critical, a run-wide database) failed: refused to close',
        )
        expect(failing.code).toBe(1)
        expect(readFileSync(join(dir, 'fail.log'), 'utf8').split('\n')).toEqual([
          'user setup',
          'user teardown',
          'cleaned the run-wide server',
          '',
        ])

        const warned = await runVitest('fixtures/vitest/run-scope', ['--config', config], {
          TESTKIT_FIXTURE_LOG: join(dir, 'warn.log'),
          TESTKIT_LEAKS: 'warn',
        })
        expect(warned.stderr).toContain("testkit: 1 problem left by the run's global setup")
        expect(warned.code).toBe(0)
        expect(readFileSync(join(dir, 'warn.log'), 'utf8')).toContain('cleaned the run-wide server')
      } finally {
        rmSync(dir, { recursive: true, force: true })
      }
    },
  )
})

test('what the config itself registers, before the plugin opens the run scope, is cleaned at the end of the run', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'testkit-config-registers-'))
  try {
    const log = join(dir, 'log.txt')
    const run = await runVitest('fixtures/vitest/run-scope', ['--config', 'registers.config.ts'], {
      TESTKIT_FIXTURE_LOG: log,
    })

    expect(run.code).toBe(0)
    expect(readFileSync(log, 'utf8')).toBe('cleaned the config resource\n')
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

test("the limits option caps the processes a file's concurrent tests start: the third waits in acquire()", async () => {
  const run = await runVitest('fixtures/vitest/limits', ['--reporter=verbose'])

  expect(run.stdout).toContain('✓ limits.test.ts > at most two children lived at once')
  expect(run.code).toBe(0)
  // Without the option the same file fails: all three run at once.
  const unlimited = await runVitest('fixtures/vitest/limits', [], { TESTKIT_LIMITS: '{}' })
  expect(unlimited.stdout + unlimited.stderr).toContain('expected 3 to be 2')
  expect(unlimited.code).toBe(1)
})

describe('the manual setup and sharded runs', () => {
  test('setupFiles, globalSetup and reporters named by package path work without the plugin', async () => {
    const run = await runVitest('fixtures/vitest/manual')

    expect(run.code).toBe(1)
    expect(run.stdout).toContain('✓ cleans what it registered')
    expect(run.report?.cleanupErrors).toEqual([
      expect.objectContaining({
        test: 'reports a cleanup that rejects',
        description: 'a socket',
        message: 'rejected on close',
      }),
    ])
  })

  test("what a setup file listed before testkit's registers belongs to each test file and is cleaned at its end", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'testkit-early-'))
    try {
      const log = join(dir, 'log.txt')
      const run = await runVitest('fixtures/vitest/early', [], { TESTKIT_FIXTURE_LOG: log })

      expect(run.code).toBe(0)
      expect(readFileSync(log, 'utf8')).toBe('cleaned the early resource\n'.repeat(2))
      expect(run.report?.tests.filter((scope) => scope.test === null && scope.resources === 1)).toHaveLength(
        2,
      )
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  test('a report merged from two shards (--merge-reports) holds the findings of both', async () => {
    const blobs = mkdtempSync(join(tmpdir(), 'testkit-blobs-'))
    try {
      for (const shard of ['1/2', '2/2']) {
        const part = await runVitest(
          'fixtures/vitest/scopes',
          [
            `--shard=${shard}`,
            '--reporter=blob',
            `--outputFile=${join(blobs, `blob-${shard.replace('/', '-')}.json`)}`,
          ],
          { TESTKIT_FIXTURE_LOG: `${blobs}.log` },
        )
        expect(part.report).toBeUndefined()
      }

      const merged = await runVitest('fixtures/vitest/scopes', [`--merge-reports=${blobs}`])

      expect(merged.report?.summary).toMatchObject({ tests: 4, cleanupErrors: 1, errors: 1, resources: 8 })
      expect(merged.report?.cleanupErrors[0]).toMatchObject({
        file: 'concurrent.test.ts',
        test: 'concurrent > fast registers one that fails to clean',
      })
      expect(merged.report?.tests.map((scope) => [scope.file, scope.test])).toContainEqual([
        'file-scope.test.ts',
        null,
      ])
      expect(merged.stdout).toContain('cleanup of "resource#')
    } finally {
      rmSync(blobs, { recursive: true, force: true })
      rmSync(`${blobs}.log`, { force: true })
      rmSync(`${blobs}.log.around`, { force: true })
    }
  })
})

test('cleanupTimeout, cleanupBudget and the per-test overrides apply to the tests that set them', async () => {
  const budgetDirs = () =>
    readdirSync(tmpdir()).filter((name) => name.startsWith('testkit-overrides-budget-'))
  const budgetChildren = () =>
    readdirSync('/proc')
      .filter((pid) => /^\d+$/.test(pid))
      .filter((pid) => {
        try {
          return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('testkit-overrides-budget')
        } catch {
          return false
        }
      })
  const run = await runVitest('fixtures/vitest/overrides')

  expect(run.stdout).toContain('× a cleanup slower than cleanupTimeout fails the test')
  expect(run.stdout).toContain('✓ setCleanupTimeout() raises the timeout for what the test registers next')
  expect(run.stdout).toContain('✓ allowLeaks() turns a leak of that category into a warning')
  expect(run.stdout).toContain('× the cleanup budget stops what has not started when it runs out')
  const failures = run.report?.cleanupErrors.map((e) => [e.test, e.description, e.timeout, e.severity])
  expect(failures).toEqual([
    ['a cleanup slower than cleanupTimeout fails the test', 'slow close', true, 'error'],
    ['the cleanup budget stops what has not started when it runs out', 'eats the budget', true, 'error'],
    [
      'the cleanup budget stops what has not started when it runs out',
      expect.stringMatching(/^temp dir /),
      true,
      'error',
    ],
    [
      'the cleanup budget stops what has not started when it runs out',
      expect.stringMatching(/^process \d+/),
      true,
      'error',
    ],
    ['the cleanup budget stops what has not started when it runs out', 'never reached', true, 'error'],
  ])
  // What the budget did not reach was cleaned after the test all the same (and its child is no leak).
  expect(run.report?.leaks.map((l) => [l.test, l.type, l.severity])).toEqual([
    ['allowLeaks() turns a leak of that category into a warning', 'PoolConnection', 'warning'],
  ])
  expect(budgetDirs()).toEqual([])
  expect(budgetChildren()).toEqual([])
})
