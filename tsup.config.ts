import { defineConfig } from 'tsup'

export default defineConfig({
  entry: {
    index: 'src/index.ts',
    vitest: 'src/vitest/index.ts',
    setup: 'setup/setup.ts',
    'global-setup': 'setup/global-setup.ts',
    reporter: 'setup/reporter.ts',
  },
  format: ['esm', 'cjs'],
  dts: true,
  target: 'node20',
  platform: 'node',
  sourcemap: true,
  clean: true,
  // Shared chunks: the setup file and the user's imports must share one copy of the scope code.
  splitting: true,
  shims: true,
  treeshake: true,
  // A CommonJS consumer of a default-only entry (the reporter) gets the class itself from require().
  cjsInterop: true,
  external: ['vitest', 'vite'],
})
