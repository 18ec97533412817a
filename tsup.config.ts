import { writeFileSync } from 'node:fs'
import { defineConfig, type Options } from 'tsup'

/**
 * Vitest always transforms setup files itself (they are never externalized, even in node_modules),
 * and does it again for every test file. So the setup entry is two lines that load the real setup
 * module, which Vitest then leaves to Node's own loader, like any dependency.
 */
function writeSetupEntries(): void {
  const note = '// setup/setup.ts, loading its module natively: see tsup.config.ts.'
  // Called here, not on import: with isolate: false the module loads once, but the setup file runs per file.
  // The time and heap around the load are testkit's own cost, which the reporter shows.
  const started = 'const started = { at: performance.now(), heap: getHeapStatistics().used_heap_size }'
  writeFileSync(
    'dist/setup.js',
    `${note}\nimport { getHeapStatistics } from 'node:v8'\n\n${started}\nconst { installVitestScopes } = await import('./setup-runtime.js')\ninstallVitestScopes(started)\n`,
  )
  writeFileSync(
    'dist/setup.cjs',
    `${note}\nconst { getHeapStatistics } = require('node:v8')\n\n${started}\nrequire('./setup-runtime.cjs').installVitestScopes(started)\n`,
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
    // Loaded once per test file, each as one module with no chunks to resolve (each module costs a
    // test file about a millisecond). The setup file holds no manager or Scope code: it shares the
    // scope state with the main entry through a process-global slot (Symbol.for), and a Scope is made
    // from the main entry when a test registers something. Copies of code between entries agree
    // through that state and through error codes, never through instanceof.
    entry: { index: 'src/index.ts', 'setup-runtime': 'src/vitest/setup.ts' },
    splitting: false,
    onSuccess: async () => writeSetupEntries(),
  },
])
