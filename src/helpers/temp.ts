import { sep } from 'node:path'
import { describe, InvalidArgumentError, TestkitError } from '../core/errors.js'
import { ResourceCategory, ResourcePriority } from '../core/types.js'
import { assertOptions } from '../core/validate.js'
import { roomFor, type Tracked, track } from './track.js'

// Not an import: each ESM import of a builtin costs a fresh test worker a module facade.
const { lstat, realpath, rm, unlink } = process.getBuiltinModule('node:fs/promises')
const { tmpdir } = process.getBuiltinModule('node:os')

/** A temporary directory, removed recursively when the test ends. */
export interface TempDir extends Tracked {
  readonly path: string
}

/** A temporary file, removed when the test ends. */
export interface TempFile extends Tracked {
  readonly path: string
}

/** Options of `useTempDir()` and `useTempFile()`. */
export interface TempOptions {
  /** Start of the generated name. Default 'testkit-'. */
  prefix?: string
  /** End of the generated name (e.g. '.json'). */
  postfix?: string
}

/**
 * Removes `path` if it is still inside the temp root. A symlink is removed as a link, never followed:
 * a test that replaced its temp dir by a link to elsewhere cannot make cleanup delete elsewhere.
 */
async function removeInside(path: string, root: string): Promise<void> {
  const stat = await lstat(path).catch(() => undefined)
  if (stat === undefined) return
  if (stat.isSymbolicLink()) return unlink(path)
  const real = await realpath(path)
  if (!real.startsWith(root + sep)) {
    throw new TestkitError(
      'ERR_TEMP_OUTSIDE_ROOT',
      `Refusing to remove ${path}: it resolves to ${real}, outside the temp root ${root}.`,
    )
  }
  // rm() removes links it meets inside the tree as links; it does not follow them.
  await rm(real, { recursive: true, force: true })
}

let tempRoot: Promise<string> | undefined
const realTempRoot = () => {
  tempRoot ??= realpath(tmpdir())
  return tempRoot
}

/** Registers removal of a created temp path in the current scope. */
function trackTempPath(kind: 'dir' | 'file', path: string, root: string): TempDir {
  return {
    path,
    ...track(`temp-${kind}`, () => removeInside(path, root), {
      category: ResourceCategory.FILE,
      priority: ResourcePriority.LOW,
      description: `temp ${kind} ${path}`,
    }),
  }
}

function checkTempOptions(helper: string, options: unknown): asserts options is TempOptions {
  assertOptions(`${helper}() options`, options)
  for (const key of ['prefix', 'postfix'] as const) {
    const value = (options as Record<string, unknown>)[key]
    if (value !== undefined && typeof value !== 'string') {
      throw new InvalidArgumentError(`${helper}() option "${key}" must be a string, got ${describe(value)}.`)
    }
  }
}

/** Creates a temporary directory for this test; it is removed recursively when the test ends. */
export async function useTempDir(options: TempOptions = {}): Promise<TempDir> {
  checkTempOptions('useTempDir', options)
  roomFor(ResourceCategory.FILE)
  const root = await realTempRoot()
  // Loaded on first use: a test file that makes no temp path does not pay for tmp-promise.
  const { dir } = await import('tmp-promise')
  const created = await dir({ prefix: options.prefix ?? 'testkit-', postfix: options.postfix, tmpdir: root })
  return trackTempPath('dir', created.path, root)
}

/** Creates an empty temporary file for this test; it is removed when the test ends. */
export async function useTempFile(options: TempOptions = {}): Promise<TempFile> {
  checkTempOptions('useTempFile', options)
  roomFor(ResourceCategory.FILE)
  const root = await realTempRoot()
  const { file } = await import('tmp-promise')
  const created = await file({
    prefix: options.prefix ?? 'testkit-',
    postfix: options.postfix,
    tmpdir: root,
    discardDescriptor: true,
  })
  return trackTempPath('file', created.path, root)
}
