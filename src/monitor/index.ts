import { LinuxMonitor } from './linux.js'
import { PortableMonitor } from './portable.js'
import type { ResourceMonitor } from './types.js'

export {
  expectNoHeapGrowth,
  HeapGrowthError,
  type HeapGrowthOptions,
  type HeapGrowthResult,
} from './heap-growth.js'
export {
  MemoryPressure,
  type MemoryPressureOptions,
  type MemoryTrend,
  type PressureLevel,
  type PressureSample,
} from './pressure.js'

export type {
  ChildInfo,
  CpuUsage,
  DiskUsage,
  MemoryUsage,
  ProcessInfo,
  ResourceMonitor,
  SystemLimits,
} from './types.js'

/**
 * The resource monitor for this platform: on Linux it reads /proc and the cgroup limits (a
 * container's limit is the limit); elsewhere it reports what Node gives and null where a figure is
 * not available. Sampling spawns no process.
 */
export function createResourceMonitor(): ResourceMonitor {
  return process.platform === 'linux' ? new LinuxMonitor() : new PortableMonitor()
}
