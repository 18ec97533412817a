// Typical mistakes, each one a test. testkit finds what went wrong, cleans what is left, and the
// reporter says which test and which line; the rest of the suite is unharmed.
import { spawn } from 'node:child_process'
import { openSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { trackPool, useResource, useServer } from '@orchestr8/testkit'
import Database from 'better-sqlite3'
import { createPool } from 'generic-pool'
import { afterAll, describe, expect, test } from 'vitest'

const sqlitePool = createPool({
  create: async () => new Database(':memory:'),
  destroy: async (db) => void db.close(),
})
const pool = trackPool(sqlitePool, 'sqlite pool')
afterAll(async () => {
  await sqlitePool.drain()
  await sqlitePool.clear()
})

describe('database', () => {
  test('forgets to release a pooled connection', async () => {
    const db = await pool.acquire()
    expect(db.prepare('select 1 as one').get()).toEqual({ one: 1 })
    // Mistake: no pool.release(db). testkit releases it after the test and reports where it was taken.
  })

  test('the next test still finds the pool whole', async () => {
    expect(sqlitePool.borrowed).toBe(0)
  })
})

describe('cleanup', () => {
  test('a cleanup that throws', () => {
    useResource(
      { handle: 1 },
      () => {
        throw new Error('handle already closed')
      },
      { description: 'a handle closed twice' },
    )
  })

  test('a close() whose callback never comes', async () => {
    const { server } = await useServer(createServer())
    useResource(server, () => new Promise(() => {}), {
      description: 'waits for an event that never fires',
      timeout: 200,
    })
  })
})

// Nothing registered at all: testkit notices what each test started and left running.
describe('forgotten', () => {
  test('an interval that is never cleared', () => {
    setInterval(() => {}, 1_000)
  })

  test('a server that is never closed', async () => {
    const server = createServer()
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  })

  test('a child process that is never stopped', () => {
    spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'])
  })

  // The file goes after the suite: the descriptor left open on it is the mistake on show.
  const path = join(tmpdir(), 'testkit-demo-notes.txt')
  afterAll(() => rmSync(path, { force: true }))
  test('a file that is never closed', () => {
    writeFileSync(path, 'notes')
    // Never closed: testkit reports the descriptor (it cannot know who else uses it, so it leaves it).
    openSync(path, 'r')
  })

  test('the next test runs with none of them left', () => {
    expect(process.getActiveResourcesInfo().filter((type) => type === 'TCPServerWrap')).toEqual([])
  })
})
