import * as vitest from 'vitest'
import { afterAll, beforeEach, inject, onTestFinished } from 'vitest'
import { fromTransport, resolveOptions, type TransportedOptions } from '../config/options.js'
import { hasErrors, TestkitScopeError } from '../report/format.js'
import { runInScope, setFileScope, setTestScope } from '../scope/current.js'
import { Scope, settingsFor } from '../scope/scope.js'
import { META_KEY } from './meta.js'

declare module 'vitest' {
  interface ProvidedContext {
    /** Options resolved by the testkit plugin or global setup, for the workers. */
    testkitOptions: TransportedOptions
    /** The project root, to show paths relative to it. */
    testkitRoot: string
  }
}

/** Records what a scope did on its task and fails it when something is wrong. */
async function finish(scope: Scope, meta: Record<string, unknown>): Promise<void> {
  const record = await scope.close()
  if (record === undefined) return
  meta[META_KEY] = record
  if (hasErrors(record)) throw new TestkitScopeError(record, inject('testkitRoot') ?? process.cwd())
}

type Around = (
  fn: (runTest: () => Promise<void>, context: vitest.TestContext) => Promise<void>,
  timeout?: number,
) => void

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

  // Vitest >= 4.1: code after runTest() runs once every afterEach, fixture and onTestFinished is done.
  const aroundEach = (vitest as unknown as { aroundEach?: Around }).aroundEach
  if (typeof aroundEach === 'function') {
    aroundEach(async (runTest, context) => {
      const scope = new Scope('test', settings)
      if (context.task.concurrent) {
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
      await finish(scope, context.task.meta as Record<string, unknown>)
    }, 0)
  } else {
    // Vitest 3.2 to 4.0: the first onTestFinished registered runs last ('stack' order).
    beforeEach((context) => {
      const scope = new Scope('test', settings)
      setTestScope(scope)
      onTestFinished(async () => {
        setTestScope(undefined)
        await finish(scope, context.task.meta as Record<string, unknown>)
      })
    })
  }

  // Registered first, so with the default 'stack' order it runs after the file's own afterAll hooks.
  const finishFile = async (suite: { meta: object }) => {
    setFileScope(undefined)
    await finish(fileScope, suite.meta as Record<string, unknown>)
  }
  if (typeof aroundEach === 'function') {
    // Vitest >= 4.1 parses the first parameter for fixtures (it must be a destructuring pattern) and
    // passes the suite second.
    // biome-ignore lint/correctness/noEmptyPattern: see above
    afterAll(async ({}, suite) => finishFile(suite), 0)
  } else {
    // Vitest 3.2 to 4.0 pass the suite first.
    afterAll(((suite: { meta: object }) => finishFile(suite)) as unknown as Parameters<typeof afterAll>[0], 0)
  }
}
