// Core ResourceManager benchmark: each figure beside the seed design's limit and our target, and the
// floor (the same work on a plain Map / plain calls) measured in the same run.
import { performance } from 'node:perf_hooks'
import { ResourceManager } from '../../dist/index.js'
import { printTable } from './table.mjs'

const noop = () => {}
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]

/** Runs `fn` (which returns elapsed ms) `runs` times after `warmup` runs: { median, min }. */
async function measure(fn, runs, warmup = 5) {
  for (let i = 0; i < warmup; i++) await fn()
  const times = []
  for (let i = 0; i < runs; i++) times.push(await fn())
  return { median: median(times), min: Math.min(...times) }
}

function plainMap(n) {
  const map = new Map()
  for (let i = 0; i < n; i++) map.set(`r${i}`, () => {})
  return { getResourceCount: () => map.size }
}

function registerN(n, options) {
  const manager = new ResourceManager(options)
  const start = performance.now()
  for (let i = 0; i < n; i++) manager.register(`r${i}`, noop)
  return { manager, ms: performance.now() - start }
}

async function cleanN(n) {
  const { manager } = registerN(n, { captureOrigin: false })
  const start = performance.now()
  await manager.cleanup()
  return performance.now() - start
}

async function registerAndClean(n) {
  const start = performance.now()
  const manager = new ResourceManager()
  for (let i = 0; i < n; i++) manager.register(`r${i}`, noop)
  await manager.cleanup()
  return performance.now() - start
}

/** Heap held by a manager with 1,000 registered resources, after GC (median of 7 fresh managers). */
function retainedHeap(options) {
  const settle = () => {
    for (let i = 0; i < 6; i++) global.gc()
    return process.memoryUsage().heapUsed
  }
  const deltas = []
  const kept = []
  for (let run = 0; run < 7; run++) {
    const before = settle()
    // null: the floor, a plain Map of 1,000 ids to cleanup functions.
    kept.push(options === null ? plainMap(1000) : registerN(1000, options).manager)
    deltas.push(settle() - before)
  }
  if (kept.some((manager) => manager.getResourceCount() !== 1000)) throw new Error('a manager lost resources')
  return median(deltas)
}

/** The rows of the core table. */
export async function coreBench() {
  const rows = []
  const row = (name, value, unit, limit, target, floor) =>
    rows.push({ name, value, unit, limit, target, floor })

  const floorRegister = await measure(() => {
    const map = new Map()
    const start = performance.now()
    for (let i = 0; i < 1000; i++) map.set(`r${i}`, noop)
    return performance.now() - start
  }, 50)
  const configs = [
    ['default: origins of the first 64', {}],
    ['captureOrigin: true', { captureOrigin: true }],
    ['captureOrigin: false', { captureOrigin: false }],
  ]
  for (const [label, options] of configs) {
    const result = await measure(() => registerN(1000, options).ms, 50)
    row(`register 1,000 (${label})`, result.median, 'ms', 50, 1, floorRegister.median)
  }

  const floorClean = await measure(() => {
    const fns = Array.from({ length: 100 }, () => noop)
    const start = performance.now()
    for (const fn of fns) fn()
    return performance.now() - start
  }, 50)
  const clean = await measure(() => cleanN(100), 50)
  row('clean 100 no-op resources', clean.median, 'ms', 100, 1, floorClean.median)

  const heapFloor = retainedHeap(null) / 1024
  for (const [label, options] of configs) {
    row(
      `retained heap, 1,000 registered (${label})`,
      retainedHeap(options) / 1024,
      'KB',
      1024,
      300,
      heapFloor,
    )
  }

  const perResource = {}
  for (const [n, runs] of [
    [1_000, 30],
    [10_000, 10],
    [100_000, 3],
  ]) {
    const result = await measure(() => registerAndClean(n), runs, 2)
    perResource[n] = (result.median * 1000) / n
    row(
      `register+clean ${n.toLocaleString('en')} (µs per resource)`,
      perResource[n],
      'µs',
      undefined,
      undefined,
      undefined,
    )
  }
  const growth = perResource[100_000] / perResource[1_000]
  return { rows, growth }
}

function verdict(value, limit, target) {
  if (limit === undefined) return ''
  if (value <= target) return 'within target'
  if (value <= limit) return 'within limit'
  return 'OVER LIMIT'
}

/** Prints the core table. */
export function printCore({ rows, growth }) {
  const fmt = (v, unit) => (v === undefined ? '-' : `${v < 10 ? v.toFixed(3) : v.toFixed(1)} ${unit}`)
  const header = ['figure', 'ours', 'floor', 'limit', 'target', 'verdict']
  const table = rows.map((r) => [
    r.name,
    fmt(r.value, r.unit),
    fmt(r.floor, r.unit),
    fmt(r.limit, r.unit),
    r.target === undefined ? '-' : `< ${fmt(r.target, r.unit)}`,
    verdict(r.value, r.limit, r.target),
  ])
  console.log(
    '\nCore ResourceManager (median of repeated runs; floor = the same work on a plain Map or plain calls)',
  )
  printTable(header, table)
  console.log(`growth: per-resource time at 100k / at 1k = ${growth.toFixed(2)} (1.00 = perfectly linear)`)
}
