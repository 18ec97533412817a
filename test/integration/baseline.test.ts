import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { expect, onTestFinished, test } from 'vitest'
import { runVitest } from './run-vitest.js'

const fixture = 'fixtures/leaks'

/** A baseline path in a fresh temp directory, removed when the test ends. */
function baselinePath(prefix: string, name = 'testkit-baseline.json'): string {
  const work = mkdtempSync(join(tmpdir(), prefix))
  onTestFinished(() => rmSync(work, { recursive: true, force: true }))
  return join(work, name)
}

test('a baseline accepts known leaks, fails on new ones, names the ones that went away, and is written by TESTKIT_UPDATE_BASELINE=1', async () => {
  const baseline = baselinePath('testkit-baseline-')
  const args = ['--project', 'corpus', 'corpus/timers.test.ts']
  const written = await runVitest(fixture, args, {
    TESTKIT_BASELINE: baseline,
    TESTKIT_UPDATE_BASELINE: '1',
  })
  expect(written.code).toBe(0)
  expect(written.stdout).toContain('written with 6 accepted leaks')
  const file = JSON.parse(readFileSync(baseline, 'utf8'))
  expect(file.leaks).toHaveLength(6)
  expect(file.leaks).toContainEqual({
    file: 'corpus/timers.test.ts',
    test: 'leaks a timeout',
    category: 'timer',
    type: 'Timeout',
    origin: 'corpus/timers.test.ts:5',
  })

  const accepted = await runVitest(fixture, args, { TESTKIT_BASELINE: baseline })
  expect(accepted.code).toBe(0)
  expect(accepted.report?.leaks.every((leak) => leak.accepted && leak.severity === 'warning')).toBe(true)
  expect(accepted.report?.baseline).toMatchObject({ accepted: 6, stale: [], written: false })

  // One leak fixed in the baseline's eyes (its entry removed: now it is new), one entry gone stale.
  const stale = {
    file: 'corpus/timers.test.ts',
    test: 'a test that was deleted',
    category: 'timer',
    type: 'Timeout',
    origin: null,
  }
  file.leaks = [...file.leaks.filter((entry: { test: string }) => entry.test !== 'leaks a timeout'), stale]
  writeFileSync(baseline, JSON.stringify(file))
  const shrunk = await runVitest(fixture, args, { TESTKIT_BASELINE: baseline })
  expect(shrunk.code).toBe(1)
  expect(shrunk.report?.leaks.filter((leak) => leak.severity === 'error').map((leak) => leak.test)).toEqual([
    'leaks a timeout',
  ])
  expect(shrunk.report?.baseline?.stale).toEqual([stale])
  expect(shrunk.stdout).toContain('1 accepted leak no longer occurs; remove it:')
})

test('a malformed baseline stops the run at start-up, naming the file', async () => {
  const baseline = baselinePath('testkit-baseline-', 'bad.json')
  writeFileSync(baseline, '{"leaks": 3}')
  const run = await runVitest(fixture, ['--project', 'corpus', 'corpus/timers.test.ts'], {
    TESTKIT_BASELINE: baseline,
  })
  expect(run.code).not.toBe(0)
  expect(run.stdout + run.stderr).toContain(
    `testkit baseline "${baseline}" must be { "schemaVersion": 1, "leaks": [...] }; regenerate it with TESTKIT_UPDATE_BASELINE=1.`,
  )
  // Which is what the message says to do: the rewrite replaces it.
  const rewritten = await runVitest(fixture, ['--project', 'corpus', 'corpus/timers.test.ts'], {
    TESTKIT_BASELINE: baseline,
    TESTKIT_UPDATE_BASELINE: '1',
  })
  expect(rewritten.code).toBe(0)
  expect(JSON.parse(readFileSync(baseline, 'utf8')).leaks).toHaveLength(rewritten.report?.leaks.length ?? -1)
  expect(rewritten.report?.leaks.length).toBeGreaterThan(0)
})

test('in a monorepo, a project with a root of its own shares the one baseline: its leaks are accepted', async () => {
  const baseline = baselinePath('testkit-baseline-monorepo-')
  const written = await runVitest('fixtures/vitest/monorepo', [], {
    TESTKIT_BASELINE: baseline,
    TESTKIT_UPDATE_BASELINE: '1',
  })
  expect(written.stdout).toContain('written with 1 accepted leak')
  expect(JSON.parse(readFileSync(baseline, 'utf8')).leaks).toEqual([
    expect.objectContaining({ file: 'packages/app/leak.test.ts', origin: 'packages/app/leak.test.ts:4' }),
  ])

  const again = await runVitest('fixtures/vitest/monorepo', [], { TESTKIT_BASELINE: baseline })
  expect(again.report?.leaks).toEqual([expect.objectContaining({ accepted: true, severity: 'warning' })])
  expect(again.report?.baseline).toMatchObject({ accepted: 1, stale: [] })
  expect(again.code).toBe(0)
})

