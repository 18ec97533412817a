// The test runner the testkit() plugin names in `test.runner` (Vitest >= 4.1, when the user has no
// runner of their own): Vitest's own, whose calls testkit extends. Vitest imports a runner as it is,
// once per test worker, where it transforms a setup file once per run and serves it to every file,
// which cost Vitest's main process ~25 ms a run of 20 files here (see README, Overhead).
import * as vitest from 'vitest'
import { loadRuntime } from './load-runtime.js'

const { runtime, started } = await loadRuntime(import.meta.url)

export default runtime.testkitRunner(vitest, started)
