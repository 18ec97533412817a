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

/** CPU ms of a stat line: its own (utime + stime) and its reaped children's (cutime + cstime). */
function statCpu(stat: string): { own: number; children: number } {
  // The command name (field 2) may hold spaces and parentheses: count fields after its last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  const own = Number(fields[11]) + Number(fields[12])
  const children = Number(fields[13]) + Number(fields[14])
  return { own: own * TICK_MS, children: children * TICK_MS }
}

/**
 * CPU milliseconds from /proc/<pid>/stat: the process's own (user + system) and its reaped
 * children's (cutime + cstime). Undefined when the process is gone.
 */
export function procCpu(pid: number): { own: number; children: number } | undefined {
  const stat = readProc(`/proc/${pid}/stat`)
  return stat === undefined ? undefined : statCpu(stat)
}

/** CPU ms of this process's reaped children (cutime + cstime), or undefined off Linux. */
export function reapedChildrenCpu(): number | undefined {
  const stat = readKept(threadStat)
  return stat === undefined ? undefined : statCpu(stat).children
}

/**
 * A /proc file of this process kept open: a pread of it costs ~1.5 µs, where opening it each time
 * (as readProc() and process.memoryUsage.rss() do) costs ~8 µs warm and ~40–150 µs in a fresh test
 * worker. Opened before any scope starts (see ScopeMonitor), so it is part of every scope's
 * baseline, never a held file. `fd`: undefined until opened, null where it cannot be (not Linux,
 * worker threads).
 */
interface KeptFile {
  readonly path: string
  fd: number | null | undefined
}
const statm: KeptFile = { path: '/proc/self/statm', fd: undefined }
// The calling thread's stat, not the process's: its cutime and cstime are the process's all the same
// (the kernel keeps them per process), and it does not sum every thread's times first, which makes
// /proc/self/stat cost a test worker ~13–22 µs a read where this costs ~4 µs.
const threadStat: KeptFile = { path: '/proc/thread-self/stat', fd: undefined }
const keptText = Buffer.alloc(1024)
let pageSize = 0

/**
 * Opens /proc/self/statm and /proc/thread-self/stat once (Linux, main thread); the first scope's
 * baseline then counts them.
 */
export function openProcFiles(): void {
  if (statm.fd !== undefined) return
  let keep = false
  try {
    // One per process: worker threads (which share the process and its figures) read them each time.
    keep = process.platform === 'linux' && process.getBuiltinModule('node:worker_threads').isMainThread
  } catch {}
  for (const file of [statm, threadStat]) {
    try {
      file.fd = keep ? openSync(file.path, 'r') : null
    } catch {
      file.fd = null
    }
  }
}

/** A kept-open file's text; read anew where it is not kept open. */
function readKept(file: KeptFile): string | undefined {
  openProcFiles()
  if (typeof file.fd === 'number') {
    try {
      return keptText.toString('latin1', 0, readSync(file.fd, keptText, 0, keptText.length, 0))
    } catch {
      file.fd = null
    }
  }
  return readProc(file.path)
}

/** The process's resident set in bytes: from a kept-open /proc/self/statm on Linux, else Node's figure. */
export function residentSet(): number {
  if (process.platform === 'linux') {
    const pages = Number(readKept(statm)?.split(' ')[1])
    if (pageSize === 0 && pages > 0) {
      // The page size, which Node does not expose: the nearest power of two to Node's figure / pages.
      pageSize = 2 ** Math.round(Math.log2(process.memoryUsage.rss() / pages))
    }
    if (pages > 0) return pages * pageSize
  }
  return process.memoryUsage.rss()
}

/** Closes the kept-open /proc files (a vm pool's test file ends: its copy of this module goes). */
export function closeProcFiles(): void {
  for (const file of [statm, threadStat]) {
    if (typeof file.fd === 'number') closeSync(file.fd)
    file.fd = undefined
  }
}
