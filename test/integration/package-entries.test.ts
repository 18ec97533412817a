import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { expect, test } from 'vitest'

const root = join(import.meta.dirname, '..', '..')

/** What each entry point gives, loaded by package name in a fresh Node process (the package's own exports). */
function load(how: 'require' | 'import'): Record<string, string> {
  const entries = ['', '/vitest', '/reporter', '/global-setup']
  const script =
    how === 'require'
      ? `const out = {}
         for (const entry of ${JSON.stringify(entries)}) {
           const m = require('@orchestr8/testkit' + entry)
           out[entry || '.'] = typeof m + ':' + (typeof m === 'function' ? m.name : Object.keys(m).sort().slice(0, 3).join(','))
         }
         console.log(JSON.stringify(out))`
      : `const out = {}
         for (const entry of ${JSON.stringify(entries)}) {
           const m = await import('@orchestr8/testkit' + entry)
           out[entry || '.'] = m.default === undefined ? 'module:' + Object.keys(m).sort().slice(0, 3).join(',') : typeof m.default + ':' + m.default.name
         }
         console.log(JSON.stringify(out))`
  const args = how === 'require' ? ['-e', script] : ['--input-type=module', '-e', script]
  return JSON.parse(execFileSync(process.execPath, args, { cwd: root, encoding: 'utf8' }))
}

test('require() of each entry gives what its types say: the reporter class and the global setup function themselves', () => {
  const loaded = load('require')

  expect(loaded['/reporter']).toBe('function:TestkitReporter')
  expect(loaded['/global-setup']).toBe('function:setup')
  expect(loaded['/vitest']).toMatch(/^object:/)
  expect(loaded['.']).toMatch(/^object:/)
})

test('import() of each entry gives the same as default exports', () => {
  const loaded = load('import')

  expect(loaded['/reporter']).toBe('function:TestkitReporter')
  expect(loaded['/global-setup']).toBe('function:setup')
  expect(loaded['/vitest']).toMatch(/^module:/)
})
