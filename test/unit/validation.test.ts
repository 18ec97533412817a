import { describe, expect, test } from 'vitest'
import {
  type ResourceCategory,
  type ResourceDefinition,
  ResourceManager,
  type ResourceOptions,
  ResourcePriority,
  TestkitError,
} from '../../src/index.js'

const noop = () => {}

function thrownBy(fn: () => unknown): TestkitError {
  try {
    fn()
  } catch (error) {
    expect(error).toBeInstanceOf(TestkitError)
    return error as TestkitError
  }
  throw new Error('expected a throw')
}

describe('register() rejects bad input with a coded error naming the value', () => {
  test.each([
    ['an empty id', '', noop, undefined, /Resource id must be a non-empty string, got ""/],
    ['a numeric id', 42, noop, undefined, /Resource id must be a non-empty string, got 42/],
    [
      'a cleanup that is not a function',
      'a',
      'rm -rf',
      undefined,
      /Cleanup of resource "a" must be a function, got "rm -rf"/,
    ],
    ['options that are not an object', 'a', noop, 5, /Options of resource "a" must be an object, got 5/],
    [
      'an unknown category',
      'a',
      noop,
      { category: 'disk' },
      /Category of resource "a" must be one of 'database'.*got "disk"/,
    ],
    [
      'an unknown priority',
      'a',
      noop,
      { priority: 7 },
      /Priority of resource "a" must be one of 0 \(CRITICAL\).*got 7/,
    ],
    [
      'a zero timeout',
      'a',
      noop,
      { timeout: 0 },
      /Timeout of resource "a" must be a positive finite number.*got 0/,
    ],
    ['an infinite timeout', 'a', noop, { timeout: Number.POSITIVE_INFINITY }, /got Infinity/],
    ['a string timeout', 'a', noop, { timeout: '10' }, /got "10"/],
    [
      'dependencies that are not a list',
      'a',
      noop,
      { dependencies: 'b' },
      /Dependencies of resource "a" must be an array of non-empty strings, got "b"/,
    ],
    [
      'an empty dependency id',
      'a',
      noop,
      { dependencies: ['b', ''] },
      /Dependencies of resource "a"\[1\] must be a non-empty string, got ""/,
    ],
    [
      'tags that are not strings',
      'a',
      noop,
      { tags: [1] },
      /Tags of resource "a"\[0\] must be a non-empty string, got 1/,
    ],
    [
      'a misspelt option',
      'a',
      noop,
      { prio: 1 },
      /Resource "a" has no option "prio"; the options are category, priority, description, tags, timeout, dependencies, metadata, id, cleanup\./,
    ],
    [
      'a non-string description',
      'a',
      noop,
      { description: {} },
      /Description of resource "a" must be a string, got \{\}/,
    ],
    ['null metadata', 'a', noop, { metadata: null }, /Metadata of resource "a" must be an object, got null/],
    ['numeric metadata', 'a', noop, { metadata: 3 }, /Metadata of resource "a" must be an object, got 3/],
  ])('%s', (_name, id, cleanup, options, message) => {
    const manager = new ResourceManager()
    manager.register('kept', noop)

    const error = thrownBy(() =>
      manager.register(id as string, cleanup as () => void, options as ResourceOptions | undefined),
    )

    expect(error.code).toBe('ERR_INVALID_ARGUMENT')
    expect(error.message).toMatch(message)
    expect(manager.getResourceCount()).toBe(1)
  })

  test('a duplicate id names where the first one was registered, and keeps the first', async () => {
    const manager = new ResourceManager()
    const calls: string[] = []
    manager.register('db', () => void calls.push('first'))

    const error = thrownBy(() => manager.register('db', () => void calls.push('second')))

    expect(error.code).toBe('ERR_RESOURCE_DUPLICATE')
    expect(error.message).toMatch(
      /Resource "db" is already registered \(registered at .*validation\.test\.ts:\d+:\d+\)/,
    )
    await manager.cleanup()
    expect(calls).toEqual(['first'])
  })

  test('a duplicate id without a captured origin still says it is registered', () => {
    const manager = new ResourceManager({ captureOrigin: false })
    manager.register('db', noop)

    expect(() => manager.register('db', noop)).toThrow(/^Resource "db" is already registered\.$/)
  })

  test('a thrown error keeps its value readable even when it cannot be serialised', () => {
    const manager = new ResourceManager()
    const circular: Record<string, unknown> = {}
    circular.self = circular

    expect(() => manager.register('a', noop, { timeout: circular } as unknown as ResourceOptions)).toThrow(
      /got \[object Object\]/,
    )
    expect(() => manager.register('a', function namedCleanup() {}, { timeout: -1 })).toThrow(/got -1/)
    expect(() => manager.register('a', circular as never)).toThrow(/got \[object Object\]/)
    expect(() => manager.register('a', noop as never, { description: [() => {}][0] } as never)).toThrow(
      /got function \(anonymous\)/,
    )
    expect(() => manager.register('a', noop, { description: function label() {} } as never)).toThrow(
      /got function label/,
    )
  })

  test('a dependency cycle is rejected with its ids, and nothing of it is registered', () => {
    const manager = new ResourceManager()
    manager.register('a', noop, { dependencies: ['b'] })
    manager.register('b', noop, { dependencies: ['c'] })

    const error = thrownBy(() => manager.register('c', noop, { dependencies: ['a'] }))

    expect(error.code).toBe('ERR_RESOURCE_CYCLE')
    expect(error.message).toContain('"c" -> "a" -> "b" -> "c"')
    expect(manager.getResourceCount()).toBe(2)
  })

  test('a resource cannot depend on itself', () => {
    const manager = new ResourceManager()

    expect(() => manager.register('a', noop, { dependencies: ['a'] })).toThrow(/"a" -> "a"/)
  })

  test('a resource listed earlier as a missing dependency closes a cycle when it arrives', () => {
    const manager = new ResourceManager()
    manager.register('a', noop, { dependencies: ['b'] })

    expect(() => manager.register('b', noop, { dependencies: ['a'] })).toThrow(/"b" -> "a" -> "b"/)
    manager.register('b', noop)
    expect(manager.getResourceCount()).toBe(2)
  })
})

