import type { TestProject } from 'vitest/node'
import { resolveOptions, toTransport } from '../config/options.js'
import { hasErrors, TestkitScopeError } from '../report/format.js'
import { setRunScope } from '../scope/current.js'
import { Scope, settingsFor } from '../scope/scope.js'

/**
 * Global setup: validates the options at start-up, hands them to the workers when the plugin did not,
 * and owns the run's scope: resources registered in global setup files are cleaned at the very end.
 */
export function setupRun(project: TestProject): () => Promise<void> {
  const options = resolveOptions()
  if (project.config.provide?.testkitOptions === undefined) {
    project.provide('testkitOptions', toTransport(options))
  }
  project.provide('testkitRoot', project.config.root)
  const scope = new Scope('run', settingsFor(options, undefined))
  setRunScope(scope)
  return async () => {
    setRunScope(undefined)
    const record = await scope.close()
    if (record !== undefined && hasErrors(record)) throw new TestkitScopeError(record, project.config.root)
  }
}
