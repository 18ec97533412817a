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
    entry: {
      index: 'src/index.ts',
      vitest: 'src/vitest/index.ts',
      'global-setup': 'setup/global-setup.ts',
      reporter: 'setup/reporter.ts',
    },
    // Shared chunks: one copy of the manager and the scopes for the package's entries.
    splitting: true,
  },
  {
    ...common,
    // The setup file is loaded once per test file, so it is one module with no chunks to resolve. It
    // holds no manager or Scope code: it shares the scope state with the other entries through a
    // process-global slot, and what a test registers loads the Scope from the package's main entry.
    entry: { setup: 'setup/setup.ts' },
    splitting: false,
  },
])
