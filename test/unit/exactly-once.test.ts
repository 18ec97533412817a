import { describe, expect, test } from 'vitest'
import { ResourceCategory, ResourceManager, ResourcePriority } from '../../src/index.js'

function counter() {
  const calls = new Map<string, number>()
  const cleanupOf =
    (id: string, delay = 0) =>
    async () => {
      calls.set(id, (calls.get(id) ?? 0) + 1)
      if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay))
    }
  return { calls, cleanupOf }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

describe('each cleanup runs at most once', () => {
  test('repeated and concurrent passes never run a cleanup twice', async () => {
    const { calls, cleanupOf } = counter()
    const manager = new ResourceManager()
    manager.register('db', cleanupOf('db', 10), { category: ResourceCategory.DATABASE })
    manager.register('tmp', cleanupOf('tmp', 5), { category: ResourceCategory.FILE })
    manager.register('srv', cleanupOf('srv'), { category: ResourceCategory.NETWORK, dependencies: ['db'] })

    const results = await Promise.all([
      manager.cleanup(),
      manager.cleanupByCategory(ResourceCategory.DATABASE),
      manager.cleanupBatch(['tmp', 'srv']),
      manager.cleanup(),
    ])
    const again = await manager.cleanup()

    expect(Object.fromEntries(calls)).toEqual({ db: 1, tmp: 1, srv: 1 })
    expect(results.reduce((sum, result) => sum + result.resourcesProcessed, 0)).toBe(3)
    expect(again.resourcesProcessed).toBe(0)
  })

  test('a second concurrent cleanup() resolves only once the first pass has cleaned everything', async () => {
    const { calls, cleanupOf } = counter()
    const manager = new ResourceManager()
    manager.register('slow', cleanupOf('slow', 30))

    const first = manager.cleanup()
    const second = await manager.cleanup()

    expect(second.resourcesProcessed).toBe(0)
    expect(calls.get('slow')).toBe(1)
    expect(manager.getResourceCount()).toBe(0)
    expect((await first).resourcesProcessed).toBe(1)
  })

  test('a dependency taken by a later pass waits for its dependent in an earlier pass', async () => {
    const order: string[] = []
    const manager = new ResourceManager()
    manager.register('server', () => void order.push('server'))
    manager.register(
      'client',
      async () => {
        await new Promise((resolve) => setTimeout(resolve, 20))
        order.push('client')
      },
      { dependencies: ['server'] },
    )

    const batch = manager.cleanupBatch(['client'])
    await manager.cleanup()
    await batch

    expect(order).toEqual(['client', 'server'])
  })

  test('a resource registered from inside a cleanup is cleaned by the same pass', async () => {
    const { calls, cleanupOf } = counter()
    const manager = new ResourceManager()
    manager.register('parent', async () => {
      await cleanupOf('parent')()
      manager.register('child', cleanupOf('child'))
    })

    const result = await manager.cleanup()

    expect(Object.fromEntries(calls)).toEqual({ parent: 1, child: 1 })
    expect(result.resourcesProcessed).toBe(2)
    expect(manager.getResourceCount()).toBe(0)
  })

  test('a resource registered while only a partial pass runs stays registered for the next cleanup', async () => {
    const { calls, cleanupOf } = counter()
    const manager = new ResourceManager()
    manager.register('tmp', () => manager.register('made-late', cleanupOf('made-late')), {
      category: ResourceCategory.FILE,
    })

    await manager.cleanupByCategory(ResourceCategory.FILE)

    expect(manager.getResourceCount()).toBe(1)
    await manager.cleanup()
    expect(calls.get('made-late')).toBe(1)
  })

  test('unregister() returns false for unknown ids and for resources already being cleaned', async () => {
    const manager = new ResourceManager()
    let unregisterDuringCleanup: boolean | undefined
    manager.register('self', () => {
      unregisterDuringCleanup = manager.unregister('self')
    })

    expect(manager.unregister('missing')).toBe(false)
    await manager.cleanup()

    expect(unregisterDuringCleanup).toBe(false)
  })

  test('unregister() forgets a resource a running pass has taken but not started: not cleaned, not counted', async () => {
    const log: string[] = []
    const manager = new ResourceManager()
    manager.register('b', () => void log.push('b'), { priority: ResourcePriority.LOW })
    manager.register(
      'a',
      async () => {
        log.push('a start')
        await sleep(30)
      },
      { priority: ResourcePriority.CRITICAL },
    )

    const pass = manager.cleanup()
    await sleep(5)
    const isUnregistered = manager.unregister('b')
    const result = await pass

    expect(isUnregistered).toBe(true)
    expect(log).toEqual(['a start'])
    expect(result).toMatchObject({ success: true, resourcesProcessed: 1, skipped: [] })
    expect(manager.getResourceCount()).toBe(0)
  })

  test('a dependency unregistered while its dependent is being cleaned leaves the pass uncleaned', async () => {
    const log: string[] = []
    const manager = new ResourceManager()
    manager.register('server', () => void log.push('server'))
    manager.register(
      'client',
      async () => {
        await sleep(30)
        log.push('client')
      },
      { dependencies: ['server'] },
    )

    const pass = manager.cleanup()
    await sleep(5)
    const isUnregistered = manager.unregister('server')
    const result = await pass

    expect(isUnregistered).toBe(true)
    expect(log).toEqual(['client'])
    expect(result.resourcesProcessed).toBe(1)
  })

  test('a dependent unregistered while it waits in a pass frees its dependency, which the pass still cleans', async () => {
    const log: string[] = []
    const manager = new ResourceManager()
    manager.register('server', () => void log.push('server'), { priority: ResourcePriority.CRITICAL })
    manager.register('client', () => void log.push('client'), {
      priority: ResourcePriority.LOW,
      dependencies: ['server'],
    })
    manager.register('slow', () => sleep(30).then(() => void log.push('slow')), {
      priority: ResourcePriority.CRITICAL,
    })

    const pass = manager.cleanup()
    await sleep(5)
    const isUnregistered = manager.unregister('client')
    const result = await pass

    expect(isUnregistered).toBe(true)
    expect(log).toEqual(['slow', 'server'])
    expect(result).toMatchObject({ resourcesProcessed: 2, missingDependencies: [] })
  })

  test('a dependency unregistered before its dependent starts is reported missing by that dependent', async () => {
    const manager = new ResourceManager()
    manager.register('server', () => {}, { priority: ResourcePriority.LOW })
    manager.register('client', () => {}, { priority: ResourcePriority.LOW, dependencies: ['server'] })
    manager.register('slow', () => sleep(30), { priority: ResourcePriority.CRITICAL })

    const pass = manager.cleanup()
    await sleep(5)
    manager.unregister('server')
    const result = await pass

    expect(result.missingDependencies).toEqual([{ resourceId: 'client', dependency: 'server' }])
    expect(result.resourcesProcessed).toBe(2)
  })

  test('an unregistered resource is not cleaned, and its id can be registered again', async () => {
    const { calls, cleanupOf } = counter()
    const manager = new ResourceManager()
    manager.register('x', cleanupOf('old'))

    expect(manager.unregister('x')).toBe(true)
    manager.register('x', cleanupOf('new'))
    await manager.cleanup()

    expect(Object.fromEntries(calls)).toEqual({ new: 1 })
  })
})

