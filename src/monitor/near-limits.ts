import { readdirSync } from 'node:fs'
import type { MonitorFinding } from '../report/model.js'
import { procFields, readProc, softLimit } from './proc.js'

// Per process: the limits are the process's, whichever test file runs; each warning comes once.
const warned = new Set<MonitorFinding['kind']>()
const startedBy = new Map<string, number>()
let limits: { files: number | null; processes: number | null } | undefined
let processesCheckedAt = Number.NEGATIVE_INFINITY
// How often the count may be read: a /proc/loadavg read costs a test worker ~30–50 µs.
const PROCESS_CHECK_MS = 1_000

function processLimits(): NonNullable<typeof limits> {
  if (limits === undefined) {
    const text = readProc('/proc/self/limits')
    limits = { files: softLimit(text, 'Max open files'), processes: softLimit(text, 'Max processes') }
  }
  return limits
}

function readProcDirs(): string[] {
  try {
    return readdirSync('/proc').filter((name) => /^\d+$/.test(name))
  } catch {
    return []
  }
}

/** Threads of this user (what the process limit counts), or undefined off Linux. */
function userThreads(near: number): number | undefined {
  const loadavg = readProc('/proc/loadavg')
  if (loadavg === undefined) return undefined
  // Every thread of the machine: when that is below the mark, so are the user's; no need to count.
  const total = Number(loadavg.split(' ')[3]?.split('/')[1])
  if (!(total >= near)) return total
  const uid = String(process.getuid?.())
  let threads = 0
  for (const pid of readProcDirs()) {
    const status = readProc(`/proc/${pid}/status`)
    if (status === undefined || /^Uid:\s+(\d+)/m.exec(status)?.[1] !== uid) continue
    threads += procFields(status).get('Threads') ?? 1
  }
  return threads
}

/** The tests that hold (or started) the most, as 'name (count)', at most three. */
function topHolders(counts: Map<string, number>): string {
  return [...counts]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 3)
    .map(([name, count]) => `"${name}" (${count})`)
    .join(', ')
}

/**
 * Once per process: `open` descriptors are `share` of the open-files limit or more. `owners` maps
 * held descriptors to the test holding each.
 */
export function nearFileLimit(
  open: number,
  owners: ReadonlyMap<string, string>,
  share: number,
): MonitorFinding | undefined {
  const limit = processLimits().files
  if (limit === null || warned.has('fd-limit') || open < limit * share) return undefined
  warned.add('fd-limit')
  const held = new Map<string, number>()
  for (const name of owners.values()) held.set(name, (held.get(name) ?? 0) + 1)
  const who = held.size > 0 ? ` Tests holding the most: ${topHolders(held)}.` : ''
  return {
    kind: 'fd-limit',
    severity: 'warning',
    message: `${open} file descriptors open, near the limit of ${limit} (ulimit -n).${who}`,
    value: open,
    threshold: Math.ceil(limit * share),
  }
}

/**
 * Counts the child processes `label` started; once per process, warns when this user's processes
 * and threads are `share` of the processes limit or more. Reads /proc at most once a second.
 */
export function nearProcessLimit(label: string, started: number, share: number): MonitorFinding | undefined {
  if (started > 0) startedBy.set(label, (startedBy.get(label) ?? 0) + started)
  const limit = processLimits().processes
  if (limit === null || warned.has('process-limit')) return undefined
  // A suite that starts a child per test need not read /proc for each.
  const now = performance.now()
  if (now - processesCheckedAt < PROCESS_CHECK_MS) return undefined
  processesCheckedAt = now
  const near = Math.ceil(limit * share)
  const count = userThreads(near)
  if (count === undefined || count < near) return undefined
  warned.add('process-limit')
  return {
    kind: 'process-limit',
    severity: 'warning',
    message: `${count} processes and threads of this user, near the limit of ${limit} (ulimit -u). Tests that started the most child processes: ${topHolders(startedBy)}.`,
    value: count,
    threshold: near,
  }
}
