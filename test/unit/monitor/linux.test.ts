import { execFileSync, spawn } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { describe, expect, test } from 'vitest'
import { createResourceMonitor } from '../../../src/index.js'

const kB = (text: string, key: string) =>
  Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text)?.[1]) * 1024
const within = (actual: number, expected: number, share: number) =>
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(expected * share)

describe.runIf(process.platform === 'linux')('the Linux monitor, against /proc and ps', () => {
  const monitor = createResourceMonitor()

  test('memory: total and available as /proc/meminfo says (no cgroup limit here), RSS as /proc/self/status', async () => {
    const meminfo = readFileSync('/proc/meminfo', 'utf8')
    const memory = await monitor.getMemoryUsage()
    const status = readFileSync('/proc/self/status', 'utf8')

    expect(memory.total).toBe(kB(meminfo, 'MemTotal'))
    within(memory.available, kB(meminfo, 'MemAvailable'), 0.05)
    expect(memory.used).toBe(memory.total - memory.available)
    within(memory.processUsed, kB(status, 'VmRSS'), 0.2)
    expect(memory.heapUsed).toBeGreaterThan(0)
    expect(memory.heapTotal).toBeGreaterThanOrEqual(memory.heapUsed)
  })

  test('process: open descriptors as `ls /proc/<pid>/fd` counts them, threads, and a child with its RSS as ps reports it', async () => {
    const child = spawn(process.execPath, ['-e', "console.log('ready'); setInterval(() => {}, 1000)"], {
      stdio: ['ignore', 'pipe', 'ignore'],
    })
    // Sampled once the child has started up: its RSS grows until then.
    await new Promise((resolve) => child.stdout.once('data', resolve))
    try {
      const info = await monitor.getProcessInfo()
      const listed = readdirSync(`/proc/${process.pid}/fd`).length - 1

      expect(info.pid).toBe(process.pid)
      expect(info.ppid).toBe(process.ppid)
      // Other descriptors may open or close in between: a small margin.
      expect(Math.abs((info.openFileDescriptors ?? -100) - listed)).toBeLessThanOrEqual(3)
      expect(info.threads).toBeGreaterThanOrEqual(1)
      const mine = info.children?.find((c) => c.pid === child.pid)
      expect(mine?.command).toBe('node')
      const psRss =
        Number(execFileSync('ps', ['-o', 'rss=', '-p', String(child.pid)], { encoding: 'utf8' })) * 1024
      within(mine?.rss ?? 0, psRss, 0.5)
    } finally {
      child.kill('SIGKILL')
    }
  })

  test('limits: descriptors and processes as the shell ulimit says, memory and CPUs as the machine has', async () => {
    const limits = await monitor.getSystemLimits()
    const ulimit = (flag: string) =>
      execFileSync('bash', ['-c', `ulimit -S ${flag}`], { encoding: 'utf8' }).trim()

    expect(String(limits.maxFileDescriptors)).toBe(ulimit('-n'))
    expect(limits.maxProcesses === null ? 'unlimited' : String(limits.maxProcesses)).toBe(ulimit('-u'))
    expect(limits.maxMemory).toBe((await monitor.getMemoryUsage()).total)
    expect(limits.maxCpuUsage).toBeGreaterThan(0)
  })

  test('disk: total and available as df reports them', async () => {
    const disk = await monitor.getDiskUsage(tmpdir())
    const [, size, , available] = execFileSync('df', ['-k', '--output=source,size,used,avail', tmpdir()], {
      encoding: 'utf8',
    })
      .trim()
      .split('\n')[1]!
      .trim()
      .split(/\s+/)

    expect(disk.total).toBe(Number(size) * 1024)
    within(disk.available, Number(available) * 1024, 0.01)
    expect(disk.used).toBe(disk.total - disk.free)
  })

  test('cpu: system busy share from /proc/stat between two calls, and this process busy while it spins', async () => {
    await monitor.getCpuUsage()
    const until = performance.now() + 100
    while (performance.now() < until) {}
    const cpu = await monitor.getCpuUsage()

    expect(cpu.cores).toBeGreaterThan(0)
    expect(cpu.systemBusy).toBeGreaterThan(0)
    expect(cpu.systemBusy).toBeLessThanOrEqual(1)
    expect(cpu.processBusy).toBeGreaterThan(0.5)
    expect(cpu.loadAverage).toHaveLength(3)
  })
})
