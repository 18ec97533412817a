import { createRequire } from 'node:module'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import type { Plugin, ViteUserConfig } from 'vitest/config'
import type { TestProject, Vitest } from 'vitest/node'
import { resolveOptions, type TestkitOptions, toTransport } from '../config/options.js'
import { startProject } from './global-setup.js'
import { timed } from './main-cost.js'
import TestkitReporter, { isTestkitReporterInstance } from './reporter.js'

const list = <T>(value: T | T[] | undefined): T[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value]
const own = (file: string) => fileURLToPath(new URL(file, import.meta.url))

/** True for a reporter entry naming testkit's reporter (by package path or by file), or one of its instances. */
function isTestkitReporter(entry: unknown, file: string): boolean {
  if (isTestkitReporterInstance(entry)) return true
  const name = Array.isArray(entry) ? entry[0] : entry
  return typeof name === 'string' && (name === file || name.startsWith('@orchestr8/testkit/reporter'))
}

/** Whether a Vitest version runs testkit's runner and preload (4.1 and later: its TestRunner and around hooks). */
function runnerSupportedBy(version: string): boolean {
  const [major = 0, minor = 0] = version.split('.').map(Number)
  return major > 4 || (major === 4 && minor >= 1)
}

/** Whether the Vitest that testkit resolves runs testkit's runner. */
function runnerSupported(): boolean {
  try {
    const { version } = createRequire(import.meta.url)('vitest/package.json') as { version: string }
    return runnerSupportedBy(version)
  } catch {
    return false
  }
}

/** The same file: Vitest keeps paths with forward slashes, Node's on Windows with backslashes. */
const sameFile = (a: string | undefined, b: string) => a?.replaceAll('\\', '/') === b.replaceAll('\\', '/')

/**
 * The one line users add: `plugins: [testkit(options)]`. Adds testkit's test runner (Vitest >= 4.1,
 * when the project names no runner of its own; in the forks pool, a preload in its place; else the
 * setup file, in front of the user's own, so that testkit's scopes wrap theirs) and the reporter
 * after the resolved reporters, so that `--reporter` on the command line does not drop it, and opens
 * the run's scope before the user's global setup files run (what testkit's global setup file does in
 * the manual way). Bad options fail here, at start-up.
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
      const endRun = timed(() => {
        addReporter(vitest, reporterFile, options)
        if (sameFile(project.config.runner, runnerFile)) preferPreload(vitest, project)
        return startProject(project)
      })
      // After every global teardown, as a global setup file listed first would end it.
      if (endRun) vitest.onClose(endRun)
    },
  } as Plugin
}

/** The runner (or setup file) in front of the user's own, and the options for the workers. */
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
  test.provide = { ...(test.provide as object | undefined), testkitOptions: toTransport(resolved) }
}

/**
 * In place of testkit's runner, in the forks pool (the default): the preload, which Node loads in each
 * worker with `--import` (appended to the project's execArgv) before Vitest's own code, where Vitest
 * imports a runner through its module runner for each worker (see README, Overhead). `vitest bench`
 * runs Vitest's benchmark runner: testkit's runner extends the test runner, so it goes.
 */
function preferPreload(vitest: Vitest, project: TestProject): void {
  const config = project.config
  if (config.mode === 'benchmark') {
    config.runner = undefined
    return
  }
  // The Vitest that runs, which may not be the one testkit resolves: the preload fails on one before 4.1.
  if (config.pool !== 'forks' || config.browser?.enabled || !runnerSupportedBy(vitest.version)) return
  config.runner = undefined
  const index = pathToFileURL(join(vitest.distPath, 'index.js')).href
  const preload = `${pathToFileURL(own('./preload.js')).href}?vitest=${encodeURIComponent(index)}`
  config.execArgv = [...(config.execArgv ?? []), '--import', preload]
}

/**
 * The reporter after the resolved reporters, unless the user listed it: an instance, which Vitest
 * takes as it is, where a path it would import through its module runner.
 */
function addReporter(vitest: Vitest, reporterFile: string, options: TestkitOptions): void {
  const reporters = vitest.config.reporters as unknown[]
  if (reporters.some((entry) => isTestkitReporter(entry, reporterFile))) return
  reporters.push(new TestkitReporter(options))
}
