// Every helper used well: each resource is registered where it is made, and cleaned after the test
// (after its afterEach hooks), in the right order, whatever happens in the test.
import { readFile, writeFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import { join } from 'node:path'
import {
  trackPool,
  useDatabase,
  useEventListener,
  useInterval,
  useProcess,
  useResource,
  useServer,
  useTempDir,
  useTempFile,
  useTimeout,
  useWorker,
} from '@orchestr8/testkit'
import Database from 'better-sqlite3'
import { createPool } from 'generic-pool'
import { beforeAll, describe, expect, test } from 'vitest'

test('a temp dir and a temp file, removed after the test', async () => {
  const dir = await useTempDir({ prefix: 'example-' })
  const file = await useTempFile({ postfix: '.json' })
  await writeFile(join(dir.path, 'data.txt'), 'hello')
  await writeFile(file.path, '{}')

  expect(await readFile(join(dir.path, 'data.txt'), 'utf8')).toBe('hello')
})

test('an http server on a free loopback port, closed with its open connections', async () => {
  const { url } = await useServer(createServer((_req, res) => res.end('ok')))

  const response = await fetch(url)

  expect(await response.text()).toBe('ok')
})

test('a child process tree, stopped with SIGTERM then SIGKILL', async () => {
  const sleeper = useProcess(process.execPath, ['-e', 'setInterval(() => {}, 1000)'])

  expect(sleeper.pid).toBeGreaterThan(0)
})

test('a worker thread, terminated after the test', async () => {
  const { worker } = useWorker(new URL('data:text/javascript,setInterval(() => {}, 1000)'))

  await new Promise((resolve) => worker.once('online', resolve))
  expect(worker.threadId).toBeGreaterThan(0)
})

test('timers and listeners, cleared and removed', () => {
  let ticks = 0
  useInterval(() => ticks++, 10_000)
  useTimeout(() => ticks++, 10_000)
  useEventListener(process, 'SIGUSR2', () => {})

  expect(ticks).toBe(0)
})

test('await using releases at the end of the block, before the test ends', async () => {
  let closed = false
  {
    await using resource = useResource({ name: 'connection' }, () => {
      closed = true
    })
    expect(resource.value.name).toBe('connection')
  }
  expect(closed).toBe(true)
})

describe('a database and a pool', () => {
  const sqlitePool = createPool(
    { create: async () => new Database(':memory:'), destroy: async (db) => void db.close() },
    { max: 2 },
  )
  const pool = trackPool(sqlitePool, 'sqlite pool')
  // Registered in beforeAll: owned by the file, drained after its afterAll hooks.
  beforeAll(() => {
    useResource(
      sqlitePool,
      async (p) => {
        await p.drain()
        await p.clear()
      },
      { description: 'sqlite pool' },
    )
  })

  test('an embedded database, closed after the test', () => {
    const { db } = useDatabase(
      () => new Database(':memory:'),
      (db) => db.close(),
    )

    expect(db.prepare('select 1 + 1 as two').get()).toEqual({ two: 2 })
  })

  test('a pooled connection, given back before the test ends', async () => {
    const db = await pool.acquire()
    try {
      expect(db.prepare('select 2 as n').get()).toEqual({ n: 2 })
    } finally {
      await pool.release(db)
    }
  })
})
