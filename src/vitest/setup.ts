import type * as Vitest from 'vitest'
import { fromTransport, resolveOptions, type TransportedOptions } from '../config/options.js'
import { TestkitError } from '../core/errors.js'
import { allEnded, installDetection, uninstallDetection } from '../detect/index.js'
import { closeProcFiles } from '../monitor/proc.js'
import { heapUsed, monitorSettings, type ScopeMark, ScopeMonitor } from '../monitor/scope-monitor.js'
import { keepEarlierOnly, withEarlierAttempts } from '../report/attempts.js'
import { type BaselineEntry, BaselineMatcher } from '../report/baseline.js'
import { hasErrors, leftBy, TestkitScopeError } from '../report/format.js'
import type { ScopeRecord } from '../report/model.js'
import { endScope, type ScopeEnding } from '../scope/finish.js'
import {
  newSlot,
  runInSlot,
  type ScopeSettings,
  type ScopeSlot,
  setFileSlot,
  setTestSlot,
  settingsFor,
  takeFallbackScope,
} from '../scope/state.js'
import type { Started } from './load-runtime.js'
import { META_KEY } from './meta.js'
import { inMainRealm } from './realm.js'
import {
  fullNameOf,
  type HooksHolder,
  needsAroundHook,
  patchCollectStart,
  patchRunner,
  type RunnerHooks,
  type RunnerPrototype,
  type SuiteHooks,
  type TaskLike,
  testNameOf,
} from './runner-patch.js'

declare module 'vitest' {
  interface ProvidedContext {
    /** Options resolved by the testkit plugin or global setup, for the workers. */
    testkitOptions: TransportedOptions
    /** The project root, to show paths relative to it. */
    testkitRoot: string
    /** The accepted leaks of the baseline file (empty when there is none). */
    testkitBaseline: BaselineEntry[]
  }
}

/**
 * The part of Vitest the setup uses, handed over by the setup entry: this module is loaded by Node's
 * CommonJS loader (see tsup.config.ts) and never imports Vitest itself.
 */
export type VitestApi = Pick<typeof Vitest, 'inject' | 'beforeEach' | 'afterAll'> & {
  aroundEach?: unknown
  TestRunner?: {
    getCurrentSuite?: () => unknown
    getSuiteHooks?: unknown
    prototype?: unknown
  }
}

type RunInner = () => Promise<unknown>
type RawAroundEach = (runTest: RunInner, context: { task: TaskLike }) => Promise<void>
type RawAroundAll = (runSuite: RunInner, suite: TaskLike) => Promise<void>
interface HookCollector {
  on(name: 'aroundEach' | 'aroundAll', hook: unknown): void
}

// Vitest reads an around hook's timeout from this property; 0 means none (our cleanup has its own).
const AROUND_TIMEOUT = Symbol.for('VITEST_AROUND_TIMEOUT')
/** An around hook without Vitest's timeout. */
const untimed = <T extends object>(hook: T) => Object.assign(hook, { [AROUND_TIMEOUT]: 0 })

let vitest: VitestApi
const ending: ScopeEnding = { detection: undefined, monitor: undefined }
/** What loading and installing testkit cost this file: ms, and bytes of heap. */
let setupCost = { ms: 0, heap: 0 }
/** The setup entry's work at a file's end (saving the runtime's code cache). */
let entryAtFileEnd: (() => void) | undefined
/**
 * Vitest's vm pools run each test file in a vm context of its own, with a fresh copy of this module,
 * while Node's builtins are shared: what this copy patched and opened goes at the file's end. Fixed
 * for a copy of this module, so known once.
 */
const inVmContext = !inMainRealm()
/** Accepts the leaks the baseline lists; under TESTKIT_UPDATE_BASELINE, every leak. */
let accepts: ((record: ScopeRecord, task: TaskLike, root: string) => void) | undefined
/** Where the patched runner finds this copy's hooks (Vitest >= 4.1). */
let runnerHolder: HooksHolder | undefined
/** Under testkit's runner: the file's around hook, put first among its aroundAll hooks when it starts. */
let pendingFileHook: RawAroundAll | undefined
/** Vitest's hooks of a suite (Vitest >= 4.1). */
let suiteHooks: SuiteHooks | undefined

const relativeTo = (root: string, file: string) =>
  file.startsWith(`${root}/`) ? file.slice(root.length + 1) : file

