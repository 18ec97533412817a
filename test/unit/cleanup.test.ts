import { afterEach, describe, expect, test, vi } from 'vitest'
import {
  ResourceCategory,
  ResourceCleanupError,
  ResourceManager,
  type TestkitError,
} from '../../src/index.js'

const never = () => new Promise<void>(() => {})

afterEach(() => {
  vi.useRealTimers()
})

describe('timeouts', () => {
  test('a cleanup that never settles times out and the pass moves on', async () => {
    const manager = new ResourceManager()
    const cleaned: string[] = []
    manager.register('stuck', never, { timeout: 30, category: ResourceCategory.NETWORK })
    manager.register('after', () => void cleaned.push('after'), { dependencies: ['stuck'] })
    manager.register('before', () => void cleaned.push('before'))

    const result = await manager.cleanup()

    expect(cleaned).toEqual(['before', 'after'])
    expect(result.success).toBe(false)
    expect(result.errors).toHaveLength(1)
    expect(result.errors[0]).toMatchObject({ resourceId: 'stuck', category: 'network', timeout: true })
    expect(result.errors[0]!.error).toMatchObject({
      code: 'ERR_RESOURCE_TIMEOUT',
      message: 'Cleanup of "stuck" did not settle within its timeout of 30 ms.',
    })
    expect(manager.getResourceCount()).toBe(0)
  })

  test("the manager's default timeout applies when a resource sets none", async () => {
    const manager = new ResourceManager({ defaultTimeout: 25 })
    manager.register('stuck', never)

    const result = await manager.cleanup()

    expect(result.errors[0]?.error.message).toContain('within its timeout of 25 ms')
  })

  test('the overall budget times out what runs and leaves what has not started registered', async () => {
    const manager = new ResourceManager()
    const cleaned: string[] = []
    manager.register('server', () => void cleaned.push('server'))
    manager.register('client', () => void cleaned.push('client'), { dependencies: ['server'] })
    manager.register('stuck', never, { timeout: 60_000 })
    manager.register('first', () => void cleaned.push('first'))

    const result = await manager.cleanup({ timeout: 40 })

    expect(cleaned).toEqual(['first'])
    expect(result.success).toBe(false)
    expect(result.errors.map((e) => [e.resourceId, e.timeout])).toEqual([['stuck', true]])
    expect(result.errors[0]!.error.message).toContain("the cleanup pass's budget of 40 ms")
    expect(result.skipped.sort()).toEqual(['client', 'server'])
    expect(manager.getResourceCount()).toBe(2)
    await manager.cleanup()
    expect(cleaned).toEqual(['first', 'client', 'server'])
  })

  test('a timed-out cleanup is never awaited again; its late outcome goes to onLateSettle', async () => {
    const late: Array<[string, string | undefined]> = []
    let settle: (fail: boolean) => void = () => {}
    const manager = new ResourceManager({ onLateSettle: (id, error) => late.push([id, error?.message]) })
    manager.register(
      'slow-ok',
      () =>
        new Promise<void>((resolve, reject) => {
          settle = (fail) => (fail ? reject(new Error('too late')) : resolve())
        }),
      { timeout: 20 },
    )
    manager.register(
      'slow-fail',
      () => new Promise<void>((_, reject) => setTimeout(() => reject('late'), 60)),
      {
        timeout: 20,
      },
    )

    const result = await manager.cleanup({ concurrency: 2 })
    settle(false)
    await vi.waitFor(() => expect(late).toHaveLength(2), { timeout: 5_000 })

    expect(result.errors.every((e) => e.timeout)).toBe(true)
    expect(late).toContainEqual(['slow-ok', undefined])
    expect(late).toContainEqual(['slow-fail', 'Cleanup threw a non-Error value: "late"'])
  })

  test("timeouts use Node's own timers, so fake timers in the test cannot stall them", async () => {
    vi.useFakeTimers()
    const manager = new ResourceManager()
    manager.register('stuck', never, { timeout: 20 })

    const result = await manager.cleanup()

    expect(result.errors[0]?.timeout).toBe(true)
  })
})

