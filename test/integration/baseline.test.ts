import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect, test } from 'vitest'
import { runVitest } from './run-vitest.js'

const fixture = 'fixtures/leaks'

test('a baseline accepts known leaks, fails on new ones, names the ones that went away, and is written by TESTKIT_UPDATE_BASELINE=1', async () => {
  const work = mkdtempSync(join(tmpdir(), 'testkit-baseline-'))
  const baseline = join(work, 'testkit-baseline.json')
  const args = ['--project', 'corpus', 'corpus/timers.test.ts']
  try {
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
    expect(shrunk.report?.leaks.filter((leak) => leak.severity === 'error').map((leak) => leak.test)).toEqual(
      ['leaks a timeout'],
    )
    expect(shrunk.report?.baseline?.stale).toEqual([stale])
    expect(shrunk.stdout).toContain('1 accepted leak no longer occurs; remove it:')
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
})

test('a malformed baseline stops the run at start-up, naming the file', async () => {
  const work = mkdtempSync(join(tmpdir(), 'testkit-baseline-'))
  const baseline = join(work, 'bad.json')
  writeFileSync(baseline, '{"leaks": 3}')
  try {
    const run = await runVitest(fixture, ['--project', 'corpus', 'corpus/timers.test.ts'], {
      TESTKIT_BASELINE: baseline,
    })
    expect(run.code).not.toBe(0)
    expect(run.stdout + run.stderr).toContain(
      `testkit baseline "${baseline}" must be { "schemaVersion": 1, "leaks": [...] }`,
    )
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
})

test('in a monorepo, a project with a root of its own shares the one baseline: its leaks are accepted', async () => {
  const work = mkdtempSync(join(tmpdir(), 'testkit-baseline-monorepo-'))
  const baseline = join(work, 'testkit-baseline.json')
  try {
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
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
})

test('a baseline written from a run with warnings lists only the leaks that fail, so none reads stale later', async () => {
  const work = mkdtempSync(join(tmpdir(), 'testkit-baseline-warnings-'))
  const baseline = join(work, 'testkit-baseline.json')
  try {
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
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
})
