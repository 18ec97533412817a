import { readFileSync } from 'node:fs'

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
