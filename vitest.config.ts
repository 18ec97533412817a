import { defineConfig } from 'vitest/config'
import projects from './vitest.workspace.js'

export default defineConfig({
  test: {
    projects,
    coverage: {
      provider: 'v8',
      include: ['src/**/*.ts'],
      // Pure re-export files have no code of their own.
      exclude: ['src/**/index.ts'],
      reporter: ['text-summary', 'text'],
      thresholds: {
        // The manager and everything it is built from are held to 100%. src/core/exit/ only runs in a
        // process that is dying; test/integration/process-exit.test.ts covers it in real child processes.
        'src/core/*.ts': { lines: 100, branches: 100, functions: 100, statements: 100 },
      },
    },
  },
})
