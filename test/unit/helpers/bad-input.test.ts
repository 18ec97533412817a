import { EventEmitter } from 'node:events'
import { describe, expect, test } from 'vitest'
import {
  createResourceMonitor,
  expectNoHeapGrowth,
  MemoryPressure,
  useEventListener,
  useInterval,
  useProcess,
  useServer,
  useTempDir,
  useTempFile,
  useTimeout,
  useWorker,
} from '../../../src/index.js'
import { scopePerTest } from './test-scope.js'

const scope = scopePerTest()

/** The error a call throws or rejects with. */
async function errorOf(call: () => unknown): Promise<{ code?: string; message: string }> {
  try {
    await call()
  } catch (error) {
    return error as { code?: string; message: string }
  }
  throw new Error('expected the call to fail')
}

describe('helpers reject bad input with ERR_INVALID_ARGUMENT, naming the value, and register nothing', () => {
  test.each([
    [
      'useTempDir(null)',
      () => useTempDir(null as never),
      'useTempDir() options must be an object, got null.',
    ],
    [
      'useTempFile({ prefix: 5 })',
      () => useTempFile({ prefix: 5 as never }),
      'useTempFile() option "prefix" must be a string, got 5.',
    ],
    [
      'useTimeout(fn, -5)',
      () => useTimeout(() => {}, -5),
      'useTimeout() ms must be a number of milliseconds >= 0, got -5.',
    ],
    [
      "useInterval(fn, 'abc')",
      () => useInterval(() => {}, 'abc' as never),
      'useInterval() ms must be a number of milliseconds >= 0, got "abc".',
    ],
    [
      'useServer(undefined)',
      () => useServer(undefined as never),
      'useServer() takes a server (net, http, https, http2) or a factory of one, got undefined.',
    ],
    [
      'useServer(a factory of a string)',
      () => useServer((() => 'server') as never),
      'useServer() takes a server (net, http, https, http2) or a factory of one, got a factory that returned "server".',
    ],
    ['useWorker(5)', () => useWorker(5 as never), 'useWorker() filename must be a path or a URL, got 5.'],
    [
      'useProcess(command, [], null)',
      () => useProcess('true', [], null as never),
      'useProcess() options must be an object, got null.',
    ],
    [
      'useEventListener(a plain object)',
      () => useEventListener({ on: 1 } as never, 'data', () => {}),
      'useEventListener() target must be an EventEmitter, or an EventTarget with a string event type; got {"on":1}.',
    ],
    [
      'useEventListener(an EventTarget, a symbol type)',
      () => useEventListener(new EventTarget(), Symbol('tick') as never, () => {}),
      'useEventListener() target must be an EventEmitter, or an EventTarget with a string event type; got an EventTarget and the event type Symbol(tick).',
    ],
  ])('%s', async (_name, call, message) => {
    const error = await errorOf(call)

    expect(error).toMatchObject({ code: 'ERR_INVALID_ARGUMENT', message })
    expect(scope().isUsed).toBe(false)
  })

  test('an emitter given a bad listener keeps its listeners as they were', async () => {
    const emitter = new EventEmitter()

    await errorOf(() => useEventListener(emitter, 'data', 5 as never))

    expect(emitter.listenerCount('data')).toBe(0)
  })
})

describe('the monitor APIs reject bad input the same way', () => {
  test.each([
    [
      'expectNoHeapGrowth(fn, null)',
      () => expectNoHeapGrowth(() => {}, null as never),
      'expectNoHeapGrowth() options must be an object, got null.',
    ],
    [
      'expectNoHeapGrowth(a string)',
      () => expectNoHeapGrowth('fn' as never),
      'expectNoHeapGrowth() needs a function to run, got "fn".',
    ],
    [
      "expectNoHeapGrowth(fn, { runs: '5' })",
      () => expectNoHeapGrowth(() => {}, { runs: '5' as never }),
      'expectNoHeapGrowth() option "runs" must be a whole number >= 3, got "5".',
    ],
    [
      'new MemoryPressure(undefined)',
      () => new MemoryPressure(undefined as never),
      'MemoryPressure needs a ResourceMonitor (from createResourceMonitor()), got undefined.',
    ],
    [
      "new MemoryPressure(monitor, { warning: '0.5' })",
      () => new MemoryPressure(createResourceMonitor(), { warning: '0.5' as never }),
      'MemoryPressure option "warning" must be a share between 0 and 1, got "0.5".',
    ],
    [
      "onPressure('warning', 5)",
      () => new MemoryPressure(createResourceMonitor()).onPressure('warning', 5 as never),
      'onPressure() callback must be a function, got 5.',
    ],
  ])('%s', async (_name, call, message) => {
    expect(await errorOf(call)).toMatchObject({ code: 'ERR_INVALID_ARGUMENT', message })
  })
})
