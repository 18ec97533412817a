import * as vitest from 'vitest'
import { afterAll, beforeEach, inject } from 'vitest'
import { fromTransport, resolveOptions, type TransportedOptions } from '../config/options.js'
import { hasErrors, TestkitScopeError } from '../report/format.js'
import { runInScope, setFileScope, setTestScope } from '../scope/current.js'
import { Scope, type ScopeSettings, settingsFor } from '../scope/scope.js'
import { META_KEY } from './meta.js'

declare module 'vitest' {
  interface ProvidedContext {
    /** Options resolved by the testkit plugin or global setup, for the workers. */
    testkitOptions: TransportedOptions
    /** The project root, to show paths relative to it. */
    testkitRoot: string
  }
}

interface TaskLike {
  meta: object
  concurrent?: boolean
}
type RunInner = () => Promise<unknown>
type RawAroundEach = (runTest: RunInner, context: { task: TaskLike }) => Promise<void>
type RawAroundAll = (runSuite: RunInner, suite: TaskLike) => Promise<void>
interface HookCollector {
  on(name: 'aroundEach' | 'aroundAll', hook: unknown): void
}

// Vitest reads an around hook's timeout from this property; 0 means none (our cleanup has its own).
const AROUND_TIMEOUT = Symbol.for('VITEST_AROUND_TIMEOUT')

/** Records what a scope did on its task and fails it when something is wrong. */
async function finish(scope: Scope, meta: object): Promise<void> {
  const record = await scope.close()
  const slot = meta as Record<string, unknown>
  // A retried test keeps the record of its last attempt only, like its result.
  if (record === undefined) {
    delete slot[META_KEY]
    return
  }
  slot[META_KEY] = record
  if (hasErrors(record)) throw new TestkitScopeError(record, inject('testkitRoot') ?? process.cwd())
}

function testHook(settings: ScopeSettings): RawAroundEach {
  return async (runTest, { task }) => {
    const scope = new Scope('test', settings)
    if (task.concurrent) {
      // Concurrent tests overlap: only an async context tells them apart.
      await runInScope(scope, runTest)
    } else {
      setTestScope(scope)
      try {
        await runTest()
      } finally {
        setTestScope(undefined)
      }
    }
    await finish(scope, task.meta)
  }
}

function fileHook(fileScope: Scope): RawAroundAll {
  return async (runSuite, suite) => {
    try {
      await runSuite()
    } finally {
      setFileScope(undefined)
    }
    await finish(fileScope, suite.meta)
  }
}

/**
 * Vitest >= 4.1: around hooks registered on the file's collector, so that code after runTest() or
 * runSuite() runs once every afterEach/afterAll hook, fixture and onTestFinished callback is done.
 * Registered directly rather than through aroundEach()/aroundAll(): those resolve the file's auto
 * fixtures for the hook, which then tear down only after it, and parse the hook's parameters.
 */
function installAroundHooks(settings: ScopeSettings, fileScope: Scope): boolean {
  const runner = (vitest as { TestRunner?: { getCurrentSuite?: () => unknown } }).TestRunner
  if (typeof (vitest as { aroundEach?: unknown }).aroundEach !== 'function') return false
  if (typeof runner?.getCurrentSuite !== 'function') return false
  const collector = runner.getCurrentSuite() as HookCollector
  collector.on('aroundEach', Object.assign(testHook(settings), { [AROUND_TIMEOUT]: 0 }))
  collector.on('aroundAll', Object.assign(fileHook(fileScope), { [AROUND_TIMEOUT]: 0 }))
  return true
}

/**
 * Vitest 3.2 to 4.0: the first onTestFinished registered runs last, and the first afterAll registered
 * runs last (the default 'stack' order). Concurrent tests of one file cannot be told apart here.
 */
function installLegacyHooks(settings: ScopeSettings, fileScope: Scope): void {
  beforeEach(({ task, onTestFinished }) => {
    const scope = new Scope('test', settings)
    setTestScope(scope)
    onTestFinished(async () => {
      setTestScope(undefined)
      await finish(scope, task.meta)
    })
  })
  const finishFile = async (suite: TaskLike) => {
    setFileScope(undefined)
    await finish(fileScope, suite.meta)
  }
  // These versions pass the suite as the first argument.
  afterAll(((suite: TaskLike) => finishFile(suite)) as unknown as Parameters<typeof afterAll>[0], 0)
}

/**
 * Wires scopes into Vitest for the test file being set up: one scope per test (cleaned after its
 * afterEach hooks, fixtures and onTestFinished callbacks) and one for the file (cleaned after its
 * afterAll hooks). Runs in the setup file, once per test file.
 */
export function installVitestScopes(): void {
  const provided = inject('testkitOptions')
  const options = provided ? fromTransport(provided) : resolveOptions()
  const settings = settingsFor(options)
  const fileScope = new Scope('file', settings)
  setFileScope(fileScope)
  if (!installAroundHooks(settings, fileScope)) installLegacyHooks(settings, fileScope)
}
