import { closeSync, openSync, readFileSync, readSync } from 'node:fs'

// Synchronous on purpose: a /proc or cgroup file is generated in memory, and one read costs a few
// microseconds where the thread-pool round trips of an async read cost hundreds.
/** A /proc (or cgroup) file's text, or undefined when it cannot be read (gone, or not Linux). */
export function readProc(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8')
  } catch {
    return undefined
  }
}

/** `Key:   123 kB` lines of /proc files, as bytes (or plain numbers without a unit). */
export function procFields(text: string | undefined): Map<string, number> {
  const found = new Map<string, number>()
  for (const line of text?.split('\n') ?? []) {
    const match = /^([\w()]+):\s+(\d+)(\s+kB)?/.exec(line)
    if (match) found.set(match[1]!, Number(match[2]) * (match[3] ? 1024 : 1))
  }
  return found
}

/** The soft limit of a /proc/self/limits row ('Max open files', 'Max processes'), or null when unlimited. */
export function softLimit(limits: string | undefined, name: string): number | null {
  const line = limits?.split('\n').find((row) => row.startsWith(name))
  const soft = line?.slice(name.length).trim().split(/\s+/)[0]
  return soft === undefined || soft === 'unlimited' ? null : Number(soft)
}

// USER_HZ: the unit of /proc CPU times, 100 on every architecture Node supports on Linux.
const TICK_MS = 10

/**
 * CPU milliseconds from /proc/<pid>/stat: the process's own (user + system) and its reaped
 * children's (cutime + cstime). Undefined when the process is gone.
 */
export function procCpu(pid: number | 'self'): { own: number; children: number } | undefined {
  const stat = readProc(`/proc/${pid}/stat`)
  if (stat === undefined) return undefined
  // The command name (field 2) may hold spaces and parentheses: count fields after its last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  const own = Number(fields[11]) + Number(fields[12])
  const children = Number(fields[13]) + Number(fields[14])
  return { own: own * TICK_MS, children: children * TICK_MS }
}

// /proc/self/statm, kept open: a pread of it costs ~1.5 µs, where process.memoryUsage.rss() opens and
// parses /proc/self/stat each time (~8 µs warm, ~40 µs in a fresh test worker). Opened before any
// scope starts (see ScopeMonitor), so it is part of every scope's baseline, never a held file.
let statm: number | null | undefined
const statmText = Buffer.alloc(128)
let pageSize = 0

/** Opens /proc/self/statm once (Linux, main thread); the first scope's baseline then counts it. */
export function openResidentSet(): void {
  if (statm !== undefined) return
  try {
    // One per process: worker threads (which share the process and its figure) use Node's.
    const { isMainThread } = process.getBuiltinModule('node:worker_threads')
    statm = process.platform === 'linux' && isMainThread ? openSync('/proc/self/statm', 'r') : null
  } catch {
    statm = null
  }
}

/** The process's resident set in bytes: from a kept-open /proc/self/statm on Linux, else Node's figure. */
export function residentSet(): number {
  openResidentSet()
  if (typeof statm === 'number') {
    try {
      const length = readSync(statm, statmText, 0, statmText.length, 0)
      const pages = Number(statmText.toString('latin1', 0, length).split(' ')[1])
      if (pageSize === 0 && pages > 0) {
        // The page size, which Node does not expose: the nearest power of two to Node's figure / pages.
        pageSize = 2 ** Math.round(Math.log2(process.memoryUsage.rss() / pages))
      }
      if (pages > 0) return pages * pageSize
    } catch {
      statm = null
    }
  }
  return process.memoryUsage.rss()
}

/** Closes the kept-open /proc/self/statm (a vm pool's test file ends: its copy of this module goes). */
export function closeResidentSet(): void {
  if (typeof statm === 'number') closeSync(statm)
  statm = undefined
}
