import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import type { Plugin, ViteUserConfig } from 'vitest/config'
import type { TestProject, Vitest } from 'vitest/node'
import { resolveOptions, type TestkitOptions, toTransport } from '../config/options.js'
import { timed } from './main-cost.js'

const list = <T>(value: T | T[] | undefined): T[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value]
const own = (file: string) => fileURLToPath(new URL(file, import.meta.url))

/** True for a reporter entry naming testkit's reporter, by package path or by file. */
function isTestkitReporter(entry: unknown, file: string): boolean {
  const name = Array.isArray(entry) ? entry[0] : entry
  return typeof name === 'string' && (name === file || name.startsWith('@orchestr8/testkit/reporter'))
}

/** Whether the installed Vitest runs testkit's runner (4.1 and later: its TestRunner and around hooks). */
function runnerSupported(): boolean {
  try {
    const { version } = createRequire(import.meta.url)('vitest/package.json') as { version: string }
    const [major = 0, minor = 0] = version.split('.').map(Number)
    return major > 4 || (major === 4 && minor >= 1)
  } catch {
    return false
  }
}

/**
 * The one line users add: `plugins: [testkit(options)]`. Adds testkit's test runner (Vitest >= 4.1,
 * when the project names no runner of its own; else the setup file, in front of the user's own, so
 * that testkit's scopes wrap theirs), the global setup in front of the user's own, and the reporter
 * after the resolved reporters, so that `--reporter` on the command line does not drop it. Bad
 * options fail here, at start-up.
 */
export function testkit(options: TestkitOptions = {}): Plugin {
  const resolved = timed(() => resolveOptions(options))
  const reporterFile = own('./reporter.js')
  const runnerFile = own('./runner.js')
  return {
    name: '@orchestr8/testkit',
    config(config: ViteUserConfig) {
      timed(() => addEntries(config, resolved, runnerFile))
    },
    // Runs once per project, after the command line is applied and before reporters are created.
    configureVitest({ vitest, project }: { vitest: Vitest; project: TestProject }) {
      timed(() => {
        addReporter(vitest, reporterFile, options)
        // `vitest bench` runs Vitest's benchmark runner: testkit's extends the test runner.
        if (project.config.mode === 'benchmark' && project.config.runner === runnerFile)
          project.config.runner = undefined
      })
    },
  } as Plugin
}

/** The runner (or setup file) and global setup in front of the user's own, and the options for the workers. */
function addEntries(
  config: ViteUserConfig,
  resolved: ReturnType<typeof resolveOptions>,
  runner: string,
): void {
  const withTest = config as { test?: Record<string, unknown> }
  withTest.test ??= {}
  const test = withTest.test
  // Vitest transforms a setup file and serves it to each test file; a runner it imports as it is.
  if (test.runner === undefined && runnerSupported()) test.runner = runner
  else test.setupFiles = [own('./setup.js'), ...list(test.setupFiles as string | string[] | undefined)]
  test.globalSetup = [own('./global-setup.js'), ...list(test.globalSetup as string | string[] | undefined)]
  test.provide = { ...(test.provide as object | undefined), testkitOptions: toTransport(resolved) }
}

/** The reporter after the resolved reporters, unless the user listed it. */
function addReporter(vitest: Vitest, reporterFile: string, options: TestkitOptions): void {
  const reporters = vitest.config.reporters as unknown[]
  if (reporters.some((entry) => isTestkitReporter(entry, reporterFile))) return
  reporters.push([reporterFile, options])
}
