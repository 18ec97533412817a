// Loads the runtime (setup.ts, built as dist/setup-runtime.cjs) for the two entries Vitest imports in
// a test worker, the runner (runner-entry.ts) and the setup file (setup/setup.ts): with V8's code
// cache in Node's main realm, through Vitest's loader in a vm pool's context.
import { inMainRealm } from './realm.js'
import { loadWithCodeCache } from './runtime-loader.js'

export type Runtime = typeof import('./setup.js')

/** When loading began and the heap then (what testkit costs a file counts from there), and what to do at a file's end. */
export interface Started {
  at: number
  heap: number
  afterFile?: () => void
}

const RUNTIME = './setup-runtime.cjs'

/** The runtime, and when loading it began. `base`: the entry's import.meta.url. */
export async function loadRuntime(base: string): Promise<{ runtime: Runtime; started: Started }> {
  const started: Started = {
    at: performance.now(),
    heap: process.getBuiltinModule('node:v8').getHeapStatistics().used_heap_size,
  }
  // Vitest's vm pools run tests in a vm context of their own: the runtime must load in it (through
  // Vitest's loader), where the test's globals and the main entry's scope state live.
  const loaded = inMainRealm()
    ? loadWithCodeCache(process.getBuiltinModule('node:url').fileURLToPath(new URL(RUNTIME, base)))
    : undefined
  // A specifier in a variable: the bundler leaves this import to Vitest (relative to the entry,
  // which the bundler puts beside the runtime).
  const runtime = (loaded ? loaded.exports : await import(/* @vite-ignore */ RUNTIME)) as Runtime
  started.afterFile = loaded?.saveCache
  return { runtime, started }
}
