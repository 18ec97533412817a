// `npm run bench`: every benchmark, each printed beside what it competes against, in one run.
// BENCH_ROUNDS sets how many paired runs the whole-suite comparisons take (default 5).
import { spawnSync } from 'node:child_process'
import { coreBench, printCore } from './core-bench.mjs'
import { compareCorpus, printCompare } from './corpus-compare.mjs'
import { detectBench, printDetect } from './detect-bench.mjs'
import { monitorBench, printMonitor } from './monitor-bench.mjs'
import { printTargets } from './targets.mjs'
import { printVitest, vitestBench } from './vitest-bench.mjs'

// Retained-heap figures need a real GC: re-run under --expose-gc when it is missing.
if (typeof global.gc !== 'function') {
  const result = spawnSync(process.execPath, ['--expose-gc', ...process.argv.slice(1)], { stdio: 'inherit' })
  process.exit(result.status ?? 1)
}

printCore(await coreBench())
const monitor = await monitorBench()
printMonitor(monitor)
const rounds = Number(process.env.BENCH_ROUNDS ?? 5)
const vitest = await vitestBench(rounds)
printVitest(vitest, rounds)
const detect = await detectBench(rounds)
printDetect(detect, rounds)
printCompare(compareCorpus())
printTargets({ vitest, detect, monitor })
