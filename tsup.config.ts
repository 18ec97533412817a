import { defineConfig, type Options } from 'tsup'

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
    entry: { index: 'src/index.ts', setup: 'setup/setup.ts' },
    splitting: false,
  },
])
