// The setup file users list (`@orchestr8/testkit/setup`), built as one ES module with nothing to
// import but Vitest: Vitest runs a setup file through its own module runner for every test file, and
// each module a setup file imports costs that file ~5 ms more. It loads the runtime (setup.ts, built as
// dist/setup-runtime.cjs) with V8's code cache and hands it Vitest's API.
import * as vitest from 'vitest'
import { inMainRealm } from './realm.js'
import { loadWithCodeCache } from './runtime-loader.js'

// Where the time and heap testkit costs a file start to count (the reporter shows them).
const started = {
  at: performance.now(),
  heap: process.getBuiltinModule('node:v8').getHeapStatistics().used_heap_size,
}
const RUNTIME = './setup-runtime.cjs'
// Vitest's vm pools run tests in a vm context of their own: the runtime must load in it (through
// Vitest's loader), where the test's globals and the main entry's scope state live.
const loaded = inMainRealm()
  ? loadWithCodeCache(process.getBuiltinModule('node:url').fileURLToPath(new URL(RUNTIME, import.meta.url)))
  : undefined
type Runtime = typeof import('./setup.js')
// A specifier in a variable: the bundler leaves this import to Vitest.
const runtime = (loaded ? loaded.exports : await import(/* @vite-ignore */ RUNTIME)) as Runtime
// Called here, not on load: with isolate: false the runtime loads once, but this runs for every file.
runtime.installVitestScopes(vitest, { ...started, afterFile: loaded?.saveCache })
