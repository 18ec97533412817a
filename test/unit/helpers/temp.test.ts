import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readFile, realpath, rm, stat, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { basename, dirname, join } from 'node:path'
import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import { useTempDir, useTempFile } from '../../../src/index.js'
import { scopePerTest } from './test-scope.js'

const scope = scopePerTest()

describe('useTempDir', () => {
  test('creates a directory in the system temp dir; cleanup removes it with everything inside', async () => {
    const { path } = await useTempDir()
    expect((await stat(path)).isDirectory()).toBe(true)
    expect(dirname(path)).toBe(await realpath(tmpdir()))
    await mkdir(join(path, 'a', 'b'), { recursive: true })
    await writeFile(join(path, 'a', 'b', 'file.txt'), 'x')

    const record = await scope().close()

    expect(record).toMatchObject({ resources: 1, cleanupErrors: [] })
    expect(existsSync(path)).toBe(false)
  })

  test('the name starts with the prefix (default testkit-) and ends with the postfix', async () => {
    const named = await useTempDir({ prefix: 'my-prefix-', postfix: '.data' })
    const plain = await useTempDir()

    expect(basename(named.path)).toMatch(/^my-prefix-.*\.data$/)
    expect(basename(plain.path)).toMatch(/^testkit-/)
  })

  test('a directory the test removed itself is no cleanup error', async () => {
    const { path } = await useTempDir()
    await rm(path, { recursive: true })

    const record = await scope().close()

    expect(record?.cleanupErrors).toEqual([])
  })

  test('await using removes it at the end of the block', async () => {
    let path = ''
    {
      await using dir = await useTempDir()
      path = dir.path
      expect(existsSync(path)).toBe(true)
    }
    expect(existsSync(path)).toBe(false)
    expect(scope().manager.getResourceCount()).toBe(0)
  })
})

describe('links out of the temp dir are never followed', () => {
  let outside: string

  beforeEach(async () => {
    // Made by hand, not by the helper under test, and removed by hand.
    outside = await mkdtemp(join(tmpdir(), 'testkit-outside-'))
    await writeFile(join(outside, 'keep.txt'), 'precious')
  })

  afterEach(async () => {
    await rm(outside, { recursive: true, force: true })
  })

  test('a symlink inside the temp dir to a directory outside: the link goes, the target stays', async () => {
    const { path } = await useTempDir()
    await symlink(outside, join(path, 'link'), 'dir')

    const record = await scope().close()

    expect(record?.cleanupErrors).toEqual([])
    expect(existsSync(path)).toBe(false)
    expect(await readFile(join(outside, 'keep.txt'), 'utf8')).toBe('precious')
  })

  test('a temp dir the test replaced by a link to elsewhere: only the link is removed', async () => {
    const { path } = await useTempDir()
    await rm(path, { recursive: true })
    await symlink(outside, path, 'dir')

    const record = await scope().close()

    expect(record?.cleanupErrors).toEqual([])
    expect(existsSync(path)).toBe(false)
    expect(await readFile(join(outside, 'keep.txt'), 'utf8')).toBe('precious')
  })
})

describe('useTempFile', () => {
  test('creates an empty file; cleanup removes it', async () => {
    const { path } = await useTempFile()
    expect((await stat(path)).size).toBe(0)
    await writeFile(path, 'written by the test')

    const record = await scope().close()

    expect(record).toMatchObject({ resources: 1, cleanupErrors: [] })
    expect(existsSync(path)).toBe(false)
  })

  test('prefix and postfix name the file', async () => {
    const { path } = await useTempFile({ prefix: 'report-', postfix: '.json' })

    expect(basename(path)).toMatch(/^report-.*\.json$/)
  })

  test('dispose() removes it now; a second call does nothing', async () => {
    const file = await useTempFile()

    await file.dispose()
    await file.dispose()

    expect(existsSync(file.path)).toBe(false)
    expect(scope().manager.getResourceCount()).toBe(0)
  })
})
