import { describe, InvalidArgumentError } from '../core/errors.js'
import { realTimers } from '../core/timers.js'
import { assertFunction, assertOptions, assertPositiveNumber } from '../core/validate.js'
import type { MemoryUsage, ResourceMonitor } from './types.js'

/** How full memory is, by the thresholds: below warning, at or above warning, at or above critical. */
export type PressureLevel = 'normal' | 'warning' | 'critical'

/** Options of `new MemoryPressure(monitor, options)`: its thresholds, and how many samples it keeps. */
export interface MemoryPressureOptions {
  /** Share of `total` in use (0 to 1) at which the level becomes 'warning'. Default 0.7. */
  warning?: number
  /** Share at which it becomes 'critical'. Default 0.85. */
  critical?: number
  /** Samples kept for the trend. Default 30. */
  window?: number
}

/** One sample and the level it put memory at. */
export interface PressureSample {
  at: number
  usage: MemoryUsage
  /** usage.used / usage.total. */
  ratio: number
  level: PressureLevel
}

/** Where memory use is going over the kept samples (least squares). */
export interface MemoryTrend {
  samples: number
  /** Bytes per second; positive when use grows. 0 with fewer than two samples. */
  bytesPerSecond: number
  /** Seconds until `total` at this rate, or null when use is not growing. */
  secondsToFull: number | null
}

type Listener = (sample: PressureSample) => void | Promise<void>

function share(name: string, value: number): number {
  if (typeof value !== 'number' || !(value > 0 && value < 1)) {
    throw new InvalidArgumentError(
      `MemoryPressure option "${name}" must be a share between 0 and 1, got ${describe(value)}.`,
    )
  }
  return value
}

/**
 * Memory pressure over a resource monitor: each `sample()` (or the timer of `start()`) reads memory,
 * sets the level by the thresholds, and when the level rises runs the callbacks registered for it,
 * e.g. to clean caches or fail fast. Every callback's error is collected, none stops the others.
 */
export class MemoryPressure {
  readonly warning: number
  readonly critical: number
  readonly #monitor: ResourceMonitor
  readonly #window: number
  readonly #samples: PressureSample[] = []
  readonly #listeners: Record<Exclude<PressureLevel, 'normal'>, Set<Listener>> = {
    warning: new Set(),
    critical: new Set(),
  }
  #level: PressureLevel = 'normal'
  #timer: NodeJS.Timeout | undefined

  constructor(monitor: ResourceMonitor, options: MemoryPressureOptions = {}) {
    if (typeof (monitor as Partial<ResourceMonitor> | null)?.getMemoryUsage !== 'function') {
      throw new InvalidArgumentError(
        `MemoryPressure needs a ResourceMonitor (from createResourceMonitor()), got ${describe(monitor)}.`,
      )
    }
    assertOptions('MemoryPressure options', options)
    this.#monitor = monitor
    this.warning = share('warning', options.warning ?? 0.7)
    this.critical = share('critical', options.critical ?? 0.85)
    if (this.critical <= this.warning) {
      throw new InvalidArgumentError(
        `MemoryPressure option "critical" (${this.critical}) must be above "warning" (${this.warning}).`,
      )
    }
    this.#window = options.window ?? 30
    if (!Number.isInteger(this.#window) || this.#window < 2) {
      throw new InvalidArgumentError(
        `MemoryPressure option "window" must be a whole number of samples, at least 2, got ${describe(options.window)}.`,
      )
    }
  }

  /** The level of the last sample. */
  get level(): PressureLevel {
    return this.#level
  }

  /** Runs `callback` each time memory rises to `level` (critical also runs the warning callbacks first). */
  onPressure(level: Exclude<PressureLevel, 'normal'>, callback: Listener): () => void {
    if (level !== 'warning' && level !== 'critical') {
      throw new InvalidArgumentError(
        `onPressure() level must be 'warning' or 'critical', got ${describe(level)}.`,
      )
    }
    assertFunction('onPressure() callback', callback)
    this.#listeners[level].add(callback)
    return () => this.#listeners[level].delete(callback)
  }

  /** Takes one sample; runs the callbacks of every level it rose to. Rejects with an AggregateError of their failures. */
  async sample(): Promise<PressureSample> {
    const usage = await this.#monitor.getMemoryUsage()
    const ratio = usage.total > 0 ? usage.used / usage.total : 0
    const level: PressureLevel =
      ratio >= this.critical ? 'critical' : ratio >= this.warning ? 'warning' : 'normal'
    const sample = { at: performance.now(), usage, ratio, level }
    this.#samples.push(sample)
    if (this.#samples.length > this.#window) this.#samples.shift()
    const rank = { normal: 0, warning: 1, critical: 2 }
    const from = rank[this.#level]
    this.#level = level
    const errors: unknown[] = []
    for (const crossed of ['warning', 'critical'] as const) {
      if (rank[crossed] <= from || rank[crossed] > rank[level]) continue
      for (const listener of this.#listeners[crossed]) {
        try {
          await listener(sample)
        } catch (error) {
          errors.push(error)
        }
      }
    }
    if (errors.length > 0)
      throw new AggregateError(errors, `${errors.length} memory pressure callback(s) failed.`)
    return sample
  }

  /** Least-squares slope of memory in use over the kept samples. */
  trend(): MemoryTrend {
    const samples = this.#samples
    const n = samples.length
    if (n < 2) return { samples: n, bytesPerSecond: 0, secondsToFull: null }
    const meanT = samples.reduce((sum, s) => sum + s.at, 0) / n
    const meanU = samples.reduce((sum, s) => sum + s.usage.used, 0) / n
    let covariance = 0
    let variance = 0
    for (const s of samples) {
      covariance += (s.at - meanT) * (s.usage.used - meanU)
      variance += (s.at - meanT) ** 2
    }
    const bytesPerSecond = variance === 0 ? 0 : (covariance / variance) * 1000
    const last = samples[n - 1]!.usage
    return {
      samples: n,
      bytesPerSecond,
      secondsToFull: bytesPerSecond > 0 ? (last.total - last.used) / bytesPerSecond : null,
    }
  }

  /** Samples every `intervalMs` in the background (unref'd: it never keeps the process alive). */
  start(intervalMs = 1_000): void {
    assertPositiveNumber('MemoryPressure start() intervalMs', intervalMs)
    this.stop()
    const tick = () => {
      this.sample()
        .catch(() => {})
        .finally(() => {
          if (this.#timer !== undefined) this.#timer = realTimers().setTimeout(tick, intervalMs).unref()
        })
    }
    this.#timer = realTimers().setTimeout(tick, intervalMs).unref()
  }

  /** Stops the background sampling. */
  stop(): void {
    if (this.#timer !== undefined) realTimers().clearTimeout(this.#timer)
    this.#timer = undefined
  }
}
