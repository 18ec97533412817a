import { expect, test } from 'vitest'
import type { ScopeMetrics } from '../../../src/report/model.js'
import type { JsonReport } from '../../../src/report/run-report.js'
import { colorLevel, renderSummary } from '../../../src/report/terminal.js'

const MB = 1024 * 1024

const metrics = (figures: Partial<ScopeMetrics>): ScopeMetrics => ({
  heapDelta: 0,
  gc: true,
  rss: 80 * MB,
  fds: { before: 20, after: 20 },
  handles: { before: 4, after: 4 },
  children: 0,
  childCpuMs: null,
  childRss: null,
  testkitMs: 5,
  testkitHeap: 400 * 1024,
  ...figures,
})

/** A clean run of two files with these file-scope figures. */
function report(first: Partial<ScopeMetrics>, second: Partial<ScopeMetrics>): JsonReport {
  return {
    schemaVersion: 1,
    summary: {
      tests: 2,
      leaks: 0,
      leakPolicy: 'fail',
      cleanupErrors: 0,
      errors: 0,
      warnings: 0,
      resources: 0,
      cleanupMs: 0,
      runMs: 100,
      cleanupShare: 0,
      findings: 0,
      testkitMs: 10,
      testkitShare: 0.05,
      testkitHeap: 400 * 1024,
      testkitMainMs: 0,
    },
    leaks: [],
    cleanupErrors: [],
    findings: [],
    tests: [
      { file: 'a.test.ts', test: null, resources: 0, cleanupMs: 0, metrics: metrics(first) },
      { file: 'b.test.ts', test: null, resources: 0, cleanupMs: 0, metrics: metrics(second) },
    ],
    slowestCleanups: [],
  }
}

const figures = (run: JsonReport) =>
  renderSummary(run, 0)
    .split('\n')
    .find((line) => line.startsWith('Figures:'))

test("children's CPU: summed where measured, 'at least' when some file could not measure it, 'not measured' when none could", () => {
  expect(figures(report({ children: 2, childCpuMs: 120 }, { children: 1, childCpuMs: 30 }))).toContain(
    '3 child processes using 150.0 ms of CPU',
  )
  expect(figures(report({ children: 2, childCpuMs: 120 }, { children: 1, childCpuMs: null }))).toContain(
    '3 child processes using at least 120.0 ms of CPU',
  )
  expect(figures(report({ children: 1, childCpuMs: null }, {}))).toContain(
    '1 child process (CPU not measured)',
  )
  expect(figures(report({}, {}))).not.toContain('child process')
})

test('the heap: the largest growth of a file, or none when every file ended with less', () => {
  expect(figures(report({ heapDelta: 3 * MB }, { heapDelta: 12.5 * MB }))).toContain(
    'largest heap growth of a file 12.5 MB',
  )
  expect(figures(report({ heapDelta: -2 * MB }, { heapDelta: -1 * MB }))).toContain('no file grew the heap')
})

test("testkit's own cost: in the workers, with its share, and in Vitest's own process when there is a figure", () => {
  const run = report({}, {})
  expect(figures(run)).toContain("testkit itself: 10.0 ms (5.0% of the files' time in the workers), ~400 KB")
  expect(figures(run)).not.toContain("Vitest's own process")
  run.summary.testkitMainMs = 12.34
  expect(figures(run)).toContain(
    "testkit itself: 10.0 ms (5.0% of the files' time in the workers), 12.3 ms in Vitest's own process, ~400 KB",
  )
})

const ESC = String.fromCharCode(27)

test('colours come from chalk at a colour level above 0, and level 0 prints the same text plain', () => {
  const run = report({}, {})
  const coloured = renderSummary(run, 1)
  const plain = renderSummary(run, 0)

  expect(coloured).toContain(`${ESC}[32mtestkit${ESC}[39m`)
  expect(plain).not.toContain(ESC)
  expect(coloured.replaceAll(new RegExp(`${ESC}\\[\\d+m`, 'g'), '')).toBe(plain)
})

test('the colour level: FORCE_COLOR wins (its level, or 1), then NO_COLOR turns colour off, else colour only on a TTY', () => {
  expect(colorLevel({}, true)).toBe(1)
  expect(colorLevel({}, false)).toBe(0)
  expect(colorLevel({ NO_COLOR: '1' }, true)).toBe(0)
  // An empty NO_COLOR is no request (no-color.org).
  expect(colorLevel({ NO_COLOR: '' }, true)).toBe(1)
  expect(colorLevel({ FORCE_COLOR: '1', NO_COLOR: '1' }, false)).toBe(1)
  expect(colorLevel({ FORCE_COLOR: '2' }, false)).toBe(2)
  expect(colorLevel({ FORCE_COLOR: '3' }, false)).toBe(3)
  expect(colorLevel({ FORCE_COLOR: 'true' }, false)).toBe(1)
  for (const off of ['0', 'false', '']) expect(colorLevel({ FORCE_COLOR: off }, false)).toBe(0)
})

test("under leaks: 'off' a run with no leak says that leaks were not tracked, not that there were none", () => {
  const clean = report({}, {})
  expect(renderSummary(clean, 0).split('\n')[0]).toMatch(/^testkit no leaks, no cleanup failures/)

  const off = { ...clean, summary: { ...clean.summary, leakPolicy: 'off' as const } }
  const line = renderSummary(off, 0).split('\n')[0]
  expect(line).toMatch(
    /^testkit leak tracking off \(leaks: 'off'\); no cleanup failures, no figure over its threshold: /,
  )
  expect(line).not.toContain('no leaks')

  // With a cleanup failure to show, the header says it too.
  const failing = {
    ...off,
    summary: { ...off.summary, cleanupErrors: 1, warnings: 1 },
    cleanupErrors: [
      {
        file: 'a.test.ts',
        test: 'closes',
        resourceId: 'resource#1',
        category: 'critical' as const,
        description: undefined,
        message: 'boom',
        origin: null,
        timeout: false,
        severity: 'warning' as const,
      },
    ],
  }
  expect(renderSummary(failing, 0).split('\n')[0]).toBe(
    "testkit 0 errors, 1 warning; leak tracking off (leaks: 'off')",
  )
})
