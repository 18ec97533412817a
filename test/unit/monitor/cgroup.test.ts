// The container's limits are the limits: cgroup v1 and v2 trees laid out as Linux shows them (this
// machine's own cgroup has no memory limit, so the limited path runs on recorded files).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterAll, describe, expect, test } from 'vitest'
import { LinuxMonitor } from '../../../src/monitor/linux.js'

const GiB = 1024 ** 3
const roots: string[] = []
afterAll(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true })
})

/** A /proc and /sys tree with these files (paths relative to the root). */
function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'testkit-cgroup-'))
  roots.push(root)
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true })
    writeFileSync(join(root, path), text)
  }
  return root
}

// 16 GiB machine, 12 GiB available; the limits file as the kernel writes it.
const meminfo = `MemTotal:       ${16 * 1024 * 1024} kB\nMemFree:        ${10 * 1024 * 1024} kB\nMemAvailable:   ${12 * 1024 * 1024} kB\nBuffers:          1024 kB\n`
const limits = [
  'Limit                     Soft Limit           Hard Limit           Units     ',
  'Max processes             4000                 4000                 processes ',
  'Max open files            1024                 4096                 files     ',
  '',
].join('\n')

/** The machine's cores, as the monitor says with no cgroup quota at all. */
const cores = async () =>
  (await new LinuxMonitor(undefined, tree({ 'proc/self/cgroup': '0::/\n' })).getSystemLimits()).maxCpuUsage

describe('the Linux monitor under a cgroup', () => {
  test('v1: a 2 GiB memory limit with 1.5 GiB used, and a CPU quota of 1.5 cores', async () => {
    const root = tree({
      'proc/self/cgroup': '4:memory:/ctr\n3:cpu,cpuacct:/ctr\n0::/\n',
      'proc/meminfo': meminfo,
      'proc/self/limits': limits,
      'sys/fs/cgroup/memory/ctr/memory.limit_in_bytes': `${2 * GiB}\n`,
      'sys/fs/cgroup/memory/ctr/memory.usage_in_bytes': `${1.5 * GiB}\n`,
      'sys/fs/cgroup/cpu/ctr/cpu.cfs_quota_us': '150000\n',
      'sys/fs/cgroup/cpu/ctr/cpu.cfs_period_us': '100000\n',
    })
    const monitor = new LinuxMonitor(undefined, root)

    const memory = await monitor.getMemoryUsage()
    expect(memory).toMatchObject({ total: 2 * GiB, available: 0.5 * GiB, used: 1.5 * GiB })
    const system = await monitor.getSystemLimits()
    expect(system).toMatchObject({ maxMemory: 2 * GiB, maxFileDescriptors: 1024, maxProcesses: 4000 })
    // The quota caps the machine's cores (2 here): the smaller of the two.
    expect(system.maxCpuUsage).toBe(Math.min(1.5, await cores()))
  })

  test('v2: memory.max of 1 GiB with 256 MiB used; "max" CPU is no quota', async () => {
    const root = tree({
      'proc/self/cgroup': '0::/ctr\n',
      'proc/meminfo': meminfo,
      'proc/self/limits': limits,
      'sys/fs/cgroup/ctr/memory.max': `${GiB}\n`,
      'sys/fs/cgroup/ctr/memory.current': `${GiB / 4}\n`,
      'sys/fs/cgroup/ctr/cpu.max': 'max 100000\n',
    })
    const monitor = new LinuxMonitor(undefined, root)

    expect(await monitor.getMemoryUsage()).toMatchObject({ total: GiB, available: 0.75 * GiB })
    expect(await monitor.getSystemLimits()).toMatchObject({ maxMemory: GiB, maxCpuUsage: await cores() })
  })

  test("no limit (\"max\", or v1's near-2^63): the machine's memory, /proc/meminfo's available", async () => {
    const cases: Record<string, string>[] = [
      { 'proc/self/cgroup': '0::/ctr\n', 'sys/fs/cgroup/ctr/memory.max': 'max\n' },
      {
        'proc/self/cgroup': '4:memory:/ctr\n',
        'sys/fs/cgroup/memory/ctr/memory.limit_in_bytes': '9223372036854771712\n',
        'sys/fs/cgroup/memory/ctr/memory.usage_in_bytes': `${GiB}\n`,
      },
    ]
    for (const files of cases) {
      const monitor = new LinuxMonitor(undefined, tree({ 'proc/meminfo': meminfo, ...files }))

      expect(await monitor.getMemoryUsage()).toMatchObject({ total: 16 * GiB, available: 12 * GiB })
    }
  })

  test("a limit above the machine's memory is not the limit", async () => {
    const root = tree({
      'proc/self/cgroup': '0::/ctr\n',
      'proc/meminfo': meminfo,
      'sys/fs/cgroup/ctr/memory.max': `${64 * GiB}\n`,
      'sys/fs/cgroup/ctr/memory.current': `${GiB}\n`,
    })

    expect(await new LinuxMonitor(undefined, root).getMemoryUsage()).toMatchObject({
      total: 16 * GiB,
      available: 12 * GiB,
    })
  })
})
