import type { ResourceManager } from '../core/manager.js'
import { Scope } from './scope.js'
import { currentSlot, runInSlot, type ScopeSlot, setFileSlot, setRunSlot, setTestSlot } from './state.js'

export { defaultSettings } from './state.js'

/** The scope of a slot, created on first use. */
export function scopeOf(slot: ScopeSlot): Scope {
  slot.scope ??= new Scope(slot.kind, slot.settings)
  return slot.scope
}

/** The scope resources registered now belong to: the concurrent test, the test, the file, or the run. */
export function currentScope(): Scope {
  return scopeOf(currentSlot())
}

/** The ResourceManager of the current scope: the running test's, else the file's, else the run's. */
export function getResourceManager(): ResourceManager {
  return currentScope().manager
}

const slotFor = (scope: Scope | undefined): ScopeSlot | undefined =>
  scope && { kind: scope.kind, settings: scope.settings, scope, handles: undefined }

/** Makes an existing `scope` current for a test that runs alone; pass undefined when it ends. */
export function setTestScope(scope: Scope | undefined): void {
  setTestSlot(slotFor(scope))
}

/** Makes an existing `scope` current for the file's top level and `beforeAll`/`afterAll` hooks. */
export function setFileScope(scope: Scope | undefined): void {
  setFileSlot(slotFor(scope))
}

/** Makes an existing `scope` the run's scope (global setup). */
export function setRunScope(scope: Scope | undefined): void {
  setRunSlot(slotFor(scope))
}

/** Runs `fn` with an existing `scope` current for everything it awaits. */
export function runInScope<T>(scope: Scope, fn: () => T): T {
  return runInSlot(slotFor(scope) as ScopeSlot, fn)
}
