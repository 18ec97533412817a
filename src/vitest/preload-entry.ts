// The module the testkit() plugin preloads in each worker of Vitest's forks pool (Vitest >= 4.1), with
// `--import` in the project's execArgv: Node loads it before Vitest's worker starts, so Vitest loads
// nothing of testkit's through its module runner. The plugin names the Vitest that runs the tests
// in the URL's `vitest` parameter (its dist/index.js): the copy whose TestRunner the worker uses.
import { loadRuntime } from './load-runtime.js'

const named = new URL(import.meta.url).searchParams.get('vitest')
// A process a test forks inherits process.execArgv: without this flag it carries no testkit, so that
// only the workers Vitest starts with it load testkit.
const self = import.meta.url.split('?')[0]
const ours = process.execArgv.findIndex(
  (arg, i) => arg.split('?')[0] === self && process.execArgv[i - 1] === '--import',
)
if (ours > 0) process.execArgv.splice(ours - 1, 2)

// Node runs --import preloads in worker threads too: a worker thread a test starts inherits the flag
// from Node's own options, whatever process.execArgv says. testkit goes only into Vitest's worker
// process. (The runtime loads worker_threads anyway: asking costs nothing more.)
const asked = performance.now()
const { isMainThread } = process.getBuiltinModule('node:worker_threads')
// Loading worker_threads is testkit's doing (Vitest's forks workers do not load it): counted as
// its own.
const askingMs = performance.now() - asked

if (named !== null && isMainThread) {
  const vitest = await import(/* @vite-ignore */ named)
  const { runtime, started } = await loadRuntime(import.meta.url)
  started.at -= askingMs
  runtime.testkitPreload(vitest, started)
}
