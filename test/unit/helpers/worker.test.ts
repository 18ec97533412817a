import { once } from 'node:events'
import { describe, expect, test } from 'vitest'
import { useWorker } from '../../../src/index.js'
import { scopePerTest } from './test-scope.js'

const scope = scopePerTest()

// Would run forever: the interval keeps its event loop alive.
const keepAlive = `
  const { parentPort } = require('node:worker_threads')
  setInterval(() => {}, 1000)
  parentPort.postMessage('ready')`

describe('useWorker', () => {
  test('a running worker is terminated at cleanup: its exit event fires', async () => {
    const { worker } = useWorker(keepAlive, { eval: true })
    const [message] = await once(worker, 'message')
    expect(message).toBe('ready')
    const exited = once(worker, 'exit')

    const record = await scope().close()

    expect(record).toMatchObject({ resources: 1, cleanupErrors: [] })
    // terminate() ends a worker with exit code 1.
    expect(await exited).toEqual([1])
    expect(worker.threadId).toBe(-1)
  })

  test('a worker that already exited is cleaned without error', async () => {
    const { worker } = useWorker('process.exit(0)', { eval: true })
    expect(await once(worker, 'exit')).toEqual([0])

    const record = await scope().close()

    expect(record?.cleanupErrors).toEqual([])
  })

  test('dispose() terminates it now', async () => {
    const handle = useWorker(keepAlive, { eval: true })
    await once(handle.worker, 'message')
    const exited = once(handle.worker, 'exit')

    await handle.dispose()

    expect(await exited).toEqual([1])
    expect(scope().manager.getResourceCount()).toBe(0)
  })
})
