// The module the testkit() plugin preloads in each worker of Vitest's forks pool (Vitest >= 4.1), with
// `--import` in the project's execArgv: Node loads it before Vitest's worker starts, so Vitest loads
// nothing of testkit's through its module runner. The plugin names the Vitest that runs the tests
// in the URL's `vitest` parameter (its dist/index.js): the copy whose TestRunner the worker uses.
import { loadRuntime } from './load-runtime.js'

const named = new URL(import.meta.url).searchParams.get('vitest')
const vitest = await import(/* @vite-ignore */ named ?? 'vitest')
const { runtime, started } = await loadRuntime(import.meta.url)
runtime.testkitPreload(vitest, started)
