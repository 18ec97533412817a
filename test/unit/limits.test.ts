import { readdirSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { describe, expect, test } from 'vitest'
import { resolveOptions } from '../../src/config/options.js'
import {
  ResourceCategory,
  ResourceLimitError,
  ResourceManager,
  useProcess,
  useResource,
  useTempDir,
} from '../../src/index.js'
import { setTestScope } from '../../src/scope/current.js'
import { Scope, settingsFor } from '../../src/scope/scope.js'

/** Pids of this process's children, from /proc. */
const childPids = () =>
  readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .filter((pid) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === process.pid
      } catch {
        return false
      }
    })
    .map(Number)

const noop = () => {}

describe('per-category limits', () => {
  test('at the hard limit register() throws a ResourceLimitError and registers nothing; a batch is all or nothing', () => {
    const manager = new ResourceManager({ limits: { process: { hard: 2 } } })
    manager.register('a', noop, { category: ResourceCategory.PROCESS })
    manager.register('b', noop, { category: ResourceCategory.PROCESS })

    expect(() => manager.register('c', noop, { category: ResourceCategory.PROCESS })).toThrow(
      expect.objectContaining({
        code: 'ERR_RESOURCE_LIMIT',
        category: 'process',
        limit: 2,
        message:
          'The process category is at its hard limit of 2 live resources: 2 live, 1 more asked. Release some first, or await acquire().',
      }),
    )
    expect(() => manager.register('c', noop, { category: ResourceCategory.PROCESS })).toThrow(
      ResourceLimitError,
    )
    manager.unregister('b')
    expect(() =>
      manager.registerBatch([
        { id: 'd', cleanup: noop, category: ResourceCategory.PROCESS, priority: 2 },
        { id: 'e', cleanup: noop, category: ResourceCategory.PROCESS, priority: 2 },
      ]),
    ).toThrow(expect.objectContaining({ code: 'ERR_RESOURCE_LIMIT' }))
    expect(manager.getResourceCount()).toBe(1)
    // Other categories are not limited.
    manager.register('f', noop, { category: ResourceCategory.FILE })
  })

  test('past the soft limit onSoftLimit is called once per crossing', async () => {
    const calls: string[] = []
    const manager = new ResourceManager({
      limits: { timer: { soft: 1 } },
      onSoftLimit: (category, live, limit) => void calls.push(`${category} ${live}/${limit}`),
    })
    manager.register('t1', noop, { category: ResourceCategory.TIMER })
    manager.register('t2', noop, { category: ResourceCategory.TIMER })
    manager.register('t3', noop, { category: ResourceCategory.TIMER })
    await manager.cleanup()
    manager.register('t4', noop, { category: ResourceCategory.TIMER })
    manager.register('t5', noop, { category: ResourceCategory.TIMER })

    expect(calls).toEqual(['timer 2/1', 'timer 2/1'])
  })

  test('by default the soft limit is a process warning with code TESTKIT_SOFT_LIMIT', async () => {
    const warnings: Error[] = []
    const listener = (warning: Error) => void warnings.push(warning)
    process.on('warning', listener)
    try {
      const manager = new ResourceManager({ limits: { network: { soft: 1, hard: 5 } } })
      manager.register('s1', noop, { category: ResourceCategory.NETWORK })
      manager.register('s2', noop, { category: ResourceCategory.NETWORK })
      await new Promise((resolve) => setImmediate(resolve))
    } finally {
      process.off('warning', listener)
    }

    expect(warnings.map((w) => [(w as Error & { code: string }).code, w.message])).toEqual([
      ['TESTKIT_SOFT_LIMIT', '2 live network resources, past the soft limit of 1.'],
    ])
  })

  test('acquire() resolves at once with room, else when a resource of the category goes, in order', async () => {
    const manager = new ResourceManager({ limits: { process: { hard: 1 } } })
    await manager.acquire('process')
    manager.register('p1', noop, { category: ResourceCategory.PROCESS })
    const order: string[] = []
    const first = manager.acquire('process').then(() => void order.push('first'))
    const second = manager.acquire('process').then(() => void order.push('second'))
    // A resource of another category leaving frees nothing here.
    manager.register('f1', noop, { category: ResourceCategory.FILE })
    manager.unregister('f1')
    await new Promise((resolve) => setImmediate(resolve))
    expect(order).toEqual([])

    await manager.cleanupBatch(['p1'])
    await first
    expect(order).toEqual(['first'])
    // `first` registers nothing: its room passes to `second` at the next macrotask.
    await second

    expect(order).toEqual(['first', 'second'])
    // Categories without a hard limit never wait.
    await manager.acquire('timer')
    await new ResourceManager().acquire('timer')
  })

  test('an acquire() whose caller never registers holds its room only until the next macrotask: the next waiter gets it', async () => {
    const manager = new ResourceManager({ limits: { process: { hard: 1 } } })
    manager.register('p1', noop, { category: ResourceCategory.PROCESS })
    const served: string[] = []
    const idle = manager.acquire('process').then(() => void served.push('idle'))
    const next = manager.acquire('process').then(() => void served.push('next'))

    await manager.cleanupBatch(['p1'])
    await idle
    expect(served).toEqual(['idle'])
    // `idle` registers nothing: no resource goes, yet `next` is served.
    await next
    expect(served).toEqual(['idle', 'next'])
  })

  test('acquire() calls in one tick share the room: two of a hard limit of 2 resolve, the third waits for their grants to lapse', async () => {
    const manager = new ResourceManager({ limits: { process: { hard: 2 } } })
    const served: string[] = []
    const calls = ['a', 'b', 'c'].map((name) => manager.acquire('process').then(() => void served.push(name)))

    await Promise.all(calls.slice(0, 2))
    expect(served).toEqual(['a', 'b'])
    // Neither registered: at the next macrotask their room passes to the third.
    await calls[2]
    expect(served).toEqual(['a', 'b', 'c'])
  })

  test('a new acquire() waits behind one that was served and has not registered yet', async () => {
    const manager = new ResourceManager({ limits: { process: { hard: 1 } } })
    manager.register('p1', noop, { category: ResourceCategory.PROCESS })
    const served: string[] = []
    const first = manager.acquire('process').then(() => {
      served.push('first')
      manager.register('p2', noop, { category: ResourceCategory.PROCESS })
    })
    manager.unregister('p1')
    // `first` holds the room now, though its continuation has not run: the newcomer queues.
    const late = manager.acquire('process').then(() => void served.push('late'))
    await first
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(served).toEqual(['first'])
    expect(manager.getResourceCount()).toBe(1)

    manager.unregister('p2')
    await late
    expect(served).toEqual(['first', 'late'])
  })

  test('acquire() rejects with a ResourceLimitError when no room comes within its timeout; the queue forgets it', async () => {
    const manager = new ResourceManager({ limits: { database: { hard: 1 } } })
    manager.register('db', noop, { category: ResourceCategory.DATABASE })

    await expect(manager.acquire('database', 30)).rejects.toThrow(
      'The database category is at its hard limit of 1 live resources: no room after waiting 30 ms in acquire().',
    )
    manager.unregister('db')
    manager.register('db2', noop, { category: ResourceCategory.DATABASE })
  })

  test('bad limits and bad acquire() arguments are InvalidArgumentErrors naming them', () => {
    const bad = (limits: unknown) => () => new ResourceManager({ limits: limits as never })
    expect(bad(3)).toThrow('Option limits must be an object of { soft?, hard? } per category, got 3.')
    expect(bad({ sockets: { hard: 1 } })).toThrow(
      'Option limits has an unknown category "sockets"; expected one of \'database\'',
    )
    expect(bad({ process: { hard: 0 } })).toThrow(
      'Option limits.process must hold whole numbers above 0, got {"hard":0}.',
    )
    expect(bad({ process: { soft: 1.5 } })).toThrow(/whole numbers above 0/)
    expect(bad({ process: null })).not.toThrow()
    expect(bad({ process: { soft: 3, hard: 2 } })).toThrow(
      'Option limits.process: soft (3) must not be above hard (2).',
    )
    expect(() => new ResourceManager({ onSoftLimit: 'warn' as never })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }),
    )
    const manager = new ResourceManager()
    expect(() => manager.acquire('sockets' as never)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }),
    )
    expect(() => manager.acquire('timer', -1)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }),
    )
  })
})

