/** Bytes of memory. A figure the platform cannot give is null, never an estimate. */
export interface MemoryUsage {
  /** Memory this process may use in all: the machine's, or the container's (cgroup) limit if lower. */
  total: number
  /** What is still available within `total`. */
  available: number
  /** `total - available`. */
  used: number
  /** This process's resident set size. */
  processUsed: number
  heapUsed: number
  heapTotal: number
}

/** What `getCpuUsage()` returns: the machine's cores and load, and this process's share of a core. */
export interface CpuUsage {
  /** CPUs the machine has. */
  cores: number
  /** 1, 5 and 15 minute load averages (zeros on Windows, as Node reports them). */
  loadAverage: [number, number, number]
  /** Share of all CPUs busy since the previous call (or since boot on the first), 0 to 1; null if unknown. */
  systemBusy: number | null
  /** CPU time this process used since the previous call, as a share of one core. */
  processBusy: number
}

/** What `getDiskUsage(path)` returns: bytes of the file system holding `path`. */
export interface DiskUsage {
  path: string
  total: number
  free: number
  /** What an unprivileged process may still use. */
  available: number
  used: number
}

/** A child process of this process. */
export interface ChildInfo {
  pid: number
  command: string
  /** Resident set size in bytes, or null where unknown. */
  rss: number | null
}

/** What `getProcessInfo()` returns: this process, and its child processes. */
export interface ProcessInfo {
  pid: number
  ppid: number
  rss: number
  /** Open file descriptors, or null where the platform does not list them. */
  openFileDescriptors: number | null
  /** Threads of this process, or null where unknown. */
  threads: number | null
  /** Direct children, or null where the platform does not list them. */
  children: ChildInfo[] | null
}

/** The limits a suite runs into. null: no limit, or not knowable on this platform (see README). */
export interface SystemLimits {
  /** Bytes: the container's memory limit, else the machine's memory. */
  maxMemory: number
  maxFileDescriptors: number | null
  maxProcesses: number | null
  /** CPUs' worth of time the process may use (a cgroup CPU quota), else the number of cores. */
  maxCpuUsage: number
}

/** One interface on every platform; create it with `createResourceMonitor()`. */
export interface ResourceMonitor {
  readonly platform: string
  getMemoryUsage(): Promise<MemoryUsage>
  getCpuUsage(): Promise<CpuUsage>
  getDiskUsage(path: string): Promise<DiskUsage>
  getProcessInfo(): Promise<ProcessInfo>
  getSystemLimits(): Promise<SystemLimits>
}
