// How testkit scopes tests in Vitest's own runner calls (Vitest >= 4.1): the methods it extends on
// Vitest's TestRunner.prototype, and what decides whether a file's tests need an around hook instead.
import { TestkitError } from '../core/errors.js'

/** What testkit reads and writes of Vitest's tasks. */
export interface TaskLike {
  meta: object
  concurrent?: boolean
  /** The test's or describe block's own name; on the file, its path relative to the root. */
  name?: string
  /** The test's describe block (or file). */
  suite?: TaskLike
  /** The test file: on a test its `file`, on the file itself its `filepath`. */
  file?: { filepath: string; name?: string }
  filepath?: string
  /** The file path, describe names and test name, joined by ' > '. */
  fullName?: string
  /** Describe names and test name, joined by ' > '; undefined on the file. */
  fullTestName?: string
  /** A suite's (or file's) tests and suites. */
  tasks?: TaskLike[]
}

// Vitest >= 4.1 calls its runner's onBeforeTryTask() before a test's beforeEach hooks, and
// onAfterRetryTask() once its afterEach hooks, fixtures and onTestFinished callbacks are done: a test
// scoped there costs a method call, where an aroundEach hook costs Vitest a chain of promises per test.

/** What the runner's calls do for the copy of testkit that set up the current file. */
export interface RunnerHooks {
  beforeSuite(suite: TaskLike): void
  beforeTry(test: TaskLike): void
  afterRetry(test: TaskLike): Promise<void> | undefined
}
type RunnerMethod = (this: unknown, task: TaskLike, options?: unknown) => unknown
export type RunnerPrototype = Record<
  'onBeforeRunSuite' | 'onBeforeTryTask' | 'onAfterRetryTask' | 'onCollectStart',
  RunnerMethod | undefined
>
export interface HooksHolder {
  current: RunnerHooks | undefined
}
// On Vitest's TestRunner.prototype: patched once, whichever copy of testkit (vm pools load one per file).
const RUNNER_HOOKS = Symbol.for('@orchestr8/testkit.runner-hooks')

/** Replaces a runner method with one that calls the original, then `then` (after its promise, if any). */
function extend(
  proto: RunnerPrototype,
  name: keyof RunnerPrototype,
  then: (task: TaskLike) => unknown,
): void {
  const original = proto[name]
  const method: RunnerMethod = function (task, options) {
    const result = original?.call(this, task, options)
    if (result instanceof Promise) return result.then(() => then(task))
    return then(task) ?? result
  }
  Object.defineProperty(proto, name, { value: method, writable: true, configurable: true, enumerable: false })
}

/** Extends the runner's calls once per prototype; each copy of testkit sets the holder's hooks. */
export function patchRunner(proto: RunnerPrototype): HooksHolder {
  const patched = proto as RunnerPrototype & { [RUNNER_HOOKS]?: HooksHolder }
  if (Object.hasOwn(patched, RUNNER_HOOKS) && patched[RUNNER_HOOKS]) return patched[RUNNER_HOOKS]
  const holder: HooksHolder = { current: undefined }
  Object.defineProperty(patched, RUNNER_HOOKS, { value: holder })
  extend(proto, 'onBeforeRunSuite', (suite) => holder.current?.beforeSuite(suite))
  extend(proto, 'onBeforeTryTask', (test) => holder.current?.beforeTry(test))
  extend(proto, 'onAfterRetryTask', (test) => holder.current?.afterRetry(test))
  return holder
}

const COLLECT_START = Symbol.for('@orchestr8/testkit.collect-start')

/**
 * Runs `then` after each call of the runner's onCollectStart() (the preload's way): once per
 * prototype, so that a second preload does not install scopes twice.
 */
export function patchCollectStart(proto: unknown, then: () => void): void {
  if (typeof proto !== 'object' || proto === null)
    throw new TestkitError('ERR_UNSUPPORTED_VITEST', "testkit's preload found no Vitest TestRunner.prototype")
  if (Object.hasOwn(proto, COLLECT_START)) return
  Object.defineProperty(proto, COLLECT_START, { value: true })
  extend(proto as RunnerPrototype, 'onCollectStart', () => then())
}

export type SuiteHooks = (suite: unknown) => { aroundEach?: unknown[]; aroundAll?: unknown[] } | undefined

/**
 * Describe names and test name joined by ' > ', or null for a file. Vitest >= 4.1 gives it as
 * `fullTestName`; before that it is built from the task's describe blocks.
 */
export function testNameOf(task: TaskLike): string | null {
  if (task.fullTestName !== undefined) return task.fullTestName
  if (task.filepath !== undefined || task.name === undefined) return null
  const names = [task.name]
  for (let suite = task.suite; suite?.name !== undefined && suite.filepath === undefined; suite = suite.suite)
    names.unshift(suite.name)
  return names.join(' > ')
}

/** The file's name, describe names and test name, joined by ' > ' (Vitest >= 4.1: `fullName`). */
export function fullNameOf(task: TaskLike): string | undefined {
  if (task.fullName !== undefined) return task.fullName
  const test = testNameOf(task)
  return test === null ? task.name : `${task.file?.name ?? ''} > ${test}`
}

/** Concurrent tests need an async context, and a user's aroundEach must run inside the test's scope. */
export function needsAroundHook(suite: TaskLike, hooksOf: SuiteHooks): boolean {
  if ((hooksOf(suite)?.aroundEach?.length ?? 0) > 0) return true
  for (const task of suite.tasks ?? []) {
    if (task.concurrent) return true
    if (task.tasks !== undefined && needsAroundHook(task, hooksOf)) return true
  }
  return false
}
