import { readdir, readFile } from 'node:fs/promises'
import { allProcesses } from '../helpers/process-tree.js'
import { nodeSource, type PlatformSource, PortableMonitor } from './portable.js'
import type { ChildInfo, CpuUsage, MemoryUsage, ProcessInfo, SystemLimits } from './types.js'

// cgroup v1 writes "no limit" as a huge number (2^63 rounded down to a page), v2 as "max".
const UNLIMITED = 2 ** 60

async function read(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8')
  } catch {
    return undefined
  }
}

/** `Key:   123 kB` lines of /proc files, as bytes (or plain numbers without a unit). */
function fields(text: string | undefined): Map<string, number> {
  const found = new Map<string, number>()
  for (const line of text?.split('\n') ?? []) {
    const match = /^([\w()]+):\s+(\d+)(\s+kB)?/.exec(line)
    if (match) found.set(match[1]!, Number(match[2]) * (match[3] ? 1024 : 1))
  }
  return found
}

const limitOf = (text: string | undefined): number | null => {
  const value = text?.trim()
  if (value === undefined || value === '' || value === 'max') return null
  const number = Number(value)
  return Number.isFinite(number) && number > 0 && number < UNLIMITED ? number : null
}

/** This process's cgroup directories: v2 (unified) and the v1 memory and cpu controllers. */
async function cgroupPaths(): Promise<{ unified?: string; memory?: string; cpu?: string }> {
  const paths: { unified?: string; memory?: string; cpu?: string } = {}
  for (const line of (await read('/proc/self/cgroup'))?.split('\n') ?? []) {
    const [, controllers, path] = line.split(':')
    if (path === undefined) continue
    if (controllers === '') paths.unified = `/sys/fs/cgroup${path}`
    for (const controller of controllers?.split(',') ?? []) {
      if (controller === 'memory') paths.memory = `/sys/fs/cgroup/memory${path}`
      if (controller === 'cpu') paths.cpu = `/sys/fs/cgroup/cpu${path}`
    }
  }
  return paths
}

/** The container's memory limit and use, in bytes (null: no limit). */
async function cgroupMemory(): Promise<{ limit: number | null; current: number | null }> {
  const { unified, memory } = await cgroupPaths()
  const v1 = memory && (await read(`${memory}/memory.limit_in_bytes`))
  if (v1 !== undefined) {
    return { limit: limitOf(v1), current: limitOf(await read(`${memory}/memory.usage_in_bytes`)) }
  }
  if (unified !== undefined) {
    return {
      limit: limitOf(await read(`${unified}/memory.max`)),
      current: limitOf(await read(`${unified}/memory.current`)),
    }
  }
  return { limit: null, current: null }
}

/** CPUs' worth of quota the cgroup allows, or null. */
async function cgroupCpuQuota(): Promise<number | null> {
  const { unified, cpu } = await cgroupPaths()
  const v2 = unified && (await read(`${unified}/cpu.max`))
  if (v2) {
    const [quota, period] = v2.trim().split(/\s+/)
    return quota === 'max' ? null : Number(quota) / Number(period)
  }
  const quota = Number((cpu && (await read(`${cpu}/cpu.cfs_quota_us`))) ?? -1)
  const period = Number((cpu && (await read(`${cpu}/cpu.cfs_period_us`))) ?? 0)
  return quota > 0 && period > 0 ? quota / period : null
}

/** The soft limit of a /proc/self/limits row, or null when unlimited. */
function softLimit(limits: string | undefined, name: string): number | null {
  const line = limits?.split('\n').find((row) => row.startsWith(name))
  const soft = line?.slice(name.length).trim().split(/\s+/)[0]
  return soft === undefined || soft === 'unlimited' ? null : Number(soft)
}

/** Linux: /proc and the cgroup files, so that a container's limits are the limits. */
export class LinuxMonitor extends PortableMonitor {
  #lastStat: { busy: number; total: number } | undefined

  constructor(source: PlatformSource = nodeSource) {
    super(source)
  }

  override async getMemoryUsage(): Promise<MemoryUsage> {
    const info = fields(await read('/proc/meminfo'))
    const { limit, current } = await cgroupMemory()
    const machineTotal = info.get('MemTotal') ?? 0
    const machineAvailable = info.get('MemAvailable') ?? 0
    const total = limit !== null && limit < machineTotal ? limit : machineTotal
    const available =
      limit !== null && current !== null && limit < machineTotal
        ? Math.max(0, Math.min(machineAvailable, limit - current))
        : machineAvailable
    const { heapUsed, heapTotal } = process.memoryUsage()
    const rss = fields(await read('/proc/self/status')).get('VmRSS') ?? process.memoryUsage().rss
    return { total, available, used: total - available, processUsed: rss, heapUsed, heapTotal }
  }

  override async getCpuUsage(): Promise<CpuUsage> {
    const base = await super.getCpuUsage()
    const line = (await read('/proc/stat'))?.split('\n')[0]
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
    const status = fields(await read('/proc/self/status'))
    // The listing's own directory handle is one of the entries.
    const descriptors = (await readdir('/proc/self/fd').catch(() => undefined))?.length
    const children: ChildInfo[] = []
    for (const entry of allProcesses()) {
      if (entry.ppid !== process.pid || entry.isZombie) continue
      const command = (await read(`/proc/${entry.pid}/comm`))?.trim() ?? ''
      const rss = fields(await read(`/proc/${entry.pid}/status`)).get('VmRSS') ?? null
      children.push({ pid: entry.pid, command, rss })
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
    const limits = await read('/proc/self/limits')
    const { limit } = await cgroupMemory()
    const machine = fields(await read('/proc/meminfo')).get('MemTotal') ?? 0
    const quota = await cgroupCpuQuota()
    const cores = (await super.getSystemLimits()).maxCpuUsage
    return {
      maxMemory: limit !== null && limit < machine ? limit : machine,
      maxFileDescriptors: softLimit(limits, 'Max open files'),
      maxProcesses: softLimit(limits, 'Max processes'),
      maxCpuUsage: quota !== null && quota < cores ? quota : cores,
    }
  }
}
