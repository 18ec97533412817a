import { readFileSync, writeFileSync } from 'node:fs'
import { defineConfig, type Options } from 'tsup'

/**
 * The CommonJS setup entry (dist/setup.js, the ES module, is built from setup/setup.ts):
 * the same steps, for a runner that requires setup files. See setup/setup.ts.
 */
function writeSetupEntries(): void {
  writeFileSync(
    'dist/setup.cjs',
    [
      '// The CommonJS twin of dist/setup.js (setup/setup.ts).',
      "const started = { at: performance.now(), heap: require('node:v8').getHeapStatistics().used_heap_size }",
      "const loaded = require('./runtime-loader.cjs').loadWithCodeCache(require.resolve('./setup-runtime.cjs'))",
      "loaded.exports.installVitestScopes(require('vitest'), { ...started, afterFile: loaded.saveCache })",
      '',
    ].join('\n'),
  )
  writeFileSync('dist/setup.d.ts', 'export {}\n')
  writeFileSync('dist/setup.d.cts', 'export {}\n')
}

/**
 * With shared chunks, cjsInterop sets `module.exports` to a default-only entry's export and then
 * appends `module.exports = exports.default`, which is undefined there: require() of the reporter
 * and the global setup returned undefined. The appended line goes.
 */
function keepCommonJsDefaults(): void {
  for (const file of ['dist/reporter.cjs', 'dist/global-setup.cjs']) {
    const text = readFileSync(file, 'utf8')
    const appended = /\nmodule\.exports = exports\.default;\n(\/\/# sourceMappingURL=\S+)?$/
    if (!/^module\.exports = (?!exports\.default;)\w/m.test(text) || !appended.test(text)) continue
    writeFileSync(file, text.replace(appended, '\n'))
  }
}

const common: Options = {
  format: ['esm', 'cjs'],
  // Members marked @internal (a manager's exit hook, the reporter's brand) stay out of the types.
  dts: { compilerOptions: { stripInternal: true } },
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
    onSuccess: async () => keepCommonJsDefaults(),
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
    entry: { 'setup-runtime': 'src/vitest/setup.ts', 'runtime-loader': 'src/vitest/runtime-loader.ts' },
    format: ['cjs'],
    dts: false,
    splitting: false,
    onSuccess: async () => writeSetupEntries(),
  },
  {
    ...common,
    // The setup file Vitest runs for every test file, and the runner and preload the plugin names:
    // each one ES module that imports only Vitest. Without a source map, which Vite would otherwise
    // read and merge with its own when it transforms the setup file.
    entry: {
      setup: 'setup/setup.ts',
      runner: 'src/vitest/runner-entry.ts',
      preload: 'src/vitest/preload-entry.ts',
    },
    format: ['esm'],
    dts: false,
    splitting: false,
    sourcemap: false,
  },
])
