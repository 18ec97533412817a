// The setup file users list (`@orchestr8/testkit/setup`; the testkit() plugin uses the runner or the
// preload instead where it can), built as one ES module with nothing to import but Vitest: Vitest
// transforms a setup file and runs it through its own module runner for every test file, and each
// module a setup file imports costs that file ~5 ms more.
import * as vitest from 'vitest'
import { loadRuntime } from '../src/vitest/load-runtime.js'

const { runtime, started } = await loadRuntime(import.meta.url)
// Called here, not on load: with isolate: false the runtime loads once, but this runs for every file.
runtime.installVitestScopes(vitest, started)