describe('a call that waits for resources another pass is cleaning', () => {
  const failsAfter = (ms: number, error: Error) => () => sleep(ms).then(() => Promise.reject(error))

  test('reports their failures too, as the same errors the pass that ran them reports', async () => {
    const failure = new Error('slow failed')
    const manager = new ResourceManager()
    manager.register('slow', failsAfter(40, failure))

    const first = manager.cleanup()
    const second = await manager.cleanup()
    const firstResult = await first

    expect(second.success).toBe(false)
    expect(second.errors.map((e) => [e.resourceId, e.error])).toEqual([['slow', failure]])
    expect(firstResult).toMatchObject({ success: false, resourcesProcessed: 1 })
    expect(firstResult.errors.map((e) => [e.resourceId, e.error])).toEqual([['slow', failure]])
    // Counted by the pass that ran it only.
    expect(second.resourcesProcessed).toBe(0)
    expect(second.summary.critical).toEqual({ success: 0, failed: 0 })
  })

  test('throws them under throwOnError', async () => {
    const manager = new ResourceManager()
    manager.register('slow', failsAfter(40, new Error('slow failed')))

    const first = manager.cleanup()
    const second = manager.cleanup({ throwOnError: true })

    await expect(second).rejects.toMatchObject({
      code: 'ERR_RESOURCE_CLEANUP',
      errors: [expect.objectContaining({ resourceId: 'slow' })],
    })
    expect((await first).success).toBe(false)
  })

  test('reports only what it waited for, not every failure of the other pass', async () => {
    const manager = new ResourceManager()
    manager.register('fails', failsAfter(40, new Error('boom')), { category: ResourceCategory.NETWORK })
    manager.register('tmp', () => sleep(40), { category: ResourceCategory.FILE })

    const first = manager.cleanup({ concurrency: 2 })
    const files = await manager.cleanupByCategory(ResourceCategory.FILE)

    expect(files).toMatchObject({ success: true, errors: [] })
    expect((await first).errors.map((e) => e.resourceId)).toEqual(['fails'])
  })

  test("lists as skipped what it waited for and the other pass's budget left uncleaned", async () => {
    const manager = new ResourceManager()
    manager.register('stuck', () => new Promise(() => {}), { priority: ResourcePriority.CRITICAL })
    manager.register('later', () => {}, { priority: ResourcePriority.LOW })

    const first = manager.cleanup({ timeout: 30 })
    const second = await manager.cleanup()

    expect(second.success).toBe(false)
    expect(second.errors.map((e) => [e.resourceId, e.timeout])).toEqual([['stuck', true]])
    expect(second.skipped).toEqual(['later'])
    expect((await first).skipped).toEqual(['later'])
  })
})
