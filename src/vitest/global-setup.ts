import { resolve } from 'node:path'
import type { TestProject } from 'vitest/node'
import { fromTransport, resolveOptions, type TransportedOptions, toTransport } from '../config/options.js'
import { type BaselineEntry, readBaseline } from '../report/baseline.js'
import { hasErrors, leftBy, scopeFailureMessage, TestkitScopeError } from '../report/format.js'
import { setRunScope } from '../scope/current.js'
import { Scope, settingsFor } from '../scope/scope.js'
import { takeFallbackScope } from '../scope/state.js'
import { timed } from './main-cost.js'

/**
 * Global setup: validates the options at start-up, hands them to the workers when the plugin did not,
 * and owns the run's scope: resources registered in global setup files are cleaned at the very end.
 * The plugin does the same from its configureVitest hook (startProject); a global setup file listed
 * beside the plugin then leaves the run's scope to it.
 */
export function setupRun(project: TestProject): () => Promise<void> {
  return timed(() => startProject(project) ?? (async () => {}))
}

const BY = leftBy('run')
// Set while a run's scope is open (plugin or global setup file, whichever came first; per process).
const RUN_OPEN = Symbol.for('@orchestr8/testkit.run-scope-open')
const holder = globalThis as typeof globalThis & { [RUN_OPEN]?: true }

/**
 * Hands the options, the root and the baseline to the project's workers, and starts the run's scope
 * unless one is open. Returns what ends that scope (throws the scope's cleanup errors), or undefined
 * when the scope was already open.
 */
export function startProject(project: TestProject): (() => Promise<void>) | undefined {
  const provided = project.config.provide?.testkitOptions as TransportedOptions | undefined
  const options = provided ? fromTransport(provided) : resolveOptions()
  if (provided === undefined) project.provide('testkitOptions', toTransport(options))
  // Vitest's root, not the project's: the reporter writes paths, and finds the baseline, from there,
  // so that projects with roots of their own (a monorepo's packages) share one baseline with it.
  const root = project.vitest.config.root
  project.provide('testkitRoot', root)
  // Read once here, so that a malformed baseline stops the run at start-up; not when the run rewrites
  // it (TESTKIT_UPDATE_BASELINE=1, which the error tells the user to run): every leak is accepted then.
  const baseline: BaselineEntry[] =
    options.baseline === false || options.updateBaseline ? [] : readBaseline(resolve(root, options.baseline))
  project.provide('testkitBaseline', baseline)
  if (holder[RUN_OPEN]) return undefined
  holder[RUN_OPEN] = true
  // What was registered before (in the config, say) belongs to the run too.
  const scope = takeFallbackScope() ?? new Scope('run', settingsFor(options, undefined))
  setRunScope(scope)
  return async () => {
    setRunScope(undefined)
    delete holder[RUN_OPEN]
    const record = await scope.close()
    if (record === undefined) return
    if (hasErrors(record)) {
      // The tests are done by now: the run's exit code is what a failed run-wide cleanup can still change.
      process.exitCode = 1
      throw new TestkitScopeError(record, root, BY)
    }
    if (record.cleanupErrors.length > 0 || record.leaks.length > 0)
      console.warn(scopeFailureMessage(record, root, BY, 'warning'))
  }
}
