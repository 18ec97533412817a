// Resource monitor sampling cost, beside what it replaces: asking `ps` (a process per sample) and
// Node's own process.memoryUsage().
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'

const ROUNDS = 2_000

async function perCall(fn, rounds = ROUNDS) {
  for (let i = 0; i < 200; i++) await fn()
  const start = performance.now()
  for (let i = 0; i < rounds; i++) await fn()
  return ((performance.now() - start) * 1000) / rounds
}

const harness = join(import.meta.dirname, 'hook-harness.cjs')
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]

/** CPU ms of `tests` trivial tests through testkit's hooks in a fresh process, median of `runs`. */
function hookCpu(tests, monitor, runs) {
  // One run first, which writes the runtime's code cache that a test worker would find.
  const results = Array.from({ length: runs + 1 }, () => {
    const out = spawnSync(process.execPath, [harness, String(tests)], {
      encoding: 'utf8',
      env: { ...process.env, TESTKIT_MONITOR: monitor },
    })
    if (out.status !== 0) throw new Error(`hook harness failed: ${out.stderr}`)
    return JSON.parse(out.stdout)
  })
  const cached = results.slice(1)
  if (!cached.every((result) => result.usedCache))
    throw new Error('hook harness: the code cache was not used')
  return median(cached.map((result) => result.testsMs))
}

/**
 * What testkit's hooks cost a test that registers nothing, in µs: warm (a long file) and cold (the
 * first 100 tests of a fresh worker, as in a file of 100 tests, with the runtime loaded from its code
 * cache as in a worker). The "first 100" figure also holds the file's own start and end; the "2 to
 * 101" one leaves them out: 101 tests less 1 test, each the median of fresh processes.
 */
function perTestSample() {
  const warm = 20_000
  const cold = 100
  const us = (tests, monitor, runs) => (hookCpu(tests, monitor, runs) * 1000) / tests
  const marginal = (monitor) => ((hookCpu(cold + 1, monitor, 9) - hookCpu(1, monitor, 9)) * 1000) / cold
  return [
    ['per test: testkit hooks, monitor on, warm', us(warm, 'warn', 3)],
    ['per test: testkit hooks, monitor off, warm', us(warm, 'off', 3)],
    ['per test: testkit hooks, monitor on, first 100 of a fresh worker', us(cold, 'warn', 9)],
    ['per test: testkit hooks, monitor off, first 100 of a fresh worker', us(cold, 'off', 9)],
    ['per test: testkit hooks, monitor on, tests 2 to 101 of a fresh worker', marginal('warn')],
    ['per test: testkit hooks, monitor off, tests 2 to 101 of a fresh worker', marginal('off')],
  ]
}

/** µs per call of each monitor method, and of the baselines. */
export async function monitorBench() {
  const { createResourceMonitor } = await import('../../dist/index.js')
  const monitor = createResourceMonitor()
  return {
    platform: monitor.platform,
    rows: [
      ['getMemoryUsage()', await perCall(() => monitor.getMemoryUsage())],
      ['getCpuUsage()', await perCall(() => monitor.getCpuUsage())],
      ['getDiskUsage(tmpdir)', await perCall(() => monitor.getDiskUsage('/tmp'))],
      ['getProcessInfo()', await perCall(() => monitor.getProcessInfo(), 200)],
      ['getSystemLimits()', await perCall(() => monitor.getSystemLimits())],
      ['baseline: process.memoryUsage()', await perCall(() => process.memoryUsage())],
      [
        'baseline: spawn `ps -o rss= -p <pid>`',
        await perCall(() => spawnSync('ps', ['-o', 'rss=', '-p', String(process.pid)]), 20),
      ],
      ...perTestSample(),
    ],
  }
}

/** Prints the sampling table. */
export function printMonitor({ platform, rows }) {
  console.log(`\nResource monitor sampling on ${platform} (µs per call; target for a sample: < 50 µs)`)
  const width = Math.max(...rows.map(([name]) => name.length))
  for (const [name, us] of rows) console.log(`${name.padEnd(width)}  ${us.toFixed(1).padStart(9)} µs`)
}
