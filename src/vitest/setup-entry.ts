// The setup file users list (`@orchestr8/testkit/setup`), built as one ES module with nothing to
// import but Vitest: Vitest transforms a setup file and runs it through its own module runner for
// every test file, and each module a setup file imports costs that file ~5 ms more. The testkit()
// plugin uses the runner entry instead (runner-entry.ts) where it can.
import * as vitest from 'vitest'
import { loadRuntime } from './load-runtime.js'

const { runtime, started } = await loadRuntime(import.meta.url)
// Called here, not on load: with isolate: false the runtime loads once, but this runs for every file.
runtime.installVitestScopes(vitest, started)
