import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import vm from 'node:vm'
import ts from 'typescript'
import { afterEach, expect, test } from 'vitest'
import { inMainRealm } from '../../src/vitest/realm.js'
import { cacheDirFor, loadWithCodeCache } from '../../src/vitest/runtime-loader.js'

const made: string[] = []
afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true })
})

/** A package file under a fresh node_modules, as npm installs testkit's runtime. */
function packageFile(source: string, name = 'runtime.cjs'): { root: string; file: string } {
  const root = mkdtempSync(join(tmpdir(), 'testkit-loader-'))
  made.push(root)
  const dist = join(root, 'node_modules', '@scope', 'pkg', 'dist')
  mkdirSync(dist, { recursive: true })
  const file = join(dist, name)
  writeFileSync(file, source)
  return { root, file }
}

// Uses what require() gives a CommonJS module: its own require, module, exports, __filename, __dirname.
const SOURCE = `
const { basename } = require('node:path')
exports.name = basename(__filename)
exports.dir = basename(__dirname)
exports.double = (n) => n * 2
module.exports.self = module.exports === exports
`

const cacheFiles = (root: string) =>
  readdirSync(join(root, 'node_modules', '.cache', '@orchestr8', 'testkit')).filter((name) =>
    name.endsWith('.v8cache'),
  )

test('runs a CommonJS file as require() would, and once per process', () => {
  // Builtins (with and without node:) and a file next to it, resolved from the file's own folder.
  const { file } = packageFile(
    `${SOURCE}\nexports.sibling = require('./sibling.cjs') + require('os').EOL.length\n`,
  )
  writeFileSync(join(dirname(file), 'sibling.cjs'), "module.exports = 'next door'")
  const loaded = loadWithCodeCache(file)
  expect(loaded.exports).toMatchObject({
    name: 'runtime.cjs',
    dir: 'dist',
    self: true,
    sibling: 'next door1',
  })
  expect((loaded.exports.double as (n: number) => number)(21)).toBe(42)
  expect(loaded.usedCache).toBe(false)
  expect(loadWithCodeCache(file)).toBe(loaded)
})

test("the cache goes to .cache/@orchestr8/testkit of the node_modules that holds the file, else the package's own", () => {
  expect(cacheDirFor('/p/node_modules/@orchestr8/testkit/dist/setup-runtime.cjs')).toBe(
    '/p/node_modules/.cache/@orchestr8/testkit',
  )
  expect(cacheDirFor('/p/node_modules/a/node_modules/b/dist/x.cjs')).toBe(
    '/p/node_modules/a/node_modules/.cache/@orchestr8/testkit',
  )
  expect(cacheDirFor('/repo/dist/setup-runtime.cjs')).toBe('/repo/node_modules/.cache/@orchestr8/testkit')
})

/** The loader as a CommonJS file, for a fresh process: it imports nothing, so transpiling is enough. */
function loaderInCommonJs(dir: string): string {
  const source = readFileSync(
    join(import.meta.dirname, '..', '..', 'src', 'vitest', 'runtime-loader.ts'),
    'utf8',
  )
  const { outputText } = ts.transpileModule(source, {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 },
  })
  const file = join(dir, 'loader.cjs')
  writeFileSync(file, outputText)
  return file
}

/** Loads `file` in a fresh process, as the next test file of a forks pool does. */
function loadInFreshProcess(loader: string, file: string, env: NodeJS.ProcessEnv = {}) {
  const script = `const loaded = require(${JSON.stringify(loader)}).loadWithCodeCache(${JSON.stringify(file)})
console.log(JSON.stringify({ used: loaded.usedCache, name: loaded.exports.name, twice: loaded.exports.double(4) }))
loaded.saveCache()`
  const result = spawnSync(process.execPath, ['-e', script], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
  })
  expect(result.stderr).toBe('')
  return JSON.parse(result.stdout) as { used: boolean; name: string; twice: number }
}

test('saveCache() writes one cache file, which the next process takes', () => {
  const { root, file } = packageFile(SOURCE)
  const loader = loaderInCommonJs(root)
  expect(loadInFreshProcess(loader, file)).toEqual({ used: false, name: 'runtime.cjs', twice: 8 })
  expect(cacheFiles(root)).toHaveLength(1)
  expect(loadInFreshProcess(loader, file)).toEqual({ used: true, name: 'runtime.cjs', twice: 8 })
  expect(cacheFiles(root)).toHaveLength(1)
})

test('a changed file misses its old cache, and its new cache replaces the old one', () => {
  const { root, file } = packageFile(SOURCE)
  const loader = loaderInCommonJs(root)
  loadInFreshProcess(loader, file)
  const [before] = cacheFiles(root)
  writeFileSync(file, `${SOURCE}\nexports.name = 'changed'\n`)
  expect(loadInFreshProcess(loader, file)).toEqual({ used: false, name: 'changed', twice: 8 })
  const after = cacheFiles(root)
  expect(after).toHaveLength(1)
  expect(after[0]).not.toBe(before)
})

test('a cache V8 rejects (corrupt) is ignored: the file still loads, and the cache is written again', () => {
  const { root, file } = packageFile(SOURCE)
  const loader = loaderInCommonJs(root)
  loadInFreshProcess(loader, file)
  const cache = join(root, 'node_modules', '.cache', '@orchestr8', 'testkit', cacheFiles(root)[0]!)
  writeFileSync(cache, Buffer.alloc(4096, 7))
  expect(loadInFreshProcess(loader, file)).toEqual({ used: false, name: 'runtime.cjs', twice: 8 })
  expect(loadInFreshProcess(loader, file)).toEqual({ used: true, name: 'runtime.cjs', twice: 8 })
})

test('TESTKIT_CODE_CACHE=0 requires the file as usual and writes no cache', () => {
  const { root, file } = packageFile(SOURCE)
  const loader = loaderInCommonJs(root)
  expect(loadInFreshProcess(loader, file, { TESTKIT_CODE_CACHE: '0' })).toEqual({
    used: false,
    name: 'runtime.cjs',
    twice: 8,
  })
  expect(existsSync(join(root, 'node_modules', '.cache'))).toBe(false)
})

test('a cache folder that cannot be written costs the cache, never the run', () => {
  const { root, file } = packageFile(SOURCE)
  const modules = join(root, 'node_modules')
  // A file where the .cache folder would go: mkdir fails, as on a read-only disk (root ignores modes).
  writeFileSync(join(modules, '.cache'), '')
  const loaded = loadWithCodeCache(file)
  expect(() => loaded.saveCache()).not.toThrow()
  expect(loaded.exports.name).toBe('runtime.cjs')
})

test("inMainRealm() is true in Node's main realm and false in a vm context, where the runtime loads through Vitest instead", () => {
  expect(inMainRealm()).toBe(true)
  const context = vm.createContext({ process })
  expect(vm.runInContext(`(${inMainRealm.toString()})()`, context)).toBe(false)
})
