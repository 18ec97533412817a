import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { expect, test } from 'vitest'

const run = promisify(execFile)
const root = join(import.meta.dirname, '..', '..')

test('the resource-manager example cleans in dependency and priority order and reports what failed', async () => {
  const { stdout } = await run(process.execPath, [join(root, 'examples', 'resource-manager.mjs')], {
    cwd: root,
    timeout: 30_000,
  })

  const cleaned = stdout.match(/cleaning [\w-]+/g)
  expect(cleaned).toEqual([
    'cleaning flaky-db',
    'cleaning stuck-close',
    'cleaning scratch-dir',
    'cleaning echo-client',
    'cleaning echo-server',
  ])
  expect(stdout).toContain('Cleaned 5 in')
  expect(stdout).toContain('FAILED flaky-db (database): connection already closed')
  expect(stdout).toContain('TIMED OUT stuck-close (critical)')
  expect(stdout).toMatch(/late-timer \(timer\) registered at .*examples\/resource-manager\.mjs:\d+/)
  expect(stdout).toContain('registered 6, cleaned 3, failed 1, timed out 1, peak live 5')
})
