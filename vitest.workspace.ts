import { defineProject } from 'vitest/config'

/** The test projects; `vitest.config.ts` uses this list as `test.projects`. */
export default [
  defineProject({
    test: {
      name: 'unit',
      include: ['test/unit/**/*.test.ts'],
      testTimeout: 20_000,
    },
  }),
  defineProject({
    test: {
      name: 'integration',
      include: ['test/integration/**/*.test.ts'],
      globalSetup: ['test/integration/build-once.ts'],
      testTimeout: 60_000,
      hookTimeout: 60_000,
    },
  }),
]
