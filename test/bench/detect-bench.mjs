// Leak detection cost: the same generated suites run plain, with testkit (detection on, its default)
// and with Vitest's own --detectAsyncLeaks, each run at the same time as a plain run, in one bench.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { printTable } from './table.mjs'
import { aloneWall, install, paired, rangeText } from './vitest-bench.mjs'

const FILES = 20
const TESTS_PER_FILE = 100

const trivialTest = (i) => `test('t${i}', () => { expect(${i}).toBe(${i}) })`

// Each test creates and cleans what the detector follows: timers and a socket; every tenth test
// also starts a child process and waits for it.
export const heavyHeader = `
import net from 'node:net'
import { spawn } from 'node:child_process'
let port = 0
const server = net.createServer((socket) => socket.end())
beforeAll(() => new Promise((resolve) => server.listen(0, '127.0.0.1', () => { port = server.address().port; resolve() })))
afterAll(() => new Promise((resolve) => server.close(resolve)))
`
export const heavyTest = (i) => `test('t${i}', async () => {
  for (let t = 0; t < 5; t++) clearTimeout(setTimeout(() => {}, 10_000))
  await new Promise((resolve) => setTimeout(resolve, 0))
  const socket = net.connect(port, '127.0.0.1')
  await new Promise((resolve) => socket.once('close', resolve))
  ${i % 10 === 0 ? "await new Promise((resolve) => spawn('true').once('exit', resolve))" : ''}
})`

/** Writes one project of the generated suite; `options`: more testkit options, as source text. */
export function project(dir, { withTestkit, body, header = '', options = '' }) {
  mkdirSync(dir, { recursive: true })
  const config = withTestkit
    ? `import { testkit } from '@orchestr8/testkit/vitest'\nexport default { plugins: [testkit({ report: false${options} })] }\n`
    : 'export default {}\n'
  writeFileSync(join(dir, 'vitest.config.mjs'), config)
  for (let f = 0; f < FILES; f++) {
    const tests = Array.from({ length: TESTS_PER_FILE }, (_, i) => body(f * TESTS_PER_FILE + i)).join('\n')
    writeFileSync(
      join(dir, `f${f}.test.mjs`),
      `import { afterAll, beforeAll, expect, test } from 'vitest'\n${header}\n${tests}\n`,
    )
  }
}

/** Runs testkit and --detectAsyncLeaks each against plain, at the same time, `rounds` times per suite. */
export async function detectBench(rounds = 5) {
  const work = mkdtempSync(join(tmpdir(), 'testkit-detect-bench-'))
  install(work)
  const suites = [
    { name: `${FILES * TESTS_PER_FILE} trivial tests`, body: trivialTest },
    {
      name: `${FILES * TESTS_PER_FILE} tests with timers, sockets, processes`,
      body: heavyTest,
      header: heavyHeader,
    },
  ]
  try {
    const rows = []
    for (const [index, suite] of suites.entries()) {
      const plainDir = join(work, `d${index}-plain`)
      const testkitDir = join(work, `d${index}-testkit`)
      project(plainDir, { withTestkit: false, ...suite })
      project(testkitDir, { withTestkit: true, ...suite })
      const [plain, testkit, async] = await paired(
        [
          { dir: plainDir, args: [] },
          { dir: testkitDir, args: [] },
          { dir: plainDir, args: ['--detectAsyncLeaks'] },
        ],
        rounds,
      )
      const alone = aloneWall({ dir: plainDir, args: [] }, { dir: testkitDir, args: [] }, rounds)
      rows.push({ suite: suite.name, plain, testkit, async, alone })
    }
    return rows
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
}

/** Prints the detection cost table. */
export function printDetect(rows, rounds) {
  console.log(
    `\nLeak detection cost: ${FILES} files, whole run, ${rounds} rounds, each variant run at the same time as a plain run; ratios: median of the pairs' ratios (targets: testkit ratio <= 1.03, aim 1.01; added time >= 10x less than --detectAsyncLeaks)`,
  )
  const header = [
    'suite',
    'plain',
    'testkit',
    '--detectAsyncLeaks',
    'testkit ratio',
    'async ratio',
    'added: async / testkit',
  ]
  const table = []
  for (const r of rows) {
    for (const measure of ['wallMs', 'cpuMs']) {
      const ratio = measure === 'wallMs' ? 'wallRatio' : 'cpuRatio'
      const added = r.testkit[ratio] - 1
      const asyncAdded = r.async[ratio] - 1
      table.push([
        `${r.suite} (${measure === 'wallMs' ? 'wall' : 'CPU'})`,
        `${r.plain[measure].toFixed(0)} ms`,
        `${r.testkit[measure].toFixed(0)} ms`,
        `${r.async[measure].toFixed(0)} ms`,
        r.testkit[ratio].toFixed(3) + (measure === 'cpuMs' ? ` ${rangeText(r.testkit.cpuRange)}` : ''),
        r.async[ratio].toFixed(3),
        // Below plain: testkit's preload saves the workers a GC (see the Vitest overhead table's floor).
        added <= 0 ? 'below plain (preload GC saving)' : `${(asyncAdded / added).toFixed(1)}x`,
      ])
    }
    // Testkit and plain each alone: the wall time a user sees (the paired ratio understates it).
    table.push([
      `${r.suite} (wall, each run alone)`,
      '',
      '',
      '',
      `${r.alone.ratio.toFixed(3)} ${rangeText(r.alone.range)}`,
      '–',
      '–',
    ])
  }
  printTable(header, table)
}
