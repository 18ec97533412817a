// The test runner the testkit() plugin names in `test.runner` (Vitest >= 4.1, when the user has no
// runner of their own): Vitest's own, whose calls testkit extends. Vitest imports a runner as it is,
// once per test worker, where it transforms a setup file and serves it to every file from its main
// process: ~190M instructions there in a run of 20 files here, ~5% of that process (README, Overhead).
import * as vitest from 'vitest'
import { loadRuntime } from './load-runtime.js'

const { runtime, started } = await loadRuntime(import.meta.url)

export default runtime.testkitRunner(vitest, started)
