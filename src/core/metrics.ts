import { type CategoryMetrics, ResourceCategory, type ResourceMetrics } from './types.js'

// Durations kept per category for the p95: the most recent ones, so memory stays bounded.
const SAMPLE_SIZE = 1024

class CategoryCounter {
  registered = 0
  cleaned = 0
  failed = 0
  timedOut = 0
  totalDuration = 0
  maxDuration = 0
  readonly samples: number[] = []
  next = 0

  record(duration: number): void {
    this.totalDuration += duration
    if (duration > this.maxDuration) this.maxDuration = duration
    if (this.samples.length < SAMPLE_SIZE) this.samples.push(duration)
    else this.samples[this.next] = duration
    this.next = (this.next + 1) % SAMPLE_SIZE
  }

  snapshot(): CategoryMetrics {
    const sorted = [...this.samples].sort((a, b) => a - b)
    const p95 = sorted.length === 0 ? 0 : sorted[Math.ceil(sorted.length * 0.95) - 1]!
    return {
      registered: this.registered,
      cleaned: this.cleaned,
      failed: this.failed,
      timedOut: this.timedOut,
      totalDuration: this.totalDuration,
      maxDuration: this.maxDuration,
      p95Duration: p95,
    }
  }
}

const EMPTY = new CategoryCounter()

/** Counters of one manager. Hot path: `registered()`/`settled()` run per resource. */
export class MetricsRecorder {
  // A counter per category in use: a manager per test mostly sees one or two categories.
  readonly #byCategory = new Map<ResourceCategory, CategoryCounter>()
  #live = 0
  #peakLive = 0

  #counter(category: ResourceCategory): CategoryCounter {
    let counter = this.#byCategory.get(category)
    if (counter === undefined) {
      counter = new CategoryCounter()
      this.#byCategory.set(category, counter)
    }
    return counter
  }

  registered(category: ResourceCategory): void {
    this.#counter(category).registered++
    if (++this.#live > this.#peakLive) this.#peakLive = this.#live
  }

  /** A resource left without being cleaned (unregistered). */
  released(): void {
    this.#live--
  }

  settled(category: ResourceCategory, outcome: 'cleaned' | 'failed' | 'timedOut', duration: number): void {
    const counter = this.#counter(category)
    this.#live--
    if (outcome === 'cleaned') counter.cleaned++
    else if (outcome === 'failed') counter.failed++
    else counter.timedOut++
    counter.record(duration)
  }

  snapshot(): ResourceMetrics {
    const byCategory = {} as Record<ResourceCategory, CategoryMetrics>
    const totals = { registered: 0, cleaned: 0, failed: 0, timedOut: 0 }
    for (const category of Object.values(ResourceCategory)) {
      const metrics = (this.#byCategory.get(category) ?? EMPTY).snapshot()
      byCategory[category] = metrics
      totals.registered += metrics.registered
      totals.cleaned += metrics.cleaned
      totals.failed += metrics.failed
      totals.timedOut += metrics.timedOut
    }
    return { live: this.#live, peakLive: this.#peakLive, ...totals, byCategory }
  }
}
