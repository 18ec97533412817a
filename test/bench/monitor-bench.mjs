// Resource monitor sampling cost, beside what it replaces: asking `ps` (a process per sample) and
// Node's own process.memoryUsage().
import { spawnSync } from 'node:child_process'
import { performance } from 'node:perf_hooks'

const ROUNDS = 2_000

async function perCall(fn, rounds = ROUNDS) {
  for (let i = 0; i < 200; i++) await fn()
  const start = performance.now()
  for (let i = 0; i < rounds; i++) await fn()
  return ((performance.now() - start) * 1000) / rounds
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
    ],
  }
}

/** Prints the sampling table. */
export function printMonitor({ platform, rows }) {
  console.log(`\nResource monitor sampling on ${platform} (µs per call; target for a sample: < 50 µs)`)
  const width = Math.max(...rows.map(([name]) => name.length))
  for (const [name, us] of rows) console.log(`${name.padEnd(width)}  ${us.toFixed(1).padStart(9)} µs`)
}