function baselineAcceptance(entries: readonly BaselineEntry[], acceptAll: boolean): typeof accepts {
  if (!acceptAll && entries.length === 0) return undefined
  const matcher = new BaselineMatcher(entries)
  return (record, task, root) => {
    const file = relativeTo(root, task.filepath ?? task.file?.filepath ?? '')
    const test = testNameOf(task)
    for (const leak of record.leaks) {
      if (leak.severity !== 'error') continue
      const origin = leak.origin ? `${relativeTo(root, leak.origin.file)}:${leak.origin.line}` : null
      if (acceptAll || matcher.accepts(file, test, leak, origin)) {
        leak.severity = 'warning'
        leak.accepted = true
      }
    }
  }
}

/** Records what a scope did and left on its task, and fails it when something is wrong. */
async function finish(slot: ScopeSlot, task: TaskLike, mark: ScopeMark | undefined): Promise<void> {
  // An earlier attempt's record (a retry): its failures stay, as warnings, in the last attempt's.
  const earlier = (task.meta as Record<string, unknown>)[META_KEY] as ScopeRecord | undefined
  const ended = await endScope(slot, ending, mark, task.filepath ?? task.file?.filepath, fullNameOf(task))
  const record = withEarlierAttempts(earlier, ended)
  if (record === undefined) return keepEarlierOnly(task.meta as Record<string, unknown>, META_KEY)
  const root = vitest.inject('testkitRoot') ?? process.cwd()
  accepts?.(record, task, root)
  ;(task.meta as Record<string, unknown>)[META_KEY] = record
  if (hasErrors(record)) throw new TestkitScopeError(record, root, leftBy(slot.kind))
}

function testHook(settings: ScopeSettings): RawAroundEach {
  return async (runTest, { task }) => {
    const slot = newSlot('test', settings)
    const mark = ending.monitor?.begin(task.concurrent, task.suite)
    if (task.concurrent) {
      // Concurrent tests overlap: only an async context tells them apart.
      await runInSlot(slot, runTest)
    } else {
      setTestSlot(slot)
      try {
        await runTest()
      } finally {
        setTestSlot(undefined)
      }
    }
    await endTest(slot, task, mark)
  }
}

/** Ends a test's scope once its hooks are done: a promise only when there is something to finish. */
function endTest(slot: ScopeSlot, task: TaskLike, mark: ScopeMark | undefined): Promise<void> | undefined {
  // Hot path: a test that registered nothing, and created nothing or only what has already ended
  // (no child process), has nothing to finish.
  if (slot.scope === undefined && (slot.handles === undefined || allEnded(slot.handles))) {
    slot.handles = undefined
    if (mark === undefined || ending.monitor?.endsQuietly(mark, performance.now())) {
      keepEarlierOnly(task.meta as Record<string, unknown>, META_KEY)
      return undefined
    }
  }
  return finish(slot, task, mark)
}

/**
 * Ends the file's scope. In a vm pool, this copy of testkit then takes back its patches and its
 * descriptor, even when the file's scope failed.
 */
async function finishFile(fileSlot: ScopeSlot, suite: TaskLike, mark: ScopeMark | undefined): Promise<void> {
  try {
    await finish(fileSlot, suite, mark)
  } finally {
    if (inVmContext) {
      uninstallDetection()
      closeProcFiles()
      // The prototype may be the main realm's: it must not keep this file's context alive.
      if (runnerHolder?.current === runnerHooks) runnerHolder.current = undefined
    }
    entryAtFileEnd?.()
  }
}

function fileHook(fileSlot: ScopeSlot, scopesByRunner?: (file: TaskLike) => boolean): RawAroundAll {
  return async (runSuite, suite) => {
    const mark = ending.monitor?.beginFile(setupCost)
    runnerScopes = scopesByRunner?.(suite) ?? false
    try {
      await runSuite()
    } finally {
      setFileSlot(undefined)
      runnerScopes = false
    }
    await finishFile(fileSlot, suite, mark)
  }
}

/** Whether the runner started the file being set up (it has no patched prototype otherwise). */
let runnerFile: TaskLike | undefined
/** Whether the runner's calls scope the current file's tests (else the around hook does). */
let runnerScopes = false
/** The test the runner's calls scope now. */
let running: { task: TaskLike; slot: ScopeSlot; mark: ScopeMark | undefined } | undefined
let testSettings: ScopeSettings