describe('registerBatch() is all-or-nothing', () => {
  const definition = (id: string, extra: Partial<ResourceDefinition> = {}): ResourceDefinition => ({
    id,
    cleanup: noop,
    category: 'file' as ResourceCategory,
    priority: ResourcePriority.LOW,
    ...extra,
  })

  test.each([
    ['an invalid member', [definition('x'), definition('y', { timeout: -5 })], 'ERR_INVALID_ARGUMENT'],
    ['a member that is not an object', [definition('x'), null], 'ERR_INVALID_ARGUMENT'],
    ['an id already registered', [definition('x'), definition('kept')], 'ERR_RESOURCE_DUPLICATE'],
    ['the same id twice', [definition('x'), definition('x')], 'ERR_RESOURCE_DUPLICATE'],
    [
      'a cycle inside the batch',
      [definition('x', { dependencies: ['y'] }), definition('y', { dependencies: ['x'] })],
      'ERR_RESOURCE_CYCLE',
    ],
    [
      'a cycle through a registered resource',
      [definition('x', { dependencies: ['kept'] })],
      'ERR_RESOURCE_CYCLE',
    ],
  ])('%s registers none of the batch', (_name, batch, code) => {
    const manager = new ResourceManager()
    manager.register('kept', noop, { dependencies: ['x'] })

    const error = thrownBy(() => manager.registerBatch(batch as ResourceDefinition[]))

    expect(error.code).toBe(code)
    expect(manager.getResourceCount()).toBe(1)
  })

  test('the same id twice in one batch says so', () => {
    const manager = new ResourceManager()

    expect(() => manager.registerBatch([definition('x'), definition('x')])).toThrow(
      'Resource "x" is already registered (twice in one batch).',
    )
  })

  test('a batch that is not an array is rejected', () => {
    const manager = new ResourceManager()

    expect(() => manager.registerBatch('x' as never)).toThrow(
      /takes an array of resource definitions, got "x"/,
    )
    expect(() => manager.registerBatch(null as never)).toThrow(/definitions, got null\./)
  })

  test('a member that is not an object is named, a symbol too', () => {
    const manager = new ResourceManager()

    expect(() => manager.registerBatch([definition('x'), Symbol('odd') as never])).toThrow(
      'Resource definition at index 1 must be an object, got Symbol(odd).',
    )
    expect(manager.getResourceCount()).toBe(0)
  })

  test('a valid batch registers every member with its fields', () => {
    const manager = new ResourceManager()

    manager.registerBatch([definition('x'), definition('y', { category: 'network' as ResourceCategory })])

    expect(manager.getResourcesByCategory()).toMatchObject({ file: 1, network: 1, database: 0 })
  })
})

