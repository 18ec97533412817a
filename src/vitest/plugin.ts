import { fileURLToPath } from 'node:url'
import type { Plugin, ViteUserConfig } from 'vitest/config'
import { resolveOptions, type TestkitOptions, toTransport } from '../config/options.js'

type Entry = string | [string, unknown] | object
const list = <T>(value: T | T[] | undefined): T[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value]
const own = (file: string) => fileURLToPath(new URL(file, import.meta.url))

/**
 * The one line users add: `plugins: [testkit(options)]`. Adds the setup file and the global setup in
 * front of the user's own (so testkit's scopes wrap theirs) and the reporter after theirs, keeping
 * Vitest's default reporter when none was configured. Bad options fail here, at start-up.
 */
export function testkit(options: TestkitOptions = {}): Plugin {
  const resolved = resolveOptions(options)
  return {
    name: '@orchestr8/testkit',
    config(config: ViteUserConfig) {
      const withTest = config as { test?: Record<string, unknown> }
      withTest.test ??= {}
      const test = withTest.test
      test.setupFiles = [own('./setup.js'), ...list(test.setupFiles as string | string[] | undefined)]
      test.globalSetup = [
        own('./global-setup.js'),
        ...list(test.globalSetup as string | string[] | undefined),
      ]
      const reporters = list(test.reporters as Entry | Entry[] | undefined)
      test.reporters = [...(reporters.length > 0 ? reporters : ['default']), [own('./reporter.js'), options]]
      test.provide = { ...(test.provide as object | undefined), testkitOptions: toTransport(resolved) }
    },
  }
}
