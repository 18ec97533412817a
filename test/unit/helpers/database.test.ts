import { existsSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import genericPool from 'generic-pool'
import { describe, expect, test } from 'vitest'
import { trackPool, useDatabase, useTempDir } from '../../../src/index.js'
import { defaultSettings, setTestScope } from '../../../src/scope/current.js'
import { Scope } from '../../../src/scope/scope.js'
import { scopePerTest } from './test-scope.js'

const scope = scopePerTest()

type Db = InstanceType<typeof Database>

/** A generic-pool of better-sqlite3 connections to a file in a fresh temp dir of the current scope. */
async function sqlitePool() {
  const dir = await useTempDir()
  return genericPool.createPool<Db>(
    {
      create: async () => new Database(join(dir.path, 'pool.db')),
      destroy: async (db) => void db.close(),
    },
    { max: 2 },
  )
}

async function drain(pool: genericPool.Pool<Db>): Promise<void> {
  await pool.drain()
  await pool.clear()
}

describe('useDatabase', () => {
  test('a better-sqlite3 file database is open during the test and closed at cleanup, before its temp dir goes', async () => {
    const dir = await useTempDir()
    const file = join(dir.path, 'test.db')
    const { db } = useDatabase(
      () => new Database(file),
      (db) => db.close(),
    )
    db.exec('create table t (x)')
    db.prepare('insert into t values (?)').run(42)
    expect(db.open).toBe(true)

    const record = await scope().close()

    expect(record).toMatchObject({ resources: 2, cleanupErrors: [] })
    expect(db.open).toBe(false)
    expect(existsSync(file)).toBe(false)
  })

  test('an async open returns a promise of the handle', async () => {
    const dir = await useTempDir()
    const opening = useDatabase(
      async () => new Database(join(dir.path, 'async.db')),
      (db) => db.close(),
    )
    expect(opening).toBeInstanceOf(Promise)
    const { db } = await opening

    await scope().close()

    expect(db.open).toBe(false)
  })

  test('an open or close that is not a function is an InvalidArgumentError; nothing is opened', () => {
    let opened = 0
    const open = () => ++opened

    expect(() => useDatabase(open, 'close' as unknown as () => void)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }),
    )
    expect(opened).toBe(0)
    expect(scope().isUsed).toBe(false)
  })
})

describe('trackPool', () => {
  test('a connection still acquired at the end is a PoolConnection leak, and it goes back to the pool', async () => {
    const pool = await sqlitePool()
    try {
      const tracked = trackPool(pool, 'sqlite pool')
      const db = await tracked.acquire()
      expect(tracked.checkedOut).toBe(1)
      expect(pool.borrowed).toBe(1)

      const record = await scope().close()

      expect(record?.cleanupErrors).toEqual([])
      expect(record?.leaks).toHaveLength(1)
      expect(record?.leaks[0]).toMatchObject({
        category: 'database',
        type: 'PoolConnection',
        action: 'cleaned',
        severity: 'error',
        message: 'A connection of sqlite pool was still checked out when the test ended.',
      })
      expect(record?.leaks[0]?.origin?.file).toMatch(/database\.test\.ts$/)
      expect(tracked.checkedOut).toBe(0)
      expect(pool.borrowed).toBe(0)
      expect(pool.available).toBe(1)
      await drain(pool)
      expect(db.open).toBe(false)
    } finally {
      await drain(pool)
    }
  })

  test('under autoClean: false a connection still acquired is reported and stays checked out until the test releases it', async () => {
    const pool = await sqlitePool()
    const own = new Scope('test', { ...defaultSettings, autoClean: false })
    setTestScope(own)
    try {
      const tracked = trackPool(pool, 'sqlite pool')
      const db = await tracked.acquire()

      const record = await own.close()

      expect(record?.leaks).toEqual([
        expect.objectContaining({ type: 'PoolConnection', action: 'reported', severity: 'error' }),
      ])
      expect(pool.borrowed).toBe(1)
      await tracked.release(db)
      expect(pool.borrowed).toBe(0)
      expect(pool.available).toBe(1)
    } finally {
      setTestScope(scope())
      await drain(pool)
    }
  })

  test('a late release() of a connection testkit already returned is a no-op, not a second release', async () => {
    const pool = await sqlitePool()
    try {
      const tracked = trackPool(pool)
      const db = await tracked.acquire()
      await scope().close()
      expect(pool.borrowed).toBe(0)

      // generic-pool rejects a release of a connection it does not lend out.
      await expect(pool.release(db)).rejects.toThrow()
      await expect(tracked.release(db)).resolves.toBeUndefined()
      expect(pool.available).toBe(1)
    } finally {
      await drain(pool)
    }
  })

  test('a released connection is not reported', async () => {
    const pool = await sqlitePool()
    try {
      const tracked = trackPool(pool)
      const db = await tracked.acquire()
      db.exec('create table if not exists t (x)')
      await tracked.release(db)

      const record = await scope().close()

      expect(record?.leaks).toEqual([])
      expect(record?.cleanupErrors).toEqual([])
      expect(tracked.checkedOut).toBe(0)
      expect(pool.borrowed).toBe(0)
    } finally {
      await drain(pool)
    }
  })

  test('a connection belongs to the scope that acquired it, wherever it is released', async () => {
    const pool = await sqlitePool()
    const first = new Scope('test', defaultSettings)
    const second = new Scope('test', defaultSettings)
    try {
      const tracked = trackPool(pool)
      setTestScope(first)
      const db = await tracked.acquire()
      setTestScope(second)
      await tracked.release(db)

      expect((await first.close())?.leaks).toEqual([])
      expect(second.isUsed).toBe(false)
      expect(pool.borrowed).toBe(0)
    } finally {
      setTestScope(scope())
      await drain(pool)
    }
  })

  test('acquire works when taken off the wrapper, as a callback would be', async () => {
    const pool = await sqlitePool()
    try {
      const { acquire, release } = trackPool(pool)

      const db = await acquire()
      await release(db)

      expect(pool.borrowed).toBe(0)
    } finally {
      await drain(pool)
    }
  })

  test('a pool without acquire and release functions is an InvalidArgumentError', () => {
    expect(() => trackPool({} as genericPool.Pool<Db>)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }),
    )
  })
})
