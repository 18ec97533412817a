import { expect, test } from 'vitest'
import { type PlatformSource, PortableMonitor } from '../../../src/monitor/portable.js'

// Hand-written figures in the shape Node's APIs return them on macOS (no /proc there): not a recording.
function darwin(): PlatformSource & { advance(ms: number, cpuMicros: number): void } {
  let now = 1_000
  let cpu = { user: 500_000, system: 100_000 }
  return {
    platform: 'darwin',
    totalmem: () => 16 * 2 ** 30,
    freemem: () => 4 * 2 ** 30,
    loadavg: () => [1.5, 1.25, 1],
    cpuCount: () => 8,
    memoryUsage: () => ({ rss: 200 * 2 ** 20, heapUsed: 50 * 2 ** 20, heapTotal: 80 * 2 ** 20 }),
    cpuUsage: () => cpu,
    now: () => now,
    statfs: async () => ({ bsize: 4096, blocks: 1_000_000, bfree: 400_000, bavail: 350_000 }),
    pid: 4242,
    ppid: 1,
    advance(ms, cpuMicros) {
      now += ms
      cpu = { user: cpu.user + cpuMicros, system: cpu.system }
    },
  }
}

test('memory and disk come from Node, used is derived, nothing is invented', async () => {
  const monitor = new PortableMonitor(darwin())

  expect(monitor.platform).toBe('darwin')
  expect(await monitor.getMemoryUsage()).toEqual({
    total: 16 * 2 ** 30,
    available: 4 * 2 ** 30,
    used: 12 * 2 ** 30,
    processUsed: 200 * 2 ** 20,
    heapUsed: 50 * 2 ** 20,
    heapTotal: 80 * 2 ** 20,
  })
  expect(await monitor.getDiskUsage('/tmp')).toEqual({
    path: '/tmp',
    total: 4096 * 1_000_000,
    free: 4096 * 400_000,
    available: 4096 * 350_000,
    used: 4096 * 600_000,
  })
})

test('figures the platform does not give are null: descriptors, threads, children, system busy, limits', async () => {
  const monitor = new PortableMonitor(darwin())

  expect(await monitor.getProcessInfo()).toEqual({
    pid: 4242,
    ppid: 1,
    rss: 200 * 2 ** 20,
    openFileDescriptors: null,
    threads: null,
    children: null,
  })
  expect(await monitor.getSystemLimits()).toEqual({
    maxMemory: 16 * 2 ** 30,
    maxFileDescriptors: null,
    maxProcesses: null,
    maxCpuUsage: 8,
  })
})

test('process CPU is the CPU time used since the previous call over the time elapsed', async () => {
  const source = darwin()
  const monitor = new PortableMonitor(source)
  source.advance(200, 100_000)

  const cpu = await monitor.getCpuUsage()

  expect(cpu).toEqual({ cores: 8, loadAverage: [1.5, 1.25, 1], systemBusy: null, processBusy: 0.5 })
  expect((await monitor.getCpuUsage()).processBusy).toBe(0)
})
