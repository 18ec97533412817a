import type { CpuUsage, DiskUsage, MemoryUsage, ProcessInfo, ResourceMonitor, SystemLimits } from './types.js'

// Not an import: each ESM import of a builtin costs a fresh test worker a module facade.
const { statfs } = process.getBuiltinModule('node:fs/promises')
const os = process.getBuiltinModule('node:os')

/** What the portable monitor reads: Node's own APIs, or recorded figures in tests. */
export interface PlatformSource {
  platform: string
  totalmem(): number
  freemem(): number
  loadavg(): number[]
  cpuCount(): number
  memoryUsage(): { rss: number; heapUsed: number; heapTotal: number }
  cpuUsage(): { user: number; system: number }
  now(): number
  statfs(path: string): Promise<{ bsize: number; blocks: number; bfree: number; bavail: number }>
  pid: number
  ppid: number
}

export const nodeSource: PlatformSource = {
  platform: process.platform,
  totalmem: () => os.totalmem(),
  freemem: () => os.freemem(),
  loadavg: () => os.loadavg(),
  cpuCount: () => os.availableParallelism?.() ?? os.cpus().length,
  memoryUsage: () => process.memoryUsage(),
  cpuUsage: () => process.cpuUsage(),
  now: () => performance.now(),
  statfs: (path) => statfs(path),
  pid: process.pid,
  ppid: process.ppid,
}

/** Disk figures from statfs, shared by every implementation. */
export async function diskUsage(source: Pick<PlatformSource, 'statfs'>, path: string): Promise<DiskUsage> {
  const stats = await source.statfs(path)
  const total = stats.blocks * stats.bsize
  const free = stats.bfree * stats.bsize
  return { path, total, free, available: stats.bavail * stats.bsize, used: total - free }
}

/**
 * macOS, Windows and anything that is not Linux: what Node itself reports. File descriptors, threads,
 * children, and descriptor or process limits are null there (not estimated).
 */
export class PortableMonitor implements ResourceMonitor {
  readonly platform: string
  readonly #source: PlatformSource
  #lastCpu: { at: number; usage: { user: number; system: number } }

  constructor(source: PlatformSource = nodeSource) {
    this.#source = source
    this.platform = source.platform
    this.#lastCpu = { at: source.now(), usage: source.cpuUsage() }
  }

  async getMemoryUsage(): Promise<MemoryUsage> {
    const total = this.#source.totalmem()
    const available = this.#source.freemem()
    const { rss, heapUsed, heapTotal } = this.#source.memoryUsage()
    return { total, available, used: total - available, processUsed: rss, heapUsed, heapTotal }
  }

  async getCpuUsage(): Promise<CpuUsage> {
    const [one = 0, five = 0, fifteen = 0] = this.#source.loadavg()
    return {
      cores: this.#source.cpuCount(),
      loadAverage: [one, five, fifteen],
      systemBusy: null,
      processBusy: this.#processBusy(),
    }
  }

  /** Process CPU time over wall time since the previous call, as a share of one core. */
  #processBusy(): number {
    const at = this.#source.now()
    const usage = this.#source.cpuUsage()
    const usedMicros = usage.user - this.#lastCpu.usage.user + (usage.system - this.#lastCpu.usage.system)
    const elapsedMs = at - this.#lastCpu.at
    this.#lastCpu = { at, usage }
    return elapsedMs > 0 ? usedMicros / 1000 / elapsedMs : 0
  }

  async getDiskUsage(path: string): Promise<DiskUsage> {
    return diskUsage(this.#source, path)
  }

  async getProcessInfo(): Promise<ProcessInfo> {
    const { rss } = this.#source.memoryUsage()
    return {
      pid: this.#source.pid,
      ppid: this.#source.ppid,
      rss,
      openFileDescriptors: null,
      threads: null,
      children: null,
    }
  }

  async getSystemLimits(): Promise<SystemLimits> {
    return {
      maxMemory: this.#source.totalmem(),
      maxFileDescriptors: null,
      maxProcesses: null,
      maxCpuUsage: this.#source.cpuCount(),
    }
  }
}
