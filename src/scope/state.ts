import type { IgnoreRule, ResolvedOptions } from '../config/options.js'
import type { Handle } from '../detect/handle.js'
import type { LeakRecord, Severity } from '../report/model.js'
import type { Scope } from './scope.js'

// Not an import: see detect/patch.ts.
const { AsyncLocalStorage } = process.getBuiltinModule('node:async_hooks')

// The adapters (the Vitest setup file) depend on this module and not on the Scope class: a test file
// that never imports the package then never loads the manager. A slot becomes a Scope on first use.

/** A run (global setup), a file (top level, beforeAll, afterAll) or one test (its hooks included). */
export type ScopeKind = 'run' | 'file' | 'test'

/** Settings a scope starts with; per-test overrides change a copy. */
export interface ScopeSettings {
  /** Per-cleanup timeout in ms. */
  cleanupTimeout: number
  /** Budget in ms for the whole cleanup of the scope, or undefined for none. */
  cleanupBudget: number | undefined
  /** What a cleanup failure or a leak counts as. */
  severity: Severity
  /** False under `leaks: 'off'`: leaks are not recorded (cleanup failures still are, as warnings). */
  tracksLeaks: boolean
  /** Leaks matching any of these are not recorded. */
  ignore: readonly IgnoreRule[]
  /** False under `autoClean: false`: what leaked is reported and left as it is. */
  autoClean: boolean
  /** Live resources allowed per category across the scopes that share these settings (a test file's). */
  limits?: ResolvedOptions['limits']
}

/** The scope settings that resolved options call for. */
export function settingsFor(options: ResolvedOptions, cleanupBudget = options.cleanupBudget): ScopeSettings {
  return {
    cleanupTimeout: options.cleanupTimeout,
    cleanupBudget,
    severity: options.leaks === 'fail' ? 'error' : 'warning',
    tracksLeaks: options.leaks !== 'off',
    ignore: options.ignore,
    autoClean: options.autoClean,
    limits: options.limits,
  }
}

/** Defaults of every scope until an adapter configures them. */
export const defaultSettings: ScopeSettings = {
  cleanupTimeout: 10_000,
  cleanupBudget: undefined,
  severity: 'error',
  tracksLeaks: true,
  ignore: [],
  autoClean: true,
}

/** Where a scope will live: cheap to make for every test; `scope` is set when something is registered. */
export interface ScopeSlot {
  readonly kind: ScopeKind
  readonly settings: ScopeSettings
  scope: Scope | undefined
  /** What leak detection saw the scope create (timers, servers, ...), when anything. */
  handles: Handle[] | undefined
  /** Set when the scope ended leaving leaks alive (autoClean off): the test's full name, for late errors. */
  leftBy?: string
}

export function newSlot(kind: ScopeKind, settings: ScopeSettings): ScopeSlot {
  return { kind, settings, scope: undefined, handles: undefined }
}

// search(), not test(): it leaves lastIndex alone, so a RegExp with the g flag matches every finding.
// (Resolved rules have no g or y flag: see anywhere() in options.ts.)
const matches = (pattern: string | RegExp, text: string) =>
  typeof pattern === 'string' ? text.includes(pattern) : text.search(pattern) !== -1

/**
 * Whether a finding matches a rule: every field the rule gives must match. `stackOf`: the text of
 * the stack where the handle was created (formatted only for a rule that asks for it).
 */
export function matchesRule(
  rule: IgnoreRule,
  leak: Pick<LeakRecord, 'category' | 'type' | 'origin'>,
  stackOf?: () => string | undefined,
): boolean {
  if (rule.category !== undefined && rule.category !== leak.category) return false
  if (rule.type !== undefined && rule.type !== leak.type) return false
  if (rule.origin !== undefined && !matches(rule.origin, leak.origin?.file ?? '')) return false
  if (rule.stack === undefined) return true
  const stack = stackOf?.()
  return stack !== undefined && matches(rule.stack, stack)
}

interface ScopeState {
  /** The slot of the test running now, when tests run one at a time. */
  sequential: ScopeSlot | undefined
  /** The current file's slot (top level, beforeAll, afterAll). */
  file: ScopeSlot | undefined
  /** The run's slot (global setup), or the fallback outside any test runner. */
  run: ScopeSlot | undefined
  /** Created on the first concurrent test only: on Node 20 an active AsyncLocalStorage slows every await. */
  storage: InstanceType<typeof AsyncLocalStorage<ScopeSlot>> | undefined
}

// Process-global, so that every copy of this code (the setup file's, the ESM and the CJS build) agrees.
const KEY = Symbol.for('@orchestr8/testkit.scope-slots')
const holder = globalThis as typeof globalThis & { [KEY]?: ScopeState }
holder[KEY] ??= { sequential: undefined, file: undefined, run: undefined, storage: undefined }
/** The process-wide scope state. */
export const state: ScopeState = holder[KEY]

// Above 0 while testkit itself creates something (the monitor's `ps`): not the test's.
let untrackedDepth = 0

/** Runs `fn` (synchronous) so that what it creates is noted in no scope: testkit's own work. */
export function untracked<T>(fn: () => T): T {
  untrackedDepth++
  try {
    return fn()
  } finally {
    untrackedDepth--
  }
}

/** The slot of the test or file running now, or undefined between files: for leak detection. */
export function activeSlot(): ScopeSlot | undefined {
  if (untrackedDepth > 0) return undefined
  return state.storage?.getStore() ?? state.sequential ?? state.file
}

/** The slot resources registered now belong to: the concurrent test's, the test's, the file's or the run's. */
export function currentSlot(): ScopeSlot {
  const slot = state.storage?.getStore() ?? state.sequential ?? state.file
  if (slot !== undefined) return slot
  state.run ??= newSlot('run', defaultSettings)
  return state.run
}

/** Makes `slot` current for a test that runs alone; pass undefined when it ends. */
export function setTestSlot(slot: ScopeSlot | undefined): void {
  state.sequential = slot
}

/** Makes `slot` current for the file's top level and `beforeAll`/`afterAll` hooks. */
export function setFileSlot(slot: ScopeSlot | undefined): void {
  state.file = slot
}

/**
 * Takes out the scope of the fallback run slot: what was registered before testkit set any scope
 * (a setup file listed before testkit's), for the file or run that starts now to own and clean.
 * Undefined when nothing was registered there.
 */
export function takeFallbackScope(): ScopeSlot['scope'] {
  const scope = state.run?.scope
  if (scope !== undefined) state.run = undefined
  return scope
}

/** Makes `slot` the run's (global setup). */
export function setRunSlot(slot: ScopeSlot | undefined): void {
  state.run = slot
}

/** Runs `fn` with `slot` current for everything it awaits: for tests that run concurrently. */
export function runInSlot<T>(slot: ScopeSlot, fn: () => T): T {
  state.storage ??= new AsyncLocalStorage()
  return state.storage.run(slot, fn)
}
