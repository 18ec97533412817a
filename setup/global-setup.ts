// The file users name in `globalSetup` (the testkit() plugin adds it for them).
import type { TestProject } from 'vitest/node'
import { setupRun } from '../src/vitest/global-setup.js'

export default function setup(project: TestProject): () => Promise<void> {
  return setupRun(project)
}
