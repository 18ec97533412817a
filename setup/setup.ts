// The file users name in `setupFiles` (the testkit() plugin adds it for them). The build emits it as
// these few lines, loading dist/setup-runtime.cjs with Node's own loader: see tsup.config.ts.
import * as vitest from 'vitest'

const started = {
  at: performance.now(),
  heap: process.getBuiltinModule('node:v8').getHeapStatistics().used_heap_size,
}
const { installVitestScopes } = await import('../src/vitest/setup.js')
installVitestScopes(vitest, started)