test('a baseline written from a run with warnings lists only the leaks that fail, so none reads stale later', async () => {
  const baseline = baselinePath('testkit-baseline-warnings-')
  const written = await runVitest(fixture, ['--project', 'clean'], {
    TESTKIT_BASELINE: baseline,
    TESTKIT_UPDATE_BASELINE: '1',
  })
  expect(written.stdout).toContain('written with 0 accepted leaks')
  expect(JSON.parse(readFileSync(baseline, 'utf8')).leaks).toEqual([])

  const again = await runVitest(fixture, ['--project', 'clean'], { TESTKIT_BASELINE: baseline })
  // The keep-alive socket is still a warning, and no entry is stale.
  expect(again.report?.leaks.map((leak) => leak.type)).toEqual(['KeepAliveSocket'])
  expect(again.report?.baseline).toMatchObject({ accepted: 0, stale: [] })
  expect(again.code).toBe(0)
})

test('a run of some files or tests checks and rewrites only their entries: the rest are kept, and counted as not run', async () => {
  const baseline = baselinePath('testkit-baseline-partial-')
  const env = { TESTKIT_BASELINE: baseline }
  // 6 leaks in timers (one per test), 2 in events, 2 of file-scope's own scope (test: null).
  const timers = 'corpus/timers.test.ts'
  const files = [timers, 'corpus/events.test.ts', 'corpus/file-scope.test.ts']
  await runVitest(fixture, ['--project', 'corpus', ...files], { ...env, TESTKIT_UPDATE_BASELINE: '1' })
  const full = JSON.parse(readFileSync(baseline, 'utf8')).leaks
  expect(full).toHaveLength(10)
  // A file deleted since: its entry is stale whatever ran.
  const deleted = {
    file: 'corpus/deleted.test.ts',
    test: 'gone',
    category: 'timer',
    type: 'Timeout',
    origin: null,
  }
  writeFileSync(baseline, JSON.stringify({ schemaVersion: 1, comment: '', leaks: [...full, deleted] }))

  // One file: the other files' entries are neither stale nor checked.
  const oneFile = await runVitest(fixture, ['--project', 'corpus', timers], env)
  expect(oneFile.code).toBe(0)
  expect(oneFile.report?.baseline).toMatchObject({ accepted: 6, stale: [deleted], notRun: 4 })
  expect(oneFile.stdout).toContain(
    '1 accepted leak no longer occurs; remove it:\n  corpus/deleted.test.ts > gone',
  )
  expect(oneFile.stdout).toContain('4 entries not checked: their tests did not run')

  // -t: the tests it filters out are skipped, and so is a file all of whose tests are.
  const filtered = await runVitest(fixture, ['--project', 'corpus', ...files, '-t', 'leaks a'], env)
  expect(filtered.code).toBe(0)
  // Out: timers' "is blamed for its beforeEach" and file-scope's scope (its one test is filtered out).
  expect(filtered.report?.baseline).toMatchObject({ stale: [deleted], notRun: 3 })

  // Two shards merged (--merge-reports): the merging run sees every file, and checks every entry.
  for (const shard of ['1/2', '2/2']) {
    const blob = join(dirname(baseline), 'blobs', `${shard.replace('/', '-')}.json`)
    await runVitest(
      fixture,
      ['--project', 'corpus', ...files, `--shard=${shard}`, '--reporter=blob', `--outputFile=${blob}`],
      env,
    )
  }
  const merged = await runVitest(fixture, [`--merge-reports=${join(dirname(baseline), 'blobs')}`], env)
  expect(merged.report?.baseline).toMatchObject({ accepted: 10, stale: [deleted], notRun: 0 })

  // Rewritten from one file: its entries replaced, the deleted file's dropped, the others kept as they were.
  const rewritten = await runVitest(fixture, ['--project', 'corpus', timers], {
    ...env,
    TESTKIT_UPDATE_BASELINE: '1',
  })
  expect(rewritten.report?.baseline).toMatchObject({ accepted: 6, notRun: 4, written: true })
  expect(rewritten.stdout).toContain(
    'written with 6 accepted leaks; 4 entries of tests that did not run kept',
  )
  expect(JSON.parse(readFileSync(baseline, 'utf8')).leaks).toEqual(full)
})
