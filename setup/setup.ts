// The file users name in `setupFiles` (the testkit() plugin adds it for them). The build emits it as
// these few lines loading dist/setup-runtime.js, so that Vitest loads that module natively.
import { getHeapStatistics } from 'node:v8'

const started = { at: performance.now(), heap: getHeapStatistics().used_heap_size }
const { installVitestScopes } = await import('../src/vitest/setup.js')
installVitestScopes(started)
