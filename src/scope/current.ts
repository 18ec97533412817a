import { AsyncLocalStorage } from 'node:async_hooks'
import type { ResourceManager } from '../core/manager.js'
import { Scope, type ScopeSettings } from './scope.js'

/** Defaults of every scope until an adapter configures them. */
export const defaultSettings: ScopeSettings = {
  cleanupTimeout: 10_000,
  cleanupBudget: undefined,
  severity: 'error',
  tracksLeaks: true,
  ignore: [],
}

interface ScopeState {
  /** The scope of the test running now, when tests run one at a time. */
  sequential: Scope | undefined
  /** The current file's scope (top level, beforeAll, afterAll). */
  file: Scope | undefined
  /** The run's scope (global setup), or the fallback outside any test runner. */
  run: Scope | undefined
  /** Created on the first concurrent test only: on Node 20 an active AsyncLocalStorage slows every await. */
  storage: AsyncLocalStorage<Scope> | undefined
}

// Process-global, so that two copies of this package (the ESM and the CJS build, say) agree on it.
const KEY = Symbol.for('@orchestr8/testkit.scopes')
const holder = globalThis as typeof globalThis & { [KEY]?: ScopeState }
holder[KEY] ??= { sequential: undefined, file: undefined, run: undefined, storage: undefined }
const state: ScopeState = holder[KEY]

/** The scope resources registered now belong to: the concurrent test, the test, the file, or the run. */
export function currentScope(): Scope {
  const scope = state.storage?.getStore() ?? state.sequential ?? state.file
  if (scope !== undefined) return scope
  state.run ??= new Scope('run', defaultSettings)
  return state.run
}

/** The ResourceManager of the current scope: the running test's, else the file's, else the run's. */
export function getResourceManager(): ResourceManager {
  return currentScope().manager
}

/** Makes `scope` current for a test that runs alone; pass undefined when it ends. */
export function setTestScope(scope: Scope | undefined): void {
  state.sequential = scope
}

/** Makes `scope` current for the file's top level and `beforeAll`/`afterAll` hooks. */
export function setFileScope(scope: Scope | undefined): void {
  state.file = scope
}

/** Makes `scope` the run's scope (global setup). */
export function setRunScope(scope: Scope | undefined): void {
  state.run = scope
}

/** Runs `fn` with `scope` current for everything it awaits: for tests that run concurrently. */
export function runInScope<T>(scope: Scope, fn: () => T): T {
  state.storage ??= new AsyncLocalStorage()
  return state.storage.run(scope, fn)
}
