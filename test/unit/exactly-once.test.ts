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