const runnerHooks: RunnerHooks = {
  beforeSuite(suite) {
    if (suite.filepath === undefined) return
    runnerFile = suite
    const hook = pendingFileHook
    pendingFileHook = undefined
    // Outermost: testkit's runner installed this file's scope before the user's setup files ran.
    if (hook !== undefined) suiteHooks?.(suite)?.aroundAll?.unshift(hook)
  },
  beforeTry(test) {
    if (!runnerScopes) return
    const slot = newSlot('test', testSettings)
    running = { task: test, slot, mark: ending.monitor?.begin(false, test.suite) }
    setTestSlot(slot)
  },
  afterRetry(test) {
    const ran = running
    if (ran?.task !== test) return undefined
    running = undefined
    setTestSlot(undefined)
    return endTest(ran.slot, test, ran.mark)
  },
}

/**
 * At a file's start: true when the runner's calls will scope its tests; otherwise puts the around
 * hook first (outermost) among the file's aroundEach hooks.
 */
function chooseScoping(file: TaskLike, aroundEach: unknown, hooksOf: SuiteHooks): boolean {
  if (runnerFile === file && !needsAroundHook(file, hooksOf)) return true
  const hooks = hooksOf(file)?.aroundEach
  if (!Array.isArray(hooks)) return runnerFile === file
  hooks.unshift(aroundEach)
  return false
}

/**
 * Vitest >= 4.1: code after runTest() or runSuite() of an around hook runs once every afterEach/
 * afterAll hook, fixture and onTestFinished callback is done. The file's around hook is registered on
 * its collector; a test's scope comes from the runner's calls, or from an aroundEach hook in files
 * with concurrent tests or aroundEach hooks of their own. Registered directly rather than through
 * aroundEach()/aroundAll(): those resolve the file's auto fixtures for the hook, which then tear down
 * only after it, and parse the hook's parameters.
 */
function installAroundHooks(settings: ScopeSettings, fileSlot: ScopeSlot, viaRunner: boolean): boolean {
  const runner = vitest.TestRunner
  if (!viaRunner && !hasAroundHooks(vitest)) return false
  testSettings = settings
  const aroundEach = untimed(testHook(settings))
  const hooksOf = runner?.getSuiteHooks as SuiteHooks | undefined
  const proto = runner?.prototype
  if (!viaRunner && (typeof hooksOf !== 'function' || typeof proto !== 'object' || proto === null)) {
    const collector = currentCollector()
    collector.on('aroundEach', aroundEach)
    collector.on('aroundAll', untimed(fileHook(fileSlot)))
    return true
  }
  suiteHooks = hooksOf
  runnerHolder = patchRunner(proto as RunnerPrototype)
  runnerHolder.current = runnerHooks
  const scoping = (file: TaskLike) => chooseScoping(file, aroundEach, hooksOf as SuiteHooks)
  const fileAround = untimed(fileHook(fileSlot, scoping))
  // testkit's runner installs a file's scope before the file is collected, when no collector takes
  // hooks yet: the runner's start of the file puts it first among the file's aroundAll hooks.
  if (viaRunner) pendingFileHook = fileAround
  else currentCollector().on('aroundAll', fileAround)
  return true
}

/** The collector of the file being set up (hasAroundHooks() holds). */
const currentCollector = () =>
  (vitest.TestRunner as { getCurrentSuite: () => HookCollector }).getCurrentSuite()

/** Vitest >= 4.1: aroundEach/aroundAll hooks, and a runner whose suite hooks can be read. */
function hasAroundHooks(api: VitestApi): boolean {
  return typeof api.aroundEach === 'function' && typeof api.TestRunner?.getCurrentSuite === 'function'
}

/**
 * Vitest 3.2 to 4.0: the first onTestFinished registered runs last, and the first afterAll registered
 * runs last (the default 'stack' order). Concurrent tests of one file cannot be told apart here.
 */
function installLegacyHooks(settings: ScopeSettings, fileSlot: ScopeSlot): void {
  const fileMark = ending.monitor?.beginFile(setupCost)
  const { afterAll, beforeEach } = vitest
  beforeEach(({ task, onTestFinished }) => {
    const slot = newSlot('test', settings)
    const mark = ending.monitor?.begin(task.concurrent, task.suite)
    setTestSlot(slot)
    onTestFinished(async () => {
      setTestSlot(undefined)
      await finish(slot, task, mark)
    })
  })
  const endFile = (suite: TaskLike) => {
    setFileSlot(undefined)
    return finishFile(fileSlot, suite, fileMark)
  }
  // These versions pass the suite as the first argument.
  afterAll(endFile as unknown as Parameters<typeof afterAll>[0], 0)
}

