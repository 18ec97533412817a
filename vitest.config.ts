import { defineConfig } from 'vitest/config'
import projects from './vitest.workspace.js'

export default defineConfig({
  test: {
    projects,
    coverage: {
      provider: 'v8',
      include: ['src/**/*.ts'],
      reporter: ['text-summary', 'text'],
      thresholds: {
        // The manager and everything it is built from are held to 100%.
        'src/core/**/*.ts': { lines: 100, branches: 100, functions: 100, statements: 100 },
      },
    },
  },
})