describe('other entry points validate too', () => {
  test.each([
    ['unregister() with an empty id', (m: ResourceManager) => m.unregister(''), /Resource id must be/],
    [
      'cleanupByCategory() with an unknown category',
      (m: ResourceManager) => m.cleanupByCategory('disk' as never),
      /Category must be one of/,
    ],
    [
      'cleanupBatch() with a non-array',
      (m: ResourceManager) => m.cleanupBatch('a' as never),
      /takes an array of ids, got "a"/,
    ],
    ['cleanupBatch() with null ids', (m: ResourceManager) => m.cleanupBatch(null as never), /got null\./],
    [
      'cleanup() with null options',
      (m: ResourceManager) => m.cleanup(null as never),
      /Cleanup options must be an object, got null/,
    ],
    [
      'cleanupBatch() with options that are not an object',
      (m: ResourceManager) => m.cleanupBatch(['kept'], 5 as never),
      /Cleanup options must be an object, got 5/,
    ],
    ['cleanupBatch() with a bad id', (m: ResourceManager) => m.cleanupBatch([7 as never]), /got 7/],
    [
      'cleanup() with a negative budget',
      (m: ResourceManager) => m.cleanup({ timeout: -1 }),
      /Cleanup timeout must be a positive finite number/,
    ],
    [
      'cleanup() with a fractional concurrency',
      (m: ResourceManager) => m.cleanup({ concurrency: 1.5 }),
      /Cleanup concurrency must be a positive integer, got 1.5/,
    ],
  ])('%s', async (_name, call, message) => {
    const manager = new ResourceManager()
    manager.register('kept', noop)

    await expect(async () => call(manager)).rejects.toThrow(message)
    expect(manager.getResourceCount()).toBe(1)
  })

  test.each([
    [{ defaultTimeout: 0 }, /Option defaultTimeout must be a positive finite number/],
    [{ leakAge: Number.NaN }, /Option leakAge .* got NaN/],
    [{ exitTimeout: -1 }, /Option exitTimeout/],
    [{ concurrency: 0 }, /Option concurrency must be a positive integer, got 0/],
    [
      { captureOrigin: 'yes' },
      /Option captureOrigin must be a boolean or a whole number of registrations, got "yes"/,
    ],
    [{ captureOrigin: -1 }, /Option captureOrigin must be a boolean or a whole number/],
    [{ onLateSettle: 1 }, /Option onLateSettle must be a function, got 1/],
    [null, /ResourceManager options must be an object, got null/],
    [{ timeout: 5 }, /ResourceManager has no option "timeout"; the options are defaultTimeout, leakAge, /],
  ])('the constructor rejects %o', (options, message) => {
    expect(() => new ResourceManager(options as never)).toThrow(message)
  })
})
