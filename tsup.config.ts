import { writeFileSync } from 'node:fs'
import { defineConfig, type Options } from 'tsup'

/**
 * Vitest transforms every setup file itself (never externalized, even in node_modules), and does it
 * again for each test file; a module the setup file imports goes through Vitest's resolver and Node's
 * ESM loader, ~5 ms a test file. So the setup entry is a few lines that hand Vitest's API to the real
 * setup module, loaded with require() (~2 ms): a single CommonJS module that imports nothing but
 * Node's builtins.
 */
function writeSetupEntries(): void {
  const note = '// setup/setup.ts, loading its module with require(): see tsup.config.ts.'
  // The time and heap around the load are testkit's own cost, which the reporter shows.
  const started =
    "const started = { at: performance.now(), heap: process.getBuiltinModule('node:v8').getHeapStatistics().used_heap_size }"
  // Called here, not on load: with isolate: false the module loads once, but the setup file runs per file.
  writeFileSync(
    'dist/setup.js',
    [
      note,
      "import * as vitest from 'vitest'",
      '',
      started,
      // Vitest's vm pools run tests in a vm context of their own: the runtime must load in it (through
      // Vitest's loader), where the test's globals and the main entry's scope state live.
      "const inMainRealm = process.getBuiltinModule('node:vm').runInThisContext('globalThis') === globalThis",
      'const runtime = inMainRealm',
      "  ? process.getBuiltinModule('node:module').createRequire(import.meta.url)('./setup-runtime.cjs')",
      "  : await import('./setup-runtime.cjs')",
      'runtime.installVitestScopes(vitest, started)',
      '',
    ].join('\n'),
  )
  writeFileSync(
    'dist/setup.cjs',
    [
      note,
      started,
      "require('./setup-runtime.cjs').installVitestScopes(require('vitest'), started)",
      '',
    ].join('\n'),
  )
  writeFileSync('dist/setup.d.ts', 'export {}\n')
  writeFileSync('dist/setup.d.cts', 'export {}\n')
}

const common: Options = {
  format: ['esm', 'cjs'],
  dts: true,
  target: 'node20',
  platform: 'node',
  sourcemap: true,
  shims: true,
  treeshake: true,
  // A CommonJS consumer of a default-only entry (the reporter) gets the class itself from require().
  cjsInterop: true,
  external: ['vitest', 'vite'],
}

export default defineConfig([
  {
    ...common,
    // Loaded by Vitest's main process: shared chunks are fine there.
    entry: {
      vitest: 'src/vitest/index.ts',
      'global-setup': 'setup/global-setup.ts',
      reporter: 'setup/reporter.ts',
    },
    splitting: true,
  },
  {
    ...common,
    // Imported by test files: one module with no chunks to resolve.
    entry: { index: 'src/index.ts' },
    splitting: false,
  },
  {
    ...common,
    // Loaded once per test file with require(), as one module. It holds no manager or Scope code: it
    // shares the scope state with the main entry through a process-global slot (Symbol.for), and a
    // Scope is made from the main entry when a test registers something. Copies of code between
    // entries agree through that state and through error codes, never through instanceof.
    entry: { 'setup-runtime': 'src/vitest/setup.ts' },
    format: ['cjs'],
    dts: false,
    splitting: false,
    onSuccess: async () => writeSetupEntries(),
  },
])
