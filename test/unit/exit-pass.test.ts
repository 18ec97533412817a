import { describe, expect, test } from 'vitest'
import { ResourceManager, ResourcePriority } from '../../src/index.js'

// What registerProcessHandlers() runs in a dying process; the process side is covered by
// test/integration/process-exit.test.ts, the pass itself here.
const cleanupForExit = Symbol.for('@orchestr8/testkit.cleanupForExit')
type ExitPass = (budget: number) => ReturnType<ResourceManager['cleanup']>
const exitPass = (manager: ResourceManager) =>
  (manager as unknown as Record<symbol, ExitPass>)[cleanupForExit]!.bind(manager)

describe('the exit pass', () => {
  test('runs independent cleanups at once, so one hung cleanup does not hold back the others', async () => {
    const cleaned: string[] = []
    const manager = new ResourceManager({ defaultTimeout: 60_000 })
    manager.register('marker', () => void cleaned.push('marker'), { priority: ResourcePriority.LOW })
    manager.register('hangs', () => new Promise(() => {}), { priority: ResourcePriority.CRITICAL })

    const result = await exitPass(manager)(100)

    expect(cleaned).toEqual(['marker'])
    expect(result.errors.map((e) => [e.resourceId, e.timeout])).toEqual([['hangs', true]])
  })

  test('still keeps dependents before their dependencies', async () => {
    const cleaned: string[] = []
    const manager = new ResourceManager()
    manager.register('server', () => void cleaned.push('server'), { priority: ResourcePriority.CRITICAL })
    manager.register(
      'client',
      async () => {
        await new Promise((resolve) => setTimeout(resolve, 10))
        cleaned.push('client')
      },
      { dependencies: ['server'] },
    )

    await exitPass(manager)(1_000)

    expect(cleaned).toEqual(['client', 'server'])
  })

  test('takes over what a running cleanup() had claimed but not started, within its own budget', async () => {
    const cleaned: string[] = []
    const manager = new ResourceManager()
    manager.register('waiting', () => void cleaned.push('waiting'))
    manager.register('slow', () => new Promise(() => {}), { timeout: 300 })
    const running = manager.cleanup()

    const exit = await exitPass(manager)(100)

    expect(cleaned).toEqual(['waiting'])
    expect(exit.resourcesProcessed).toBe(1)
    const earlier = await running
    expect(earlier.resourcesProcessed).toBe(1)
    expect(earlier.errors[0]).toMatchObject({ resourceId: 'slow', timeout: true })
    expect(manager.getResourceCount()).toBe(0)
  })
})
