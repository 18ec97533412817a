import { describe, expect, test } from 'vitest'
import { ResourceCategory, ResourceManager, ResourcePriority } from '../../src/index.js'

function recorder() {
  const order: string[] = []
  const cleanupOf = (id: string) => () => void order.push(id)
  return { order, cleanupOf }
}

describe('cleanup order', () => {
  test('a dependent is cleaned before its dependency, whatever the priorities', async () => {
    const { order, cleanupOf } = recorder()
    const manager = new ResourceManager()
    manager.register('server', cleanupOf('server'), { priority: ResourcePriority.CRITICAL })
    manager.register('client', cleanupOf('client'), {
      priority: ResourcePriority.LOW,
      dependencies: ['server'],
    })

    await manager.cleanup()

    expect(order).toEqual(['client', 'server'])
  })

  test('among resources free to go, lower priority number first', async () => {
    const { order, cleanupOf } = recorder()
    const manager = new ResourceManager()
    manager.register('low', cleanupOf('low'), { priority: ResourcePriority.LOW })
    manager.register('critical', cleanupOf('critical'), { priority: ResourcePriority.CRITICAL })
    manager.register('medium', cleanupOf('medium'), { priority: ResourcePriority.MEDIUM })
    manager.register('high', cleanupOf('high'), { priority: ResourcePriority.HIGH })

    await manager.cleanup()

    expect(order).toEqual(['critical', 'high', 'medium', 'low'])
  })

  test('equal priority: last registered, first cleaned', async () => {
    const { order, cleanupOf } = recorder()
    const manager = new ResourceManager()
    for (const id of ['first', 'second', 'third']) manager.register(id, cleanupOf(id))

    await manager.cleanup()

    expect(order).toEqual(['third', 'second', 'first'])
  })

  test('a dependency waits for an asynchronous dependent to settle', async () => {
    const { order, cleanupOf } = recorder()
    const manager = new ResourceManager({ concurrency: 4 })
    manager.register('pool', cleanupOf('pool'), { priority: ResourcePriority.CRITICAL })
    manager.register(
      'connection',
      async () => {
        await new Promise((resolve) => setTimeout(resolve, 20))
        order.push('connection')
      },
      { dependencies: ['pool'] },
    )

    await manager.cleanup()

    expect(order).toEqual(['connection', 'pool'])
  })

  test('a chain of dependencies is cleaned from the far end', async () => {
    const { order, cleanupOf } = recorder()
    const manager = new ResourceManager()
    manager.register('c', cleanupOf('c'), { dependencies: ['b'], priority: ResourcePriority.LOW })
    manager.register('b', cleanupOf('b'), { dependencies: ['a'], priority: ResourcePriority.LOW })
    manager.register('a', cleanupOf('a'), { priority: ResourcePriority.CRITICAL })

    await manager.cleanup()

    expect(order).toEqual(['c', 'b', 'a'])
  })

  test('a dependency that is not registered is reported in the result, not fatal', async () => {
    const { order, cleanupOf } = recorder()
    const manager = new ResourceManager()
    manager.register('client', cleanupOf('client'), { dependencies: ['server', 'cache'] })
    manager.register('cache', cleanupOf('cache'))

    const result = await manager.cleanup()

    expect(order).toEqual(['client', 'cache'])
    expect(result.success).toBe(true)
    expect(result.missingDependencies).toEqual([{ resourceId: 'client', dependency: 'server' }])
  })

  test('cleaning a dependency by category first cleans what depends on it, in any category', async () => {
    const { order, cleanupOf } = recorder()
    const manager = new ResourceManager()
    manager.register('server', cleanupOf('server'), { category: ResourceCategory.NETWORK })
    manager.register('query', cleanupOf('query'), {
      category: ResourceCategory.DATABASE,
      dependencies: ['server'],
    })
    manager.register('tmp', cleanupOf('tmp'), { category: ResourceCategory.FILE })

    const result = await manager.cleanupByCategory(ResourceCategory.NETWORK)

    expect(order).toEqual(['query', 'server'])
    expect(result.summary.network).toEqual({ success: 1, failed: 0 })
    expect(result.summary.database).toEqual({ success: 1, failed: 0 })
    expect(manager.getResourcesByCategory()).toMatchObject({ file: 1, network: 0, database: 0 })
  })

  test('cleanupBatch() cleans the named ids and their dependents, ignoring unknown ids', async () => {
    const { order, cleanupOf } = recorder()
    const manager = new ResourceManager()
    manager.register('server', cleanupOf('server'))
    manager.register('client', cleanupOf('client'), { dependencies: ['server'] })
    manager.register('other', cleanupOf('other'))

    const result = await manager.cleanupBatch(['server', 'nope'])

    expect(order).toEqual(['client', 'server'])
    expect(result.resourcesProcessed).toBe(2)
    expect(manager.getResourceCount()).toBe(1)
  })

  test('a dependent registered during a pass holds back its queued dependency', async () => {
    const { order, cleanupOf } = recorder()
    const manager = new ResourceManager()
    manager.register('server', cleanupOf('server'), { priority: ResourcePriority.LOW })
    manager.register(
      'spawner',
      () => {
        order.push('spawner')
        manager.register('late-client', cleanupOf('late-client'), {
          dependencies: ['server'],
          priority: ResourcePriority.LOW,
        })
      },
      { priority: ResourcePriority.CRITICAL },
    )

    const result = await manager.cleanup()

    expect(order).toEqual(['spawner', 'late-client', 'server'])
    expect(result.resourcesProcessed).toBe(3)
  })

  test('a dependency registered after its dependent still goes after it', async () => {
    const { order, cleanupOf } = recorder()
    const manager = new ResourceManager()
    manager.register('client', cleanupOf('client'), {
      dependencies: ['server'],
      priority: ResourcePriority.LOW,
    })
    manager.register('server', cleanupOf('server'), { priority: ResourcePriority.CRITICAL })

    await manager.cleanup()

    expect(order).toEqual(['client', 'server'])
  })

  test('unregistering a dependent frees its dependency to go by priority', async () => {
    const { order, cleanupOf } = recorder()
    const manager = new ResourceManager()
    manager.register('server', cleanupOf('server'), { priority: ResourcePriority.CRITICAL })
    manager.register('client', cleanupOf('client'), { dependencies: ['server'] })
    manager.register('other', cleanupOf('other'), { priority: ResourcePriority.HIGH })

    expect(manager.unregister('client')).toBe(true)
    await manager.cleanup()

    expect(order).toEqual(['server', 'other'])
  })

  test('with concurrency, independent resources of one priority run together, the next step after', async () => {
    const events: string[] = []
    const manager = new ResourceManager({ concurrency: 2 })
    const slow = (id: string) => async () => {
      events.push(`start ${id}`)
      await new Promise((resolve) => setTimeout(resolve, 10))
      events.push(`end ${id}`)
    }
    manager.register('low', slow('low'), { priority: ResourcePriority.LOW })
    manager.register('a', slow('a'), { priority: ResourcePriority.HIGH })
    manager.register('b', slow('b'), { priority: ResourcePriority.HIGH })
    manager.register('c', slow('c'), { priority: ResourcePriority.HIGH })

    await manager.cleanup()

    expect(events.slice(0, 2)).toEqual(['start c', 'start b'])
    expect(events.indexOf('start a')).toBeGreaterThan(
      Math.min(events.indexOf('end c'), events.indexOf('end b')),
    )
    expect(events.indexOf('start low')).toBeGreaterThan(events.lastIndexOf('end a'))
    expect(events.filter((event) => event.startsWith('end'))).toHaveLength(4)
  })

  test('a concurrency option on cleanup() overrides the manager default', async () => {
    let running = 0
    let peak = 0
    const manager = new ResourceManager()
    for (const id of ['a', 'b', 'c']) {
      manager.register(id, async () => {
        peak = Math.max(peak, ++running)
        await new Promise((resolve) => setTimeout(resolve, 10))
        running--
      })
    }

    await manager.cleanup({ concurrency: 3 })

    expect(peak).toBe(3)
  })

  test('several dependents of one resource all go before it', async () => {
    const { order, cleanupOf } = recorder()
    const manager = new ResourceManager()
    manager.register('pool', cleanupOf('pool'), { priority: ResourcePriority.CRITICAL })
    manager.register('conn-1', cleanupOf('conn-1'), {
      dependencies: ['pool'],
      priority: ResourcePriority.LOW,
    })
    manager.register('conn-2', cleanupOf('conn-2'), {
      dependencies: ['pool'],
      priority: ResourcePriority.LOW,
    })

    await manager.cleanup()

    expect(order).toEqual(['conn-2', 'conn-1', 'pool'])
  })

  test('a dependent registered while its dependency is being cleaned is still cleaned by that pass', async () => {
    const { order, cleanupOf } = recorder()
    const manager = new ResourceManager({ concurrency: 2 })
    manager.register('server', async () => {
      manager.register('late-client', cleanupOf('late-client'), { dependencies: ['server'] })
      await new Promise((resolve) => setTimeout(resolve, 20))
      order.push('server')
    })

    const result = await manager.cleanup()

    expect(order).toEqual(['late-client', 'server'])
    expect(result.resourcesProcessed).toBe(2)
  })
})
