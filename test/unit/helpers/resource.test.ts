import { describe, expect, test } from 'vitest'
import { ResourceCategory, ResourcePriority, useResource } from '../../../src/index.js'
import { TestkitScopeError } from '../../../src/report/format.js'
import type { ScopeRecord } from '../../../src/report/model.js'
import { scopePerTest } from './test-scope.js'

const scope = scopePerTest()

describe('forms', () => {
  test('a value is registered as it is; cleanup receives it once', async () => {
    const value = { name: 'connection' }
    const released: unknown[] = []

    const resource = useResource(value, (v) => void released.push(v))
    const record = await scope().close()

    expect(resource.value).toBe(value)
    expect(released).toEqual([value])
    expect(released[0]).toBe(value)
    expect(record).toMatchObject({ resources: 1, cleanupErrors: [] })
  })

  test('a sync factory is called once, at once, and what it made is the value', async () => {
    let made = 0
    const released: number[] = []

    const resource = useResource(
      () => ++made,
      (v) => void released.push(v),
    )
    expect(resource).not.toBeInstanceOf(Promise)
    expect(resource.value).toBe(1)
    await scope().close()

    expect(made).toBe(1)
    expect(released).toEqual([1])
  })

  test('an async factory returns a promise; cleanup receives the resolved value', async () => {
    const released: string[] = []

    const resource = await useResource(
      async () => 'opened',
      (v) => void released.push(v),
    )
    await scope().close()

    expect(resource.value).toBe('opened')
    expect(released).toEqual(['opened'])
  })

  test('a factory that rejects registers nothing', async () => {
    await expect(
      useResource(
        async () => {
          throw new Error('cannot open')
        },
        () => {},
      ),
    ).rejects.toThrow('cannot open')
    expect(scope().isUsed).toBe(false)
  })

  test('await using cleans it at the end of the block', async () => {
    const log: string[] = []
    {
      await using resource = useResource('r', (v) => void log.push(`cleaned ${v}`))
      log.push(`using ${resource.value}`)
    }
    log.push('after block')

    expect(log).toEqual(['using r', 'cleaned r', 'after block'])
    expect(scope().manager.getResourceCount()).toBe(0)
  })
})

describe('options', () => {
  test('the category lands in the manager; the default is critical', () => {
    useResource(1, () => {}, { category: ResourceCategory.NETWORK })
    useResource(2, () => {})

    expect(scope().manager.getResourcesByCategory()).toMatchObject({ network: 1, critical: 1 })
  })

  test('priority orders cleanup over registration order', async () => {
    const order: string[] = []
    useResource('high', (v) => void order.push(v), { priority: ResourcePriority.HIGH })
    useResource('low', (v) => void order.push(v), { priority: ResourcePriority.LOW })

    await scope().close()

    // Without priorities the last registered would go first.
    expect(order).toEqual(['high', 'low'])
  })

  test('category and description are what a failed cleanup is reported with', async () => {
    useResource(
      'socket',
      () => {
        throw new Error('already closed')
      },
      { category: ResourceCategory.NETWORK, description: 'upstream socket' },
    )

    const record = await scope().close()

    expect(record?.cleanupErrors).toEqual([
      expect.objectContaining({
        category: 'network',
        description: 'upstream socket',
        message: 'already closed',
        stack: expect.stringMatching(/^Error: already closed\n\s+at .*resource\.test\.ts:\d+/),
        severity: 'error',
      }),
    ])
  })

  test("a failed cleanup keeps its error's stack and cause: in the record, and as the scope error's cause", async () => {
    useResource('db', () => {
      throw new Error('close failed', { cause: new Error('socket hang up') })
    })

    const record = (await scope().close()) as ScopeRecord
    const [failure] = record.cleanupErrors

    expect(failure?.stack).toMatch(/^Error: close failed\n\s+at .*resource\.test\.ts/)
    expect(failure?.stack).toContain('Caused by: Error: socket hang up')
    const error = new TestkitScopeError(record)
    expect(error.message).toContain('failed: close failed')
    expect(error.cause).toMatchObject({ message: 'close failed', stack: failure?.stack })
  })

  test('dispose() of a failing cleanup throws ERR_RESOURCE_CLEANUP with the failure as cause', async () => {
    const failure = new Error('already closed')
    const resource = useResource('x', () => {
      throw failure
    })

    const thrown = await resource.dispose().catch((error: unknown) => error)

    expect(thrown).toMatchObject({ code: 'ERR_RESOURCE_CLEANUP', cause: failure })
    expect(scope().manager.getResourceCount()).toBe(0)
  })
})

describe('arguments', () => {
  test('a cleanup that is not a function is an InvalidArgumentError; the factory is not called', () => {
    let made = 0

    expect(() => useResource(() => ++made, 'close' as unknown as () => void)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }),
    )
    expect(made).toBe(0)
  })

  test('an unknown category is an InvalidArgumentError; the factory is not called', () => {
    let made = 0

    expect(() =>
      useResource(
        () => ++made,
        () => {},
        { category: 'sockets' as ResourceCategory },
      ),
    ).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }))
    expect(made).toBe(0)
    expect(scope().isUsed).toBe(false)
  })
})
