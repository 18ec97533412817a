// One line of setup: the plugin adds testkit's setup file, global setup and reporter.
import { testkit } from '@orchestr8/testkit/vitest'
import { defineConfig } from 'vitest/config'

export default defineConfig({ plugins: [testkit()] })