/**
 * Wires scopes into Vitest for the test file being set up: one scope per test (cleaned after its
 * afterEach hooks, fixtures and onTestFinished callbacks) and one for the file (cleaned after its
 * afterAll hooks). Runs in the setup file, once per test file. `started`: when the setup entry began
 * loading this module (performance.now()) and the heap then, to report testkit's own cost, and what
 * it does at each file's end.
 */
export function installVitestScopes(api: VitestApi, started?: Started): void {
  // testkit's runner or preload scopes this worker's files already (a user who also listed the setup file).
  if ((globalThis as RunnerMarked)[RUNNER_MODE] === true) return
  install(api, started, false)
}

/** Set on the realm's global by testkit's runner or preload. */
const RUNNER_MODE = Symbol.for('@orchestr8/testkit.runner-mode')
type RunnerMarked = typeof globalThis & { [RUNNER_MODE]?: true }
type RunnerClass = new (config: unknown) => { onCollectStart?(file: TaskLike): unknown }

/**
 * testkit's test runner (the plugin's `test.runner`, Vitest >= 4.1, outside the forks pool): Vitest's
 * own, installing the scopes of each file as it starts collecting it, before the user's setup files
 * run. `started`: when the runner entry began loading this module; later files (isolate: false) count
 * from their start.
 */
export function testkitRunner(api: VitestApi, started: Started): RunnerClass {
  const collectStart = scopesAtCollectStart(api, started, 'runner')
  const Base = api.TestRunner as unknown as RunnerClass
  return class TestkitRunner extends Base {
    override onCollectStart(file: TaskLike): unknown {
      const result = super.onCollectStart?.(file)
      collectStart()
      return result
    }
  }
}

/**
 * The same for the preload (the plugin's way in the forks pool, Vitest >= 4.1): Node loads it with
 * `--import` before Vitest's worker starts, and it extends the start of collection on Vitest's own
 * TestRunner.prototype, so that Vitest loads no runner of testkit's through its module runner.
 */
export function testkitPreload(api: VitestApi, started: Started): void {
  const collectStart = scopesAtCollectStart(api, started, 'preload')
  patchCollectStart(api.TestRunner?.prototype, collectStart)
}

/** What installs a file's scopes as Vitest starts collecting it, for the runner or the preload. */
function scopesAtCollectStart(api: VitestApi, started: Started, by: 'runner' | 'preload'): () => void {
  if (!hasAroundHooks(api) || typeof api.TestRunner?.getSuiteHooks !== 'function') {
    throw new TestkitError(
      'ERR_UNSUPPORTED_VITEST',
      `testkit's ${by} needs Vitest >= 4.1 (its TestRunner and aroundEach hooks); with older versions list '@orchestr8/testkit/setup' in setupFiles instead`,
    )
  }
  ;(globalThis as RunnerMarked)[RUNNER_MODE] = true
  // What loading cost, without what Vitest does between loading testkit and a file's start.
  let loading: { ms: number; heap: number } | undefined = {
    ms: performance.now() - started.at,
    heap: heapUsed() - started.heap,
  }
  return () => {
    const { ms = 0, heap = 0 } = loading ?? {}
    loading = undefined
    install(api, { at: performance.now() - ms, heap: heapUsed() - heap, afterFile: started.afterFile }, true)
  }
}

function install(api: VitestApi, started: Started | undefined, viaRunner: boolean): void {
  vitest = api
  entryAtFileEnd = started?.afterFile
  const provided = api.inject('testkitOptions')
  const options = provided ? fromTransport(provided) : resolveOptions()
  const settings = settingsFor(options)
  const monitor = monitorSettings(options)
  ending.monitor = monitor && new ScopeMonitor(monitor)
  // The monitor counts the child processes and FileHandles of a test through the same patches.
  if (options.leaks !== 'off' || monitor) installDetection()
  ending.detection =
    options.leaks === 'off' ? undefined : { autoClean: options.autoClean, settleMs: options.leakSettle }
  accepts = baselineAcceptance(api.inject('testkitBaseline') ?? [], options.updateBaseline)
  const fileSlot = newSlot('file', settings)
  // Registered before this (by a setup file listed before testkit's): the file's, cleaned at its end.
  fileSlot.scope = takeFallbackScope()
  setFileSlot(fileSlot)
  if (started) {
    setupCost = {
      ms: performance.now() - started.at,
      heap: Math.max(0, heapUsed() - started.heap),
    }
  }
  if (!installAroundHooks(settings, fileSlot, viaRunner)) installLegacyHooks(settings, fileSlot)
}
