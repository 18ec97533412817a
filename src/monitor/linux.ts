import { readdirSync, readFileSync } from 'node:fs'
import { allProcesses } from '../helpers/process-tree.js'
import { nodeSource, type PlatformSource, PortableMonitor } from './portable.js'
import { procFields as fields, readProc as read, softLimit } from './proc.js'
import type { ChildInfo, CpuUsage, MemoryUsage, ProcessInfo, SystemLimits } from './types.js'

// cgroup v1 writes "no limit" as a huge number (2^63 rounded down to a page), v2 as "max".
const UNLIMITED = 2 ** 60

const limitOf = (text: string | undefined): number | null => {
  const value = text?.trim()
  if (value === undefined || value === '' || value === 'max') return null
  const number = Number(value)
  return Number.isFinite(number) && number > 0 && number < UNLIMITED ? number : null
}

interface CgroupPaths {
  unified?: string
  memory?: string
  cpu?: string
}

/** This process's cgroup directories under `root`: v2 (unified) and the v1 memory and cpu controllers. */
function cgroupPaths(root: string): CgroupPaths {
  const paths: CgroupPaths = {}
  for (const line of read(`${root}/proc/self/cgroup`)?.split('\n') ?? []) {
    const [, controllers, path] = line.split(':')
    if (path === undefined) continue
    if (controllers === '') paths.unified = `${root}/sys/fs/cgroup${path}`
    for (const controller of controllers?.split(',') ?? []) {
      if (controller === 'memory') paths.memory = `${root}/sys/fs/cgroup/memory${path}`
      if (controller === 'cpu') paths.cpu = `${root}/sys/fs/cgroup/cpu${path}`
    }
  }
  return paths
}

/** The cgroup memory files (v1 controller, else v2), or undefined outside any. */
function cgroupMemoryFiles({ unified, memory }: CgroupPaths): { limit: string; usage: string } | undefined {
  if (memory !== undefined) {
    return { limit: `${memory}/memory.limit_in_bytes`, usage: `${memory}/memory.usage_in_bytes` }
  }
  if (unified !== undefined) return { limit: `${unified}/memory.max`, usage: `${unified}/memory.current` }
  return undefined
}

/** CPUs' worth of quota the cgroup allows, or null. */
function cgroupCpuQuota({ unified, cpu }: CgroupPaths): number | null {
  const v2 = unified && read(`${unified}/cpu.max`)
  if (v2) {
    const [quota, period] = v2.trim().split(/\s+/)
    return quota === 'max' ? null : Number(quota) / Number(period)
  }
  const quota = Number((cpu && read(`${cpu}/cpu.cfs_quota_us`)) ?? -1)
  const period = Number((cpu && read(`${cpu}/cpu.cfs_period_us`)) ?? 0)
  return quota > 0 && period > 0 ? quota / period : null
}

// A container's limit is set when it starts and seldom changes: read at most once a second (a read
// is ~10 µs of a memory sample's ~40), the use every time.
const LIMIT_TTL_MS = 1000

/**
 * This process's children: each thread's /proc/self/task/<tid>/children lists the ones it started
 * (a few small reads), else a scan of every process.
 */
function childPids(): number[] {
  try {
    const pids: number[] = []
    for (const task of readdirSync('/proc/self/task')) {
      const listed = readFileSync(`/proc/self/task/${task}/children`, 'utf8').trim()
      if (listed !== '') for (const pid of listed.split(' ')) pids.push(Number(pid))
    }
    return pids
  } catch {
    return allProcesses()
      .filter((entry) => entry.ppid === process.pid)
      .map((entry) => entry.pid)
  }
}

/** Linux: /proc and the cgroup files, so that a container's limits are the limits. */
export class LinuxMonitor extends PortableMonitor {
  #lastStat: { busy: number; total: number } | undefined
  readonly #root: string
  #cgroups: CgroupPaths | undefined
  #limit: { at: number; value: number | null } | undefined

  /** `root`: where /proc and /sys are, '' for the real ones (tests point it at a recorded tree). */
  constructor(source: PlatformSource = nodeSource, root = '') {
    super(source)
    this.#root = root
  }

