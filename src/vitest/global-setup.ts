import { resolve } from 'node:path'
import type { TestProject } from 'vitest/node'
import { fromTransport, resolveOptions, type TransportedOptions, toTransport } from '../config/options.js'
import { type BaselineEntry, readBaseline } from '../report/baseline.js'
import { hasErrors, TestkitScopeError } from '../report/format.js'
import { setRunScope } from '../scope/current.js'
import { Scope, settingsFor } from '../scope/scope.js'
import { timed } from './main-cost.js'

/**
 * Global setup: validates the options at start-up, hands them to the workers when the plugin did not,
 * and owns the run's scope: resources registered in global setup files are cleaned at the very end.
 */
export function setupRun(project: TestProject): () => Promise<void> {
  return timed(() => startRun(project))
}

function startRun(project: TestProject): () => Promise<void> {
  const provided = project.config.provide?.testkitOptions as TransportedOptions | undefined
  const options = provided ? fromTransport(provided) : resolveOptions()
  if (provided === undefined) project.provide('testkitOptions', toTransport(options))
  project.provide('testkitRoot', project.config.root)
  // Read once here, so that a malformed baseline stops the run at start-up.
  const baseline: BaselineEntry[] =
    options.baseline === false ? [] : readBaseline(resolve(project.config.root, options.baseline))
  project.provide('testkitBaseline', baseline)
  const scope = new Scope('run', settingsFor(options, undefined))
  setRunScope(scope)
  return async () => {
    setRunScope(undefined)
    const record = await scope.close()
    if (record !== undefined && hasErrors(record)) throw new TestkitScopeError(record, project.config.root)
  }
}