describe('errors', () => {
  test('a cleanup that throws or rejects is recorded and every other resource is still cleaned', async () => {
    const manager = new ResourceManager()
    const cleaned: string[] = []
    manager.register('a', () => void cleaned.push('a'))
    manager.register(
      'sync-throw',
      () => {
        throw new Error('disk full')
      },
      { category: ResourceCategory.FILE },
    )
    manager.register('b', () => void cleaned.push('b'))
    manager.register(
      'async-reject',
      async () => {
        throw new Error('connection reset')
      },
      { category: ResourceCategory.DATABASE },
    )
    manager.register('c', () => void cleaned.push('c'))

    const result = await manager.cleanup()

    expect(cleaned).toEqual(['c', 'b', 'a'])
    expect(result.success).toBe(false)
    expect(result.resourcesProcessed).toBe(5)
    expect(result.errors.map((e) => [e.resourceId, e.category, e.error.message, e.timeout])).toEqual([
      ['async-reject', 'database', 'connection reset', false],
      ['sync-throw', 'file', 'disk full', false],
    ])
    expect(result.summary.critical).toEqual({ success: 3, failed: 0 })
    expect(result.summary.file).toEqual({ success: 0, failed: 1 })
  })

  test('a thrown non-Error becomes an Error that keeps it as cause', async () => {
    const manager = new ResourceManager()
    manager.register('odd', () => {
      throw { reason: 'nope' }
    })

    const result = await manager.cleanup()

    const error = result.errors[0]!.error as TestkitError
    expect(error.code).toBe('ERR_CLEANUP_THREW_NON_ERROR')
    expect(error.message).toBe('Cleanup threw a non-Error value: {"reason":"nope"}')
    expect(error.cause).toEqual({ reason: 'nope' })
  })

  test('throwOnError makes cleanup() throw one error carrying every failure, after cleaning the rest', async () => {
    const manager = new ResourceManager()
    const cleaned: string[] = []
    manager.register('ok', () => void cleaned.push('ok'))
    manager.register('bad', () => {
      throw new Error('first')
    })
    manager.register('stuck', never, { timeout: 20, description: 'a hung socket' })

    const error = await manager.cleanup({ throwOnError: true }).catch((e: unknown) => e)

    expect(error).toBeInstanceOf(ResourceCleanupError)
    const aggregate = error as ResourceCleanupError
    expect(aggregate.code).toBe('ERR_RESOURCE_CLEANUP')
    expect(aggregate.errors.map((e) => e.resourceId)).toEqual(['stuck', 'bad'])
    expect(aggregate.message).toBe(
      '2 cleanups failed:\n' +
        '  - "stuck" (critical) timed out: Cleanup of "stuck" did not settle within its timeout of 20 ms.\n' +
        '  - "bad" (critical): first',
    )
    expect(aggregate.cause).toBe(aggregate.errors[0]!.error)
    expect(aggregate.result.resourcesProcessed).toBe(3)
    expect(cleaned).toEqual(['ok'])
  })

  test('throwOnError with one failure uses the singular', async () => {
    const manager = new ResourceManager()
    manager.register('bad', () => Promise.reject(new Error('x')))

    await expect(manager.cleanup({ throwOnError: true })).rejects.toThrow(/^1 cleanup failed:/)
  })

  test('throwOnError does not throw when everything was cleaned', async () => {
    const manager = new ResourceManager()
    manager.register('ok', () => {})

    await expect(manager.cleanup({ throwOnError: true })).resolves.toMatchObject({ success: true })
  })

  test('a cleanup returning a thenable that is not a Promise is awaited', async () => {
    const manager = new ResourceManager()
    let done = false
    const thenable = {
      // biome-ignore lint/suspicious/noThenProperty: a user's custom thenable is what this test needs
      then(resolve: () => void) {
        setTimeout(() => {
          done = true
          resolve()
        }, 5)
      },
    }
    manager.register('custom', () => thenable as unknown as Promise<void>)

    const result = await manager.cleanup()

    expect(done).toBe(true)
    expect(result.success).toBe(true)
  })
})

describe('await using', () => {
  test('disposing the manager cleans it and closes the scope', async () => {
    const cleaned: string[] = []
    let leaks: ReturnType<ResourceManager['detectLeaks']> = []
    {
      await using manager = new ResourceManager()
      manager.register('tmp', () => void cleaned.push('tmp'))
      manager.registerProcessHandlers()
      leaks = manager.detectLeaks()
    }

    expect(leaks).toEqual([])
    expect(cleaned).toEqual(['tmp'])
  })

  test('disposing throws the aggregate error when a cleanup failed', async () => {
    const manager = new ResourceManager()
    manager.register('bad', () => {
      throw new Error('nope')
    })

    await expect(manager[Symbol.asyncDispose]()).rejects.toMatchObject({ code: 'ERR_RESOURCE_CLEANUP' })
    manager.register('after-close', () => {})
    expect(manager.detectLeaks().map((leak) => [leak.id, leak.reason])).toEqual([['after-close', 'closed']])
  })
})

test("a category may be given by its name ('network') wherever a ResourceCategory is taken: the types accept it too", async () => {
  const manager = new ResourceManager()
  const log: string[] = []
  manager.register('server', () => void log.push('server'), { category: 'network' })
  manager.registerBatch([{ id: 'dir', cleanup: () => void log.push('dir'), category: 'file', priority: 1 }])

  expect(manager.getResourcesByCategory()).toMatchObject({ network: 1, file: 1 })
  await manager.cleanupByCategory('file')
  expect(log).toEqual(['dir'])
})