  get #cgroup(): CgroupPaths {
    this.#cgroups ??= cgroupPaths(this.#root)
    return this.#cgroups
  }

  /** The cgroup's memory limit in bytes (null: none), read again at most once a second. */
  #memoryLimit(): number | null {
    const now = performance.now()
    if (this.#limit && now - this.#limit.at < LIMIT_TTL_MS) return this.#limit.value
    const file = cgroupMemoryFiles(this.#cgroup)?.limit
    const value = file === undefined ? null : limitOf(read(file))
    this.#limit = { at: now, value }
    return value
  }

  override async getMemoryUsage(): Promise<MemoryUsage> {
    // MemTotal, MemFree and MemAvailable are the first three lines: the rest need not be parsed.
    const info = fields(read(`${this.#root}/proc/meminfo`)?.split('\n', 3).join('\n'))
    const limit = this.#memoryLimit()
    const machineTotal = info.get('MemTotal') ?? 0
    const machineAvailable = info.get('MemAvailable') ?? 0
    const limited = limit !== null && limit < machineTotal
    // The container's use matters only under a limit below the machine's memory.
    const usage = cgroupMemoryFiles(this.#cgroup)?.usage
    const current = limited && usage !== undefined ? limitOf(read(usage)) : null
    const total = limited ? limit : machineTotal
    const available =
      limited && current !== null
        ? Math.max(0, Math.min(machineAvailable, limit - current))
        : machineAvailable
    const { rss, heapUsed, heapTotal } = process.memoryUsage()
    return { total, available, used: total - available, processUsed: rss, heapUsed, heapTotal }
  }

  override async getCpuUsage(): Promise<CpuUsage> {
    const base = await super.getCpuUsage()
    const line = read('/proc/stat')?.split('\n')[0]
    if (!line?.startsWith('cpu ')) return base
    const ticks = line.slice(4).trim().split(/\s+/).map(Number)
    const total = ticks.reduce((sum, value) => sum + value, 0)
    const idle = (ticks[3] ?? 0) + (ticks[4] ?? 0)
    const now = { busy: total - idle, total }
    const last = this.#lastStat ?? { busy: 0, total: 0 }
    this.#lastStat = now
    const elapsed = now.total - last.total
    return { ...base, systemBusy: elapsed > 0 ? (now.busy - last.busy) / elapsed : 0 }
  }

  override async getProcessInfo(): Promise<ProcessInfo> {
    const status = fields(read('/proc/self/status'))
    // The listing's own directory handle is one of the entries.
    let descriptors: number | undefined
    try {
      descriptors = readdirSync('/proc/self/fd').length
    } catch {
      descriptors = undefined
    }
    const children: ChildInfo[] = []
    for (const pid of childPids()) {
      const status = read(`/proc/${pid}/status`)
      // Gone meanwhile, or a zombie not yet reaped: not a running child.
      if (status === undefined || /^State:\s+Z/m.test(status)) continue
      const command = read(`/proc/${pid}/comm`)?.trim() ?? ''
      children.push({ pid, command, rss: fields(status).get('VmRSS') ?? null })
    }
    return {
      pid: process.pid,
      ppid: process.ppid,
      rss: status.get('VmRSS') ?? process.memoryUsage().rss,
      openFileDescriptors: descriptors === undefined ? null : descriptors - 1,
      threads: status.get('Threads') ?? null,
      children,
    }
  }

  override async getSystemLimits(): Promise<SystemLimits> {
    const limits = read(`${this.#root}/proc/self/limits`)
    const limit = this.#memoryLimit()
    const machine = fields(read(`${this.#root}/proc/meminfo`)).get('MemTotal') ?? 0
    const quota = cgroupCpuQuota(this.#cgroup)
    const cores = (await super.getSystemLimits()).maxCpuUsage
    return {
      maxMemory: limit !== null && limit < machine ? limit : machine,
      maxFileDescriptors: softLimit(limits, 'Max open files'),
      maxProcesses: softLimit(limits, 'Max processes'),
      maxCpuUsage: quota !== null && quota < cores ? quota : cores,
    }
  }
}
