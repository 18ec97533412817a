// `npm run bench`: every benchmark, each printed beside what it competes against, in one run.
import { spawnSync } from 'node:child_process'
import { coreBench, printCore } from './core-bench.mjs'

// Retained-heap figures need a real GC: re-run under --expose-gc when it is missing.
if (typeof global.gc !== 'function') {
  const result = spawnSync(process.execPath, ['--expose-gc', ...process.argv.slice(1)], { stdio: 'inherit' })
  process.exit(result.status ?? 1)
}

printCore(await coreBench())
