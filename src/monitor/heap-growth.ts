import { describe, InvalidArgumentError, TestkitError } from '../core/errors.js'
import { assertOptions } from '../core/validate.js'
import { collector } from './gc.js'

// Not an import: each ESM import of a builtin costs a fresh test worker a module facade.
const { writeHeapSnapshot } = process.getBuiltinModule('node:v8')

/** Options of `expectNoHeapGrowth(fn, options)`. */
export interface HeapGrowthOptions {
  /** Measured runs of `fn`. Default 10. */
  runs?: number
  /** Runs first, not measured (caches, JIT, lazy modules). Default 3. */
  warmup?: number
  /** Bytes of retained heap the measured runs may add in all before it counts as growth. Default 1 MiB. */
  maxGrowth?: number
  /** Write a heap snapshot when growth is found: true for one in the working directory, or a file path. */
  snapshot?: boolean | string
}

/** What `expectNoHeapGrowth()` measured. */
export interface HeapGrowthResult {
  /** Retained heap after each measured run, after a full GC, in bytes. */
  retained: number[]
  /** Least-squares growth per run, in bytes. */
  bytesPerRun: number
  /** bytesPerRun x runs. */
  growth: number
}

/** The heap kept growing across runs of a function (`code: 'ERR_HEAP_GROWTH'`). */
export class HeapGrowthError extends TestkitError {
  readonly result: HeapGrowthResult
  /** The heap snapshot written, if one was asked for. */
  readonly snapshot: string | undefined

  constructor(result: HeapGrowthResult, maxGrowth: number, snapshot: string | undefined) {
    const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`
    super(
      'ERR_HEAP_GROWTH',
      `The retained heap grew by ${kb(result.growth)} over ${result.retained.length} runs (${kb(result.bytesPerRun)} a run), more than the ${kb(maxGrowth)} allowed.` +
        ` After each run: ${result.retained.map(kb).join(', ')}.${snapshot ? ` Heap snapshot: ${snapshot}` : ''}`,
    )
    this.result = result
    this.snapshot = snapshot
  }
}

function count(name: string, value: number, min: number): number {
  if (!Number.isInteger(value) || value < min) {
    throw new InvalidArgumentError(
      `expectNoHeapGrowth() option "${name}" must be a whole number >= ${min}, got ${describe(value)}.`,
    )
  }
  return value
}

/**
 * Runs `fn` `warmup + runs` times, collecting garbage after each run, and fails with a
 * HeapGrowthError when the heap retained after the measured runs keeps growing beyond `maxGrowth`:
 * repeated-run leak detection that one before/after figure cannot give.
 */
export async function expectNoHeapGrowth(
  fn: () => unknown,
  options: HeapGrowthOptions = {},
): Promise<HeapGrowthResult> {
  if (typeof fn !== 'function') {
    throw new InvalidArgumentError(`expectNoHeapGrowth() needs a function to run, got ${describe(fn)}.`)
  }
  assertOptions('expectNoHeapGrowth() options', options)
  const runs = count('runs', options.runs ?? 10, 3)
  const warmup = count('warmup', options.warmup ?? 3, 0)
  const maxGrowth = options.maxGrowth ?? 1024 * 1024
  if (typeof maxGrowth !== 'number' || !(maxGrowth >= 0)) {
    throw new InvalidArgumentError(
      `expectNoHeapGrowth() option "maxGrowth" must be a number of bytes, got ${describe(maxGrowth)}.`,
    )
  }
  const gc = collector()
  const settle = () => {
    // Twice: the first pass can leave garbage that weak references and finalizers free in the second.
    gc()
    gc()
    return process.memoryUsage().heapUsed
  }
  for (let i = 0; i < warmup; i++) await fn()
  settle()
  const retained: number[] = []
  for (let i = 0; i < runs; i++) {
    await fn()
    retained.push(settle())
  }
  const mean = (runs - 1) / 2
  const average = retained.reduce((sum, bytes) => sum + bytes, 0) / runs
  let covariance = 0
  let variance = 0
  retained.forEach((bytes, i) => {
    covariance += (i - mean) * (bytes - average)
    variance += (i - mean) ** 2
  })
  const bytesPerRun = covariance / variance
  const result = { retained, bytesPerRun, growth: bytesPerRun * runs }
  if (result.growth <= maxGrowth) return result
  const snapshot =
    options.snapshot === undefined || options.snapshot === false
      ? undefined
      : writeHeapSnapshot(options.snapshot === true ? undefined : options.snapshot)
  throw new HeapGrowthError(result, maxGrowth, snapshot)
}
