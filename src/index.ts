/**
 * @orchestr8/testkit: resource management, leak detection and cleanup for test suites.
 * Framework-free; the Vitest and Jest adapters live under their own subpaths.
 */
export type { IgnoreRule, LeakPolicy, TestkitOptions } from './config/options.js'
export * from './core/index.js'
export * from './helpers/index.js'
export {
  type ChildInfo,
  type CpuUsage,
  createResourceMonitor,
  type DiskUsage,
  expectNoHeapGrowth,
  HeapGrowthError,
  type HeapGrowthOptions,
  type HeapGrowthResult,
  MemoryPressure,
  type MemoryPressureOptions,
  type MemoryTrend,
  type MemoryUsage,
  type PressureLevel,
  type PressureSample,
  type ProcessInfo,
  type ResourceMonitor,
  type SystemLimits,
} from './monitor/index.js'
export type { BaselineEntry } from './report/baseline.js'
export { TestkitScopeError } from './report/format.js'
export type {
  CleanupFailureRecord,
  LeakRecord,
  MonitorFinding,
  ScopeMetrics,
  ScopeRecord,
  Severity,
} from './report/model.js'
export type {
  JsonReport,
  ReportCleanupError,
  ReportFinding,
  ReportLeak,
  ReportScopeMetrics,
} from './report/run-report.js'
export { allowLeaks, getResourceManager, setCleanupTimeout } from './scope/index.js'
