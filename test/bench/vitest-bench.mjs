// Vitest overhead: the same generated suites run plain and with testkit (the plugin: setup file,
// global setup, reporter), alternating, in one run. Whole-run time ratio and added µs per test.
import { spawnSync } from 'node:child_process'
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'

const root = join(import.meta.dirname, '..', '..')
const vitestBin = join(root, 'node_modules', 'vitest', 'vitest.mjs')

/**
 * Installs the built package the way npm would, as a copy under `work/node_modules` (Vitest then
 * externalizes it, as in a user's project), with its dependencies linked from this repository.
 */
function install(work) {
  const target = join(work, 'node_modules', '@orchestr8', 'testkit')
  mkdirSync(target, { recursive: true })
  cpSync(join(root, 'dist'), join(target, 'dist'), { recursive: true })
  cpSync(join(root, 'package.json'), join(target, 'package.json'))
  for (const dependency of ['vitest', 'signal-exit', 'tmp-promise', 'tmp', 'chalk']) {
    symlinkSync(join(root, 'node_modules', dependency), join(work, 'node_modules', dependency))
  }
}
const FILES = 20
const TESTS_PER_FILE = 100

const trivialTest = (i) => `test('t${i}', () => { expect(${i}).toBe(${i}) })`

// Plain baseline for "10 resources per test": what a careful user writes by hand.
const manualHeader = `
const cleanups = []
afterEach(async () => { for (const fn of cleanups.splice(0).reverse()) await fn() })
`
const manualTest = (i) =>
  `test('t${i}', () => { for (let r = 0; r < 10; r++) cleanups.push(() => {}); expect(${i}).toBe(${i}) })`
const testkitTest = (i) =>
  `test('t${i}', () => { for (let r = 0; r < 10; r++) useResource(r, () => {}); expect(${i}).toBe(${i}) })`

/** Writes one project: FILES files of TESTS_PER_FILE tests each, and a config with or without testkit. */
function project(dir, { withTestkit, body, header = '', imports = '' }) {
  mkdirSync(dir, { recursive: true })
  const config = withTestkit
    ? `import { testkit } from '@orchestr8/testkit/vitest'\nexport default { plugins: [testkit({ report: false })] }\n`
    : 'export default {}\n'
  writeFileSync(join(dir, 'vitest.config.mjs'), config)
  for (let f = 0; f < FILES; f++) {
    const tests = Array.from({ length: TESTS_PER_FILE }, (_, i) => body(f * TESTS_PER_FILE + i)).join('\n')
    writeFileSync(
      join(dir, `f${f}.test.mjs`),
      `import { afterEach, expect, test } from 'vitest'\n${imports}${header}\n${tests}\n`,
    )
  }
}

function runOnce(dir) {
  const start = performance.now()
  const result = spawnSync(process.execPath, [vitestBin, 'run', '--config', join(dir, 'vitest.config.mjs')], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', CI: '1' },
  })
  const ms = performance.now() - start
  if (result.status !== 0) throw new Error(`vitest failed in ${dir}:\n${result.stdout}\n${result.stderr}`)
  return ms
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]

/** Runs the pairs alternately `rounds` times and returns the rows. */
export function vitestBench(rounds = 5) {
  const work = mkdtempSync(join(tmpdir(), 'testkit-bench-'))
  install(work)
  const useResourceImport = "import { useResource } from '@orchestr8/testkit'\n"
  const suites = [
    {
      name: `${FILES * TESTS_PER_FILE} trivial tests`,
      plain: { withTestkit: false, body: trivialTest },
      testkit: { withTestkit: true, body: trivialTest },
    },
    {
      name: `${FILES * TESTS_PER_FILE} tests x 10 resources`,
      plain: { withTestkit: false, body: manualTest, header: manualHeader },
      testkit: { withTestkit: true, body: testkitTest, imports: useResourceImport },
    },
  ]
  try {
    const rows = []
    for (const [index, suite] of suites.entries()) {
      const plainDir = join(work, `s${index}-plain`)
      const testkitDir = join(work, `s${index}-testkit`)
      project(plainDir, suite.plain)
      project(testkitDir, suite.testkit)
      runOnce(plainDir)
      runOnce(testkitDir)
      const plain = []
      const withTestkit = []
      for (let round = 0; round < rounds; round++) {
        plain.push(runOnce(plainDir))
        withTestkit.push(runOnce(testkitDir))
      }
      const p = median(plain)
      const t = median(withTestkit)
      rows.push({
        suite: suite.name,
        plainMs: p,
        testkitMs: t,
        ratio: t / p,
        perTestUs: ((t - p) * 1000) / (FILES * TESTS_PER_FILE),
      })
    }
    return rows
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
}

/** Prints the Vitest overhead table. */
export function printVitest(rows, rounds) {
  console.log(
    `\nVitest overhead (whole run, median of ${rounds} alternating runs; targets: ratio < 1.02, < 20 µs per test)`,
  )
  const header = ['suite', 'plain vitest', 'with testkit', 'ratio', 'added per test']
  const table = rows.map((r) => [
    r.suite,
    `${r.plainMs.toFixed(0)} ms`,
    `${r.testkitMs.toFixed(0)} ms`,
    r.ratio.toFixed(3),
    `${r.perTestUs.toFixed(1)} µs`,
  ])
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((line) => line[i].length)))
  const line = (cells) => cells.map((c, i) => c.padEnd(widths[i])).join('  ')
  console.log(line(header))
  console.log(line(widths.map((w) => '-'.repeat(w))))
  for (const cells of table) console.log(line(cells))
}
