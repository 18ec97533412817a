import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterAll, describe, expect, test } from 'vitest'
import { ResourceCategory, ResourceManager, ResourcePriority } from '../../src/index.js'

const noop = () => {}
const ownLines = readFileSync(import.meta.filename, 'utf8').split('\n')
/** The 1-based line of this file that contains `snippet`. */
const lineOf = (snippet: string) => ownLines.findIndex((line) => line.includes(snippet)) + 1

describe('detectLeaks()', () => {
  test('reports nothing while resources are younger than leakAge and the scope is open', () => {
    const manager = new ResourceManager()
    manager.register('fresh', noop)

    expect(manager.detectLeaks()).toEqual([])
  })

  test('reports resources registered longer than leakAge, with where they were registered', async () => {
    const manager = new ResourceManager({ leakAge: 10 })
    manager.register('old', noop, {
      category: ResourceCategory.PROCESS,
      priority: ResourcePriority.HIGH,
      description: 'a sleeping child',
      tags: ['slow'],
      metadata: { pid: 4242 },
    })
    await new Promise((resolve) => setTimeout(resolve, 30))

    const [leak, ...rest] = manager.detectLeaks()

    expect(rest).toEqual([])
    expect(leak).toMatchObject({
      id: 'old',
      category: 'process',
      priority: ResourcePriority.HIGH,
      description: 'a sleeping child',
      tags: ['slow'],
      metadata: { pid: 4242 },
      reason: 'age',
      registeredAt: { file: import.meta.filename, line: lineOf("manager.register('old'") },
    })
    expect(leak!.age).toBeGreaterThanOrEqual(10)
  })

  test('reports every resource left once the scope is closed', async () => {
    const manager = new ResourceManager()
    manager.register('cleaned', noop)
    await manager.cleanup()
    manager.register('left', noop)

    manager.close()

    expect(manager.detectLeaks().map((leak) => [leak.id, leak.reason, leak.tags, leak.metadata])).toEqual([
      ['left', 'closed', [], undefined],
    ])
  })

  test('a batch records the line of the registerBatch() call', () => {
    const manager = new ResourceManager()
    manager.registerBatch([{ id: 'a', cleanup: noop, category: ResourceCategory.FILE, priority: 1 }])
    manager.close()

    expect(manager.detectLeaks()[0]?.registeredAt).toMatchObject({
      file: import.meta.filename,
      line: lineOf('manager.registerBatch([{'),
    })
  })

  test('without captureOrigin, the location is null', () => {
    const manager = new ResourceManager({ captureOrigin: false })
    manager.register('a', noop)
    manager.registerBatch([{ id: 'b', cleanup: noop, category: ResourceCategory.FILE, priority: 1 }])
    manager.close()

    expect(manager.detectLeaks().map((leak) => leak.registeredAt)).toEqual([null, null])
  })

  describe('frames in node_modules are skipped', () => {
    const root = mkdtempSync(join(tmpdir(), 'testkit-origin-'))
    const library = join(root, 'node_modules', 'some-lib', 'index.mjs')
    mkdirSync(join(root, 'node_modules', 'some-lib'), { recursive: true })
    writeFileSync(
      library,
      [
        'export function registerVia(manager, id) { manager.register(id, () => {}) }',
        'export function registerLater(manager, id) {',
        '  return new Promise((resolve) => setImmediate(() => { manager.register(id, () => {}); resolve() }))',
        '}',
      ].join('\n'),
    )
    afterAll(() => rmSync(root, { recursive: true, force: true }))

    test("a library registering on the test's behalf is attributed to the test's line", async () => {
      const { registerVia } = await import(pathToFileURL(library).href)
      const manager = new ResourceManager()
      registerVia(manager, 'via-lib')
      manager.close()

      expect(manager.detectLeaks()[0]?.registeredAt).toMatchObject({
        file: import.meta.filename,
        line: lineOf("registerVia(manager, 'via-lib')"),
      })
    })

    test('with no user frame on the stack the location is null', async () => {
      const { registerLater } = await import(pathToFileURL(library).href)
      const manager = new ResourceManager()
      await registerLater(manager, 'from-callback')
      manager.close()

      expect(manager.detectLeaks()[0]?.registeredAt).toBeNull()
    })
  })
})