describe("the testkit() option: limits shared by a test file's scopes", () => {
  test('scopes made with the same settings count against one limit; acquire() in one waits for room another frees', async () => {
    const settings = settingsFor(resolveOptions({ limits: { process: { hard: 1 } } }, {}))
    const file = new Scope('file', settings)
    const test1 = new Scope('test', settings)
    file.manager.register('server-process', noop, { category: ResourceCategory.PROCESS })

    expect(() => test1.manager.register('p', noop, { category: ResourceCategory.PROCESS })).toThrow(
      ResourceLimitError,
    )
    let served = false
    const waiting = test1.manager.acquire('process', 5_000).then(() => {
      served = true
    })
    await new Promise((resolve) => setImmediate(resolve))
    expect(served).toBe(false)

    await file.close()
    await waiting
    expect(served).toBe(true)
    test1.manager.register('p', noop, { category: ResourceCategory.PROCESS })
    await test1.close()
    // Scopes of other settings (another test file) have limits of their own.
    const other = new Scope('test', settingsFor(resolveOptions({ limits: { process: { hard: 1 } } }, {})))
    other.manager.register('q', noop, { category: ResourceCategory.PROCESS })
    await other.close()
  })

  test('TESTKIT_LIMITS gives them as JSON; bad JSON or bad limits name the option', () => {
    expect(resolveOptions({}, { TESTKIT_LIMITS: '{"process":{"soft":2,"hard":4}}' }).limits).toEqual({
      process: { soft: 2, hard: 4 },
    })
    expect(resolveOptions({}, {}).limits).toBeUndefined()
    expect(() => resolveOptions({}, { TESTKIT_LIMITS: '{process: 4}' })).toThrow(
      'testkit option "limits (from TESTKIT_LIMITS)" must be JSON of { soft?, hard? } per category, got "{process: 4}".',
    )
    expect(() => resolveOptions({ limits: { process: { hard: 0 } } }, {})).toThrow(
      'Option limits.process must hold whole numbers above 0, got {"hard":0}.',
    )
  })
})

