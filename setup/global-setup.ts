// The file users name in `globalSetup` (the testkit() plugin adds it for them).
import type { TestProject } from 'vitest/node'
import { setupRun } from '../src/vitest/global-setup.js'

/** Vitest global setup: opens the run's scope, and returns the teardown that ends it. */
export default function setup(project: TestProject): () => Promise<void> {
  return setupRun(project)
}
