import { EventEmitter } from 'node:events'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterEach, describe, expect, test, vi } from 'vitest'
import { useEventListener, useInterval, useTimeout } from '../../../src/index.js'
import { eventually, scopePerTest } from './test-scope.js'

const scope = scopePerTest()

afterEach(() => {
  vi.useRealTimers()
})

describe('useTimeout', () => {
  test('cleanup clears a timeout that has not fired: its callback never runs', async () => {
    let calls = 0
    useTimeout(() => calls++, 100)

    const record = await scope().close()
    await sleep(400)

    expect(record).toMatchObject({ resources: 1, cleanupErrors: [] })
    expect(calls).toBe(0)
  })

  test('a timeout that fired runs its callback once and unregisters itself', async () => {
    let calls = 0
    useTimeout(() => calls++, 10)

    expect(await eventually(() => calls === 1)).toBe(true)
    expect(await eventually(() => scope().manager.getResourceCount() === 0)).toBe(true)
    expect(calls).toBe(1)
  })

  test('follows vi.useFakeTimers(): it fires when the fake clock reaches it', () => {
    vi.useFakeTimers()
    let calls = 0
    useTimeout(() => calls++, 1_000)

    vi.advanceTimersByTime(999)
    expect(calls).toBe(0)
    vi.advanceTimersByTime(1)

    expect(calls).toBe(1)
  })

  test('under vi.useFakeTimers(), cleanup clears it on the fake clock', async () => {
    vi.useFakeTimers()
    let calls = 0
    useTimeout(() => calls++, 1_000)

    // Closed with fake timers still installed, as when a test does not restore real ones.
    const record = await scope().close()
    vi.advanceTimersByTime(10_000)

    expect(record?.cleanupErrors).toEqual([])
    expect(calls).toBe(0)
  })

  test('a real timeout made before vi.useFakeTimers() is still cleared by a cleanup that runs under them', async () => {
    let calls = 0
    useTimeout(() => calls++, 100)
    vi.useFakeTimers()

    await scope().close()
    vi.useRealTimers()
    await sleep(400)

    expect(calls).toBe(0)
  })

  test('a callback that is not a function is an InvalidArgumentError', () => {
    expect(() => useTimeout('code' as unknown as () => void, 10)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }),
    )
    expect(() => useInterval(undefined as unknown as () => void, 10)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }),
    )
    expect(scope().isUsed).toBe(false)
  })
})

describe('useInterval', () => {
  test('runs until cleanup, then never again', async () => {
    let calls = 0
    useInterval(() => calls++, 20)
    expect(await eventually(() => calls >= 2)).toBe(true)

    const record = await scope().close()
    const atCleanup = calls
    await sleep(300)

    expect(record).toMatchObject({ resources: 1, cleanupErrors: [] })
    expect(calls).toBe(atCleanup)
  })

  test('follows vi.useFakeTimers()', async () => {
    vi.useFakeTimers()
    let calls = 0
    useInterval(() => calls++, 100)

    vi.advanceTimersByTime(350)
    expect(calls).toBe(3)
    await scope().close()
    vi.advanceTimersByTime(1_000)

    expect(calls).toBe(3)
  })
})

describe('useEventListener', () => {
  test('on an EventEmitter: called until cleanup, then removed', async () => {
    const emitter = new EventEmitter()
    const seen: unknown[] = []
    useEventListener(emitter, 'data', (value: unknown) => void seen.push(value))
    emitter.emit('data', 1)
    expect(emitter.listenerCount('data')).toBe(1)

    const record = await scope().close()
    emitter.emit('data', 2)

    expect(record).toMatchObject({ resources: 1, cleanupErrors: [] })
    expect(seen).toEqual([1])
    expect(emitter.listenerCount('data')).toBe(0)
  })

  test('on process, with a symbol event type', async () => {
    const type = Symbol('testkit-test-event')
    let calls = 0
    // Process's emit() is typed for its own events only.
    const emitter: EventEmitter = process
    useEventListener(process, type, () => calls++)
    emitter.emit(type)

    await scope().close()
    emitter.emit(type)

    expect(calls).toBe(1)
    expect(process.listenerCount(type)).toBe(0)
  })

  test('on an EventTarget: called until cleanup, then removed', async () => {
    const target = new EventTarget()
    let calls = 0
    useEventListener(target, 'ping', () => calls++)
    target.dispatchEvent(new Event('ping'))

    await scope().close()
    target.dispatchEvent(new Event('ping'))

    expect(calls).toBe(1)
  })

  test('on an EventTarget with capture: true, it is removed with the same capture flag', async () => {
    const target = new EventTarget()
    let calls = 0
    useEventListener(target, 'ping', () => calls++, { capture: true })

    await scope().close()
    target.dispatchEvent(new Event('ping'))

    expect(calls).toBe(0)
  })

  test('once: true is honoured on an EventEmitter too', async () => {
    const emitter = new EventEmitter()
    let calls = 0
    useEventListener(emitter, 'data', () => calls++, { once: true })

    emitter.emit('data')
    emitter.emit('data')

    expect(calls).toBe(1)
    expect(emitter.listenerCount('data')).toBe(0)
    expect((await scope().close())?.cleanupErrors).toEqual([])
  })

  test('dispose() removes only its own listener', async () => {
    const emitter = new EventEmitter()
    const mine = useEventListener(emitter, 'data', () => {})
    useEventListener(emitter, 'data', () => {})

    await mine.dispose()

    expect(emitter.listenerCount('data')).toBe(1)
  })

  test('a listener that is not a function is an InvalidArgumentError, and nothing is added', () => {
    const emitter = new EventEmitter()

    expect(() => useEventListener(emitter, 'data', 'handler' as unknown as () => void)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT', name: 'InvalidArgumentError' }),
    )
    expect(emitter.listenerCount('data')).toBe(0)
    expect(scope().isUsed).toBe(false)
  })

  test('a target that is neither, or a symbol type on an EventTarget, is an InvalidArgumentError', () => {
    const invalid = expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' })

    expect(() => useEventListener({} as EventTarget, 'x', () => {})).toThrow(invalid)
    expect(() => useEventListener(new EventTarget(), Symbol('x'), () => {})).toThrow(invalid)
    expect(scope().isUsed).toBe(false)
  })
})