test('at the hard limit useProcess() starts no child', async () => {
  const scope = new Scope('test', settingsFor(resolveOptions({ limits: { process: { hard: 1 } } }, {})))
  setTestScope(scope)
  try {
    useProcess(process.execPath, ['-e', 'setInterval(() => {}, 1000)'])
    let refused: unknown
    const before = new Set(childPids())
    try {
      useProcess(process.execPath, ['-e', 'setInterval(() => {}, 1000)'])
    } catch (error) {
      refused = error
    }
    expect(refused).toBeInstanceOf(ResourceLimitError)
    expect(childPids().filter((pid) => !before.has(pid))).toEqual([])
  } finally {
    setTestScope(undefined)
    await scope.close()
  }
})

test('at the hard limit useTempDir() makes no directory and useResource() does not run its factory', async () => {
  const limits = { file: { hard: 1 }, critical: { hard: 1 } }
  const scope = new Scope('test', settingsFor(resolveOptions({ limits }, {})))
  setTestScope(scope)
  const prefix = `testkit-limit-${process.pid}-`
  const made = () => readdirSync(tmpdir()).filter((name) => name.startsWith(prefix))
  try {
    await useTempDir({ prefix })
    await expect(useTempDir({ prefix })).rejects.toBeInstanceOf(ResourceLimitError)
    expect(made()).toHaveLength(1)
    useResource(1, () => {})
    let calls = 0
    expect(() =>
      useResource(
        () => ++calls,
        () => {},
      ),
    ).toThrow(ResourceLimitError)
    expect(calls).toBe(0)
  } finally {
    setTestScope(undefined)
    await scope.close()
  }
  expect(made()).toEqual([])
})
