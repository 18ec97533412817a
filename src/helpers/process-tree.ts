import { readdirSync, readFileSync } from 'node:fs'

/** A process as /proc shows it, with what identifies it across pid reuse. */
export interface ProcessEntry {
  pid: number
  ppid: number
  pgrp: number
  /** Clock ticks after boot at which it started: a reused pid has a different one. */
  startTime: number
  isZombie: boolean
}

const hasProc = process.platform === 'linux'

/** Reads /proc/<pid>/stat, or undefined if that process is gone. */
export function readProcess(pid: number): ProcessEntry | undefined {
  let text: string
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8')
  } catch {
    return undefined
  }
  // The command name is in parentheses and may itself contain spaces and parentheses.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ')
  return {
    pid,
    ppid: Number(fields[1]),
    pgrp: Number(fields[2]),
    startTime: Number(fields[19]),
    isZombie: fields[0] === 'Z',
  }
}

/** Every process on the machine (Linux only; empty elsewhere). */
export function allProcesses(): ProcessEntry[] {
  if (!hasProc) return []
  const entries: ProcessEntry[] = []
  for (const name of readdirSync('/proc')) {
    const pid = Number(name)
    if (!Number.isInteger(pid)) continue
    const entry = readProcess(pid)
    if (entry !== undefined) entries.push(entry)
  }
  return entries
}

/**
 * The live descendants of `root`, and the members of its process group (orphans a shell left behind
 * have been re-parented, but they keep the group). `root` itself is not included.
 */
export function processTree(root: number, group: number | undefined): ProcessEntry[] {
  const all = allProcesses()
  const children = new Map<number, ProcessEntry[]>()
  for (const entry of all) {
    const siblings = children.get(entry.ppid)
    if (siblings) siblings.push(entry)
    else children.set(entry.ppid, [entry])
  }
  const found = new Map<number, ProcessEntry>()
  const stack = [root]
  for (let pid = stack.pop(); pid !== undefined; pid = stack.pop()) {
    for (const child of children.get(pid) ?? []) {
      if (found.has(child.pid)) continue
      found.set(child.pid, child)
      stack.push(child.pid)
    }
  }
  if (group !== undefined) {
    for (const entry of all) if (entry.pgrp === group && entry.pid !== root) found.set(entry.pid, entry)
  }
  return [...found.values()].filter((entry) => !entry.isZombie)
}

/** Whether the process is still the one we saw (same pid and start time) and not a zombie. */
export function isSameAlive(entry: ProcessEntry): boolean {
  const now = readProcess(entry.pid)
  return now !== undefined && now.startTime === entry.startTime && !now.isZombie
}

/** Signals `entry` only if its pid still belongs to the process we saw. */
export function signalIfSame(entry: ProcessEntry, signal: NodeJS.Signals): void {
  if (!isSameAlive(entry)) return
  try {
    process.kill(entry.pid, signal)
  } catch {
    // Gone between the check and the signal: nothing left to stop.
  }
}

/**
 * The descendants of a running `root` (and its group's members), taken while each is stopped
 * (SIGSTOP), so that none can fork a process the snapshot misses: a shell that has not yet started
 * its command when SIGTERM arrives would otherwise leave it running, re-parented to init. The caller
 * sends its signal and then SIGCONT to every entry and `root`.
 */
export function frozenTree(root: number, group: number | undefined): ProcessEntry[] {
  try {
    process.kill(root, 'SIGSTOP')
  } catch {
    return processTree(root, group)
  }
  // kill() returns before the process has stopped: until it has, it may still fork.
  waitStopped(root)
  const stopped = new Map<number, ProcessEntry>()
  // A few rounds: a process may fork between the snapshot and its own SIGSTOP.
  for (let round = 0; round < 5; round++) {
    const fresh = processTree(root, group).filter((entry) => !stopped.has(entry.pid))
    if (fresh.length === 0) break
    for (const entry of fresh) {
      signalIfSame(entry, 'SIGSTOP')
      stopped.set(entry.pid, entry)
    }
    for (const entry of fresh) waitStopped(entry.pid)
  }
  return [...stopped.values()]
}

const pause = new Int32Array(new SharedArrayBuffer(4))

/** Waits (synchronously, at most ~50 ms) until `pid` is stopped, a zombie, or gone. */
function waitStopped(pid: number): void {
  for (let waited = 0; waited < 50; waited++) {
    let state: string
    try {
      const text = readFileSync(`/proc/${pid}/stat`, 'utf8')
      state = text.charAt(text.lastIndexOf(')') + 2)
    } catch {
      return
    }
    if (state === 'T' || state === 't' || state === 'Z' || state === 'X') return
    Atomics.wait(pause, 0, 0, 1)
  }
}
