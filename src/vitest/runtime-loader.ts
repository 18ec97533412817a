// Loads the setup runtime (one CommonJS file) with V8's code cache. Vitest's forks pool starts a fresh
// process for every test file, so without a cache each file parses the runtime again and compiles
// every function it calls: about a third of what testkit costs a test file (see README, Overhead).
// Builtins through process.getBuiltinModule(): this file is required by the setup entry, before
// anything else of testkit is loaded.
const fs = process.getBuiltinModule('node:fs')
const path = process.getBuiltinModule('node:path')
const vm = process.getBuiltinModule('node:vm')
const { createRequire } = process.getBuiltinModule('node:module')

/** A module loaded by loadWithCodeCache(). */
export interface CachedModule {
  readonly exports: Record<string, unknown>
  /** Whether V8 took the cache: false when there was none, it was stale or it was rejected. */
  readonly usedCache: boolean
  /**
   * Writes the cache when it was not used, with every function compiled so far: call it once the
   * module has done its work (a test file's end). Never throws; a read-only disk means no cache.
   */
  saveCache(): void
}

/**
 * Where the cache of `file` goes: `.cache/@orchestr8/testkit` in the `node_modules` folder that holds
 * it, as other tools keep theirs; outside one (this repository's own dist/), the package's own
 * node_modules. Never a shared temporary folder: another user could plant code there.
 */
export function cacheDirFor(file: string): string {
  const parts = file.split(path.sep)
  const at = parts.lastIndexOf('node_modules')
  const modules =
    at >= 0
      ? parts.slice(0, at + 1).join(path.sep)
      : path.join(path.dirname(path.dirname(file)), 'node_modules')
  return path.join(modules, '.cache', '@orchestr8', 'testkit')
}

/** A short hash of a path (FNV-1a): two copies of the file in one node_modules never share a cache. */
function pathHash(text: string): string {
  let hash = 0x811c9dc5
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193)
  return (hash >>> 0).toString(36)
}

/**
 * The cache file for this file as it is now and this Node: a change of either misses. (V8 itself
 * checks only the source's length and its own flags before it takes a cache.)
 */
function cacheFileFor(file: string, stat: { size: number; mtimeMs: number }): string {
  const key = `${path.basename(file)}-${pathHash(file)}-${stat.size}-${Math.trunc(stat.mtimeMs)}-${process.version}-${process.arch}`
  return path.join(cacheDirFor(file), `${key}.v8cache`)
}

/** Removes the caches of earlier versions of the same file: one cache per file stays. */
function removeStale(current: string, file: string): void {
  const dir = path.dirname(current)
  const prefix = `${path.basename(file)}-${pathHash(file)}-`
  for (const name of fs.readdirSync(dir)) {
    const other = path.join(dir, name)
    if (other !== current && name.startsWith(prefix) && name.endsWith('.v8cache'))
      fs.rmSync(other, { force: true })
  }
}

/**
 * Runs the CommonJS file `file` as require() would (its own `require`, `module`, `exports`,
 * `__filename`, `__dirname`), compiled with the code cache V8 left last time when there is one.
 * `TESTKIT_CODE_CACHE=0` turns the cache off (the file is then required as usual).
 */
export function loadWithCodeCache(file: string): CachedModule {
  // Like require(): once per process.
  let module = loaded.get(file)
  if (module === undefined) {
    module = load(file)
    loaded.set(file, module)
  }
  return module
}

// Process-global: the setup entry (which Vitest evaluates afresh for every file under isolate: false)
// holds its own copy of this code, and each copy must find what another loaded.
const LOADED = Symbol.for('@orchestr8/testkit.code-cached-modules')
const holder = globalThis as typeof globalThis & { [LOADED]?: Map<string, CachedModule> }
holder[LOADED] ??= new Map()
const loaded = holder[LOADED] as Map<string, CachedModule>

/**
 * The module's require(): builtins straight from Node, anything else through a require made for the
 * file on first need (making one costs a fresh test worker ~0.2 ms, and the runtime needs builtins only).
 */
function requireFor(file: string): (id: string) => unknown {
  let fromFile: NodeJS.Require | undefined
  return (id) => {
    const builtin = process.getBuiltinModule(id)
    if (builtin !== undefined) return builtin
    fromFile ??= createRequire(file)
    return fromFile(id)
  }
}

function load(file: string): CachedModule {
  if (process.env.TESTKIT_CODE_CACHE === '0') {
    return { exports: createRequire(file)(file) as Record<string, unknown>, usedCache: false, saveCache() {} }
  }
  const require = requireFor(file)
  const source = fs.readFileSync(file, 'utf8')
  const cacheFile = cacheFileFor(file, fs.statSync(file))
  let cachedData: Buffer | undefined
  try {
    cachedData = fs.readFileSync(cacheFile)
  } catch {
    // No cache yet.
  }
  // The same wrapper as Node's CommonJS loader, so that line numbers in stacks stay the file's.
  const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
    filename: file,
    cachedData,
  })
  const usedCache = cachedData !== undefined && script.cachedDataRejected === false
  const module = { exports: {} as Record<string, unknown>, filename: file, id: file, loaded: false }
  const wrapper = script.runInThisContext() as (...args: unknown[]) => void
  wrapper.call(module.exports, module.exports, require, module, file, path.dirname(file))
  module.loaded = true
  let saved = usedCache
  return {
    exports: module.exports,
    usedCache,
    saveCache() {
      if (saved) return
      saved = true
      try {
        fs.mkdirSync(path.dirname(cacheFile), { recursive: true })
        // Written aside and renamed: workers that start meanwhile read a whole file or none.
        const partial = `${cacheFile}.${process.pid}.tmp`
        fs.writeFileSync(partial, script.createCachedData())
        fs.renameSync(partial, cacheFile)
        removeStale(cacheFile, file)
      } catch {
        // A read-only or full disk: every file compiles the runtime, as without the cache.
      }
    },
  }
}