describe('getMetrics()', () => {
  test('counts per category, peak live count and cleanup durations', async () => {
    const manager = new ResourceManager()
    manager.register('a', noop, { category: ResourceCategory.FILE })
    manager.register('b', () => new Promise((resolve) => setTimeout(resolve, 15)), {
      category: ResourceCategory.FILE,
    })
    manager.register(
      'c',
      () => {
        throw new Error('x')
      },
      { category: ResourceCategory.NETWORK },
    )
    manager.register('d', () => new Promise(() => {}), { category: ResourceCategory.NETWORK, timeout: 10 })
    manager.register('e', noop)
    manager.unregister('e')

    await manager.cleanup()
    const metrics = manager.getMetrics()

    expect(metrics).toMatchObject({ live: 0, peakLive: 5, registered: 5, cleaned: 2, failed: 1, timedOut: 1 })
    expect(metrics.byCategory.file).toMatchObject({ registered: 2, cleaned: 2, failed: 0, timedOut: 0 })
    expect(metrics.byCategory.network).toMatchObject({ registered: 2, cleaned: 0, failed: 1, timedOut: 1 })
    expect(metrics.byCategory.file.maxDuration).toBeGreaterThanOrEqual(14)
    expect(metrics.byCategory.file.p95Duration).toBe(metrics.byCategory.file.maxDuration)
    expect(metrics.byCategory.file.totalDuration).toBeGreaterThanOrEqual(metrics.byCategory.file.maxDuration)
    expect(metrics.byCategory.database).toMatchObject({ registered: 0, totalDuration: 0, p95Duration: 0 })
  })

  test('the p95 comes from a bounded window of the most recent cleanups', async () => {
    const manager = new ResourceManager()
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 500; i++)
        manager.register(`r${round}-${i}`, noop, { category: ResourceCategory.TIMER })
      await manager.cleanup()
    }

    const timer = manager.getMetrics().byCategory.timer

    expect(timer.cleaned).toBe(1500)
    expect(timer.p95Duration).toBeLessThanOrEqual(timer.maxDuration)
    expect(timer.p95Duration).toBeGreaterThanOrEqual(0)
  })
})

describe('CleanupResult.slowest', () => {
  test('lists the five slowest cleanups of the pass, slowest first', async () => {
    const manager = new ResourceManager({ concurrency: 8 })
    const delays = [5, 200, 1, 120, 160, 40, 0, 80]
    for (const [i, delay] of delays.entries()) {
      manager.register(`r${i}-${delay}`, () => new Promise((resolve) => setTimeout(resolve, delay)))
    }

    const { slowest } = await manager.cleanup()

    expect(slowest.map((timing) => timing.resourceId)).toEqual([
      'r1-200',
      'r4-160',
      'r3-120',
      'r7-80',
      'r5-40',
    ])
    expect(slowest[0]).toMatchObject({ category: 'critical' })
    expect(slowest[0]!.duration).toBeGreaterThanOrEqual(slowest[4]!.duration)
  })
})

describe('captureOrigin', () => {
  test('a number captures the origin of that many registrations, then stops', () => {
    const manager = new ResourceManager({ captureOrigin: 2 })
    for (const id of ['a', 'b', 'c']) manager.register(id, noop)
    manager.close()

    expect(manager.detectLeaks().map((leak) => leak.registeredAt?.line ?? null)).toEqual([
      lineOf("for (const id of ['a', 'b', 'c'])"),
      lineOf("for (const id of ['a', 'b', 'c'])"),
      null,
    ])
  })

  test('true captures every registration', () => {
    const manager = new ResourceManager({ captureOrigin: true })
    for (let i = 0; i < 100; i++) manager.register(`r${i}`, noop)
    manager.close()

    expect(manager.detectLeaks().every((leak) => leak.registeredAt !== null)).toBe(true)
  })
})
