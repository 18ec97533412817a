// The demo: typical mistakes, reported as warnings so the run still passes. Run it under
// `TESTKIT_LEAKS=fail` (the default policy) to see the same findings fail their tests.
import { testkit } from '@orchestr8/testkit/vitest'
import { defineConfig } from 'vitest/config'

export default defineConfig({ plugins: [testkit({ leaks: 'warn', cleanupTimeout: 500 })] })
