import { expect, test } from 'vitest'
import { createResourceMonitor, MemoryPressure, type ResourceMonitor } from '../../../src/index.js'

/** A monitor whose memory use follows a script (share of a 1,000-byte total, one value per sample). */
function scripted(shares: number[]): ResourceMonitor {
  const real = createResourceMonitor()
  let index = 0
  return {
    platform: 'scripted',
    getCpuUsage: () => real.getCpuUsage(),
    getDiskUsage: (path) => real.getDiskUsage(path),
    getProcessInfo: () => real.getProcessInfo(),
    getSystemLimits: () => real.getSystemLimits(),
    getMemoryUsage: async () => {
      const used = Math.round((shares[Math.min(index++, shares.length - 1)] ?? 0) * 1_000)
      return { total: 1_000, available: 1_000 - used, used, processUsed: 1, heapUsed: 1, heapTotal: 1 }
    },
  }
}

test('levels follow the 70% and 85% defaults; callbacks run when memory rises to their level, once per rise', async () => {
  const pressure = new MemoryPressure(scripted([0.5, 0.72, 0.75, 0.9, 0.6, 0.9]))
  const calls: string[] = []
  pressure.onPressure('warning', (s) => void calls.push(`warning at ${s.ratio}`))
  pressure.onPressure('critical', (s) => void calls.push(`critical at ${s.ratio}`))

  const levels = []
  for (let i = 0; i < 6; i++) levels.push((await pressure.sample()).level)

  expect(levels).toEqual(['normal', 'warning', 'warning', 'critical', 'normal', 'critical'])
  expect(calls).toEqual(['warning at 0.72', 'critical at 0.9', 'warning at 0.9', 'critical at 0.9'])
})

test('a failing callback does not stop the others; sample() then rejects with all failures', async () => {
  const pressure = new MemoryPressure(scripted([0.95]))
  const ran: string[] = []
  pressure.onPressure('critical', () => {
    throw new Error('cache already gone')
  })
  pressure.onPressure('critical', () => void ran.push('second'))

  const error = await pressure.sample().catch((e: AggregateError) => e)

  expect(ran).toEqual(['second'])
  expect((error as AggregateError).errors.map((e: Error) => e.message)).toEqual(['cache already gone'])
  expect(pressure.level).toBe('critical')
})

test('an unsubscribed callback no longer runs', async () => {
  const pressure = new MemoryPressure(scripted([0.8]))
  let calls = 0
  const off = pressure.onPressure('warning', () => void calls++)
  off()

  await pressure.sample()

  expect(calls).toBe(0)
})

test('the trend is the growth of memory in use per second over the kept samples', async () => {
  const pressure = new MemoryPressure(scripted([0.1, 0.2, 0.3, 0.4]), { window: 3 })
  expect(pressure.trend()).toEqual({ samples: 0, bytesPerSecond: 0, secondsToFull: null })
  for (let i = 0; i < 4; i++) {
    await pressure.sample()
    await new Promise((resolve) => setTimeout(resolve, 20))
  }

  const trend = pressure.trend()

  expect(trend.samples).toBe(3)
  expect(trend.bytesPerSecond).toBeGreaterThan(0)
  expect(trend.secondsToFull).toBeGreaterThan(0)
})

test('on the real monitor, thresholds just under the current use put memory at critical', async () => {
  const monitor = createResourceMonitor()
  const { used, total } = await monitor.getMemoryUsage()
  const ratio = used / total
  const pressure = new MemoryPressure(monitor, { warning: ratio / 3, critical: ratio / 2 })

  expect((await pressure.sample()).level).toBe('critical')
})

test('start() samples in the background until stop()', async () => {
  const pressure = new MemoryPressure(scripted([0.9]))
  let calls = 0
  pressure.onPressure('critical', () => void calls++)
  pressure.start(5)
  await new Promise((resolve) => setTimeout(resolve, 100))
  pressure.stop()

  expect(calls).toBe(1)
  expect(pressure.trend().samples).toBeGreaterThan(1)
})

test('bad thresholds are InvalidArgumentErrors naming the option', () => {
  const monitor = createResourceMonitor()
  expect(() => new MemoryPressure(monitor, { warning: 1.5 })).toThrow(
    'MemoryPressure option "warning" must be a share between 0 and 1, got 1.5.',
  )
  expect(() => new MemoryPressure(monitor, { warning: 0.9, critical: 0.8 })).toThrow(
    expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }),
  )
  expect(() => new MemoryPressure(monitor, { window: 1 })).toThrow(/"window" must be a whole number/)
})
