// Vitest overhead: the same generated suites run plain and with testkit (the plugin: its runner and
// reporter), each run at the same time as a plain run, in one bench. Whole-run time ratio and added µs per test.
import { spawn, spawnSync } from 'node:child_process'
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { printTable } from './table.mjs'

const root = join(import.meta.dirname, '..', '..')
const vitestBin = join(root, 'node_modules', 'vitest', 'vitest.mjs')

/**
 * Installs the built package the way npm would, as a copy under `work/node_modules` (Vitest then
 * externalizes it, as in a user's project), with its dependencies linked from this repository.
 */
export function install(work) {
  const target = join(work, 'node_modules', '@orchestr8', 'testkit')
  mkdirSync(target, { recursive: true })
  cpSync(join(root, 'dist'), join(target, 'dist'), { recursive: true })
  cpSync(join(root, 'package.json'), join(target, 'package.json'))
  for (const dependency of ['vitest', 'signal-exit', 'tmp-promise', 'tmp', 'chalk', 'pidusage']) {
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
function project(dir, { withTestkit, floor = false, monitor = 'warn', body, header = '', imports = '' }) {
  mkdirSync(dir, { recursive: true })
  // As users run it: the JSON report on (its summary says what testkit itself cost).
  const config = withTestkit
    ? `import { testkit } from '@orchestr8/testkit/vitest'\nexport default { plugins: [testkit({ report: 'report.json', monitor: '${monitor}' })] }\n`
    : floor
      ? "export default { test: { execArgv: ['--import', new URL('./node_modules/floor-preload/index.js', import.meta.url).href] } }\n"
      : 'export default {}\n'
  writeFileSync(join(dir, 'vitest.config.mjs'), config)
  // The least an integration the plugin's way (a preload, in the forks pool) costs in Vitest: a module
  // Node loads with --import in each worker, importing Vitest and extending the runner's start of
  // collection with a call that does nothing.
  if (floor) {
    const floorPackage = join(dir, 'node_modules', 'floor-preload')
    mkdirSync(floorPackage, { recursive: true })
    writeFileSync(
      join(floorPackage, 'package.json'),
      '{"name":"floor-preload","type":"module","main":"index.js"}',
    )
    writeFileSync(
      join(floorPackage, 'index.js'),
      [
        "import { TestRunner } from 'vitest'",
        'const original = TestRunner.prototype.onCollectStart',
        'TestRunner.prototype.onCollectStart = function (file) { return original.call(this, file) }',
        '',
      ].join('\n'),
    )
  }
  for (let f = 0; f < FILES; f++) {
    const tests = Array.from({ length: TESTS_PER_FILE }, (_, i) => body(f * TESTS_PER_FILE + i)).join('\n')
    writeFileSync(
      join(dir, `f${f}.test.mjs`),
      `import { afterEach, expect, test } from 'vitest'\n${imports}${header}\n${tests}\n`,
    )
  }
}

const seconds = (text) => {
  const [, minutes, secs] = text.match(/(\d+)m([\d.]+)s/)
  return Number(minutes) * 60 + Number(secs)
}

const bashCommand = (args) => {
  const extra = args.map((arg) => ` "${arg}"`).join('')
  return `"${process.execPath}" "${vitestBin}" run --config vitest.config.mjs${extra} > out.txt 2>&1 || { cat out.txt; exit 1; }; times`
}
const ENV = { ...process.env, NO_COLOR: '1', CI: '1' }
/** CPU ms (user + system) of the children the shell waited for, from the last line `times` printed. */
const childrenCpuMs = (stdout) => {
  const children = stdout.trim().split('\n').at(-1).split(' ')
  return (seconds(children[0]) + seconds(children[1])) * 1000
}

/**
 * One `vitest run`: wall time, and CPU time (user + system) of Vitest and every worker it waited
 * for, read from the shell's `times`.
 */
export function runOnce(dir, args = []) {
  const start = performance.now()
  const result = spawnSync('bash', ['-c', bashCommand(args)], { cwd: dir, encoding: 'utf8', env: ENV })
  const wallMs = performance.now() - start
  if (result.status !== 0) throw new Error(`vitest failed in ${dir}:\n${result.stdout}\n${result.stderr}`)
  return { wallMs, cpuMs: childrenCpuMs(result.stdout) }
}

/** runOnce(), without waiting: for two runs at the same time. */
function runAsync({ dir, args = [] }) {
  return new Promise((resolve, reject) => {
    const start = performance.now()
    const child = spawn('bash', ['-c', bashCommand(args)], { cwd: dir, env: ENV })
    let stdout = ''
    child.stdout.on('data', (chunk) => {
      stdout += chunk
    })
    child.on('error', reject)
    child.on('close', (code) => {
      const wallMs = performance.now() - start
      if (code !== 0) reject(new Error(`vitest failed in ${dir}:\n${stdout}`))
      else resolve({ wallMs, cpuMs: childrenCpuMs(stdout) })
    })
  })
}

export const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]

/** A range of ratios as the tables print it: `[0.98–1.03]`. */
export const rangeText = (range) => `[${range.map((x) => x.toFixed(2)).join('–')}]`

/**
 * Runs every variant at the same time as a run of the first (the baseline), `rounds` times each,
 * after one warm-up run of each alone; which of a pair starts first alternates by round. Two runs
 * that share the machine at the same moment share its load too: on this shared two-CPU machine the
 * CPU ratio of two runs one after the other varied with a standard deviation of 6.9%, of two at once
 * 1.1% (6 pairs each, 2026-12-03). Returns per variant the median wall and CPU times (of runs that
 * shared the machine, so slower than alone) and the median and range of its ratios to the baseline
 * run it was paired with.
 */
export async function paired(variants, rounds) {
  for (const variant of variants) runOnce(variant.dir, variant.args)
  const pairs = variants.map(() => [])
  for (let round = 0; round < rounds; round++) {
    for (let i = 1; i < variants.length; i++) {
      const [base, run] =
        round % 2 === 0
          ? await Promise.all([runAsync(variants[0]), runAsync(variants[i])])
          : (await Promise.all([runAsync(variants[i]), runAsync(variants[0])])).reverse()
      pairs[i].push({ base, run })
    }
  }
  const summary = (runs, ratioOf) => {
    const cpu = ratioOf('cpuMs')
    return {
      wallMs: median(runs.map((r) => r.wallMs)),
      cpuMs: median(runs.map((r) => r.cpuMs)),
      wallRatio: median(ratioOf('wallMs')),
      cpuRatio: median(cpu),
      cpuRange: [Math.min(...cpu), Math.max(...cpu)],
    }
  }
  const baseRuns = pairs.flat().map((pair) => pair.base)
  return pairs.map((list, i) =>
    i === 0
      ? summary(baseRuns, () => baseRuns.map(() => 1))
      : summary(
          list.map((pair) => pair.run),
          (measure) => list.map((pair) => pair.run[measure] / pair.base[measure]),
        ),
  )
}

/**
 * Wall time of `variant` against `base` with each run alone, one right after the other (which goes
 * first alternates by round), `rounds` times: the median and range of the rounds' ratios. A paired
 * wall ratio understates a variant that needs more CPU: while both run, it slows its partner down
 * too, and only its extra work past the partner's end shows. On 2026-12-05 the timers/sockets/processes
 * suite read 1.024x–1.027x wall paired and 1.036x (1.017x–1.055x, 10 rounds) alone.
 */
export function aloneWall(base, variant, rounds) {
  const ratios = []
  for (let round = 0; round < rounds; round++) {
    const [first, second] = round % 2 === 0 ? [base, variant] : [variant, base]
    const a = runOnce(first.dir, first.args).wallMs
    const b = runOnce(second.dir, second.args).wallMs
    ratios.push(round % 2 === 0 ? b / a : a / b)
  }
  return { ratio: median(ratios), range: [Math.min(...ratios), Math.max(...ratios)] }
}

/** Runs each variant against plain, at the same time, `rounds` times, and returns the rows. */
export async function vitestBench(rounds = 5) {
  const work = mkdtempSync(join(tmpdir(), 'testkit-bench-'))
  install(work)
  const useResourceImport = "import { useResource } from '@orchestr8/testkit'\n"
  const suites = [
    {
      name: `${FILES * TESTS_PER_FILE} trivial tests`,
      plain: { withTestkit: false, body: trivialTest },
      floor: { withTestkit: false, floor: true, body: trivialTest },
      testkit: { withTestkit: true, body: trivialTest },
      unmonitored: { withTestkit: true, monitor: 'off', body: trivialTest },
    },
    {
      name: `${FILES * TESTS_PER_FILE} tests x 10 resources`,
      plain: { withTestkit: false, body: manualTest, header: manualHeader },
      floor: { withTestkit: false, floor: true, body: manualTest, header: manualHeader },
      testkit: { withTestkit: true, body: testkitTest, imports: useResourceImport },
      unmonitored: { withTestkit: true, monitor: 'off', body: testkitTest, imports: useResourceImport },
    },
  ]
  try {
    const rows = []
    for (const [index, suite] of suites.entries()) {
      const variants = ['plain', 'floor', 'testkit', 'unmonitored']
      const dirs = variants.map((variant) => join(work, `s${index}-${variant}`))
      for (const [i, variant] of variants.entries()) project(dirs[i], suite[variant])
      // The plain run paired with itself: what the method reads for no difference at all.
      const [plain, floor, testkit, unmonitored, again] = await paired(
        [...dirs, dirs[0]].map((dir) => ({ dir, args: [] })),
        rounds,
      )
      // Wall time as a user waits for it: testkit and plain each alone (see aloneWall()).
      const alone = aloneWall({ dir: dirs[0], args: [] }, { dir: dirs[2], args: [] }, rounds)
      const tests = FILES * TESTS_PER_FILE
      // What the reporter says testkit itself cost (its setup and hooks, summed over the files).
      const { summary } = JSON.parse(readFileSync(join(dirs[2], 'report.json'), 'utf8'))
      rows.push({
        suite: suite.name,
        plain,
        floor,
        testkit,
        unmonitoredCpuRatio: unmonitored.cpuRatio,
        reported: { ms: summary.testkitMs, heap: summary.testkitHeap },
        wallRatio: testkit.wallRatio,
        alone,
        cpuRatio: testkit.cpuRatio,
        cpuRange: testkit.cpuRange,
        floorCpuRatio: floor.cpuRatio,
        againCpuRatio: again.cpuRatio,
        perTestUs: ((testkit.cpuRatio - 1) * plain.cpuMs * 1000) / tests,
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
    `\nVitest overhead: ${FILES} files, whole run, ${rounds} rounds, each variant run at the same time as a plain run (targets: ratio < 1.02, < 20 µs per test).` +
      '\nRatios: the median of the ratios to the plain run paired with it (range in brackets); times: medians, of runs that shared the machine. CPU = user + system time of Vitest and its workers.' +
      '\n"floor" = a package preloaded in each worker with --import that imports Vitest and extends its runner with a call that does nothing: the least an integration the plugin\'s way (a preload, in the forks pool) costs.' +
      "\n  Below 1 here: Vitest loaded before its worker starts saves V8 one mark-compact GC in each of these short workers (--trace-gc shows it; the profile's GC time drops ~45%), which testkit's preload gets too. \"over floor\" = testkit CPU ratio / floor CPU ratio: the cost of testkit's own work." +
      '\n"wall alone" = testkit and plain each run alone, one right after the other, the median of the rounds\' ratios: the wall time a user sees. The paired "wall ratio" understates it (a run that needs more CPU slows its partner too).' +
      '\n"plain vs plain" = the plain suite paired with itself: the CPU ratio the method reads for no difference (its noise).' +
      '\n"monitor off" = testkit with monitor: \'off\' (CPU ratio); "testkit says" = the time its reporter shows for its own setup and hooks, against the plain run\'s CPU.',
  )
  const header = [
    'suite',
    'plain wall',
    'testkit wall',
    'wall ratio',
    'wall alone [range]',
    'plain CPU',
    'floor CPU',
    'testkit CPU',
    'CPU ratio [range] (floor)',
    'over floor',
    'monitor off',
    'plain vs plain',
    'added CPU per test',
    'testkit says',
  ]
  const table = rows.map((r) => [
    r.suite,
    `${r.plain.wallMs.toFixed(0)} ms`,
    `${r.testkit.wallMs.toFixed(0)} ms`,
    r.wallRatio.toFixed(3),
    `${r.alone.ratio.toFixed(3)} ${rangeText(r.alone.range)}`,
    `${r.plain.cpuMs.toFixed(0)} ms`,
    `${r.floor.cpuMs.toFixed(0)} ms`,
    `${r.testkit.cpuMs.toFixed(0)} ms`,
    `${r.cpuRatio.toFixed(3)} ${rangeText(r.cpuRange)} (${r.floorCpuRatio.toFixed(3)})`,
    (r.cpuRatio / r.floorCpuRatio).toFixed(3),
    r.unmonitoredCpuRatio.toFixed(3),
    r.againCpuRatio.toFixed(3),
    `${r.perTestUs.toFixed(1)} µs`,
    `${r.reported.ms.toFixed(0)} ms = ${((r.reported.ms / r.plain.cpuMs) * 100).toFixed(1)}% ${r.reported.ms / r.plain.cpuMs < 0.02 ? '(< 2%)' : '(over 2%)'}`,
  ])
  printTable(header, table)
}
