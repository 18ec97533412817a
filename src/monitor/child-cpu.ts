// The CPU of the child processes a test or file started, on Linux: reaped children's time (cutime)
// is the process's, so it is split between scopes by when it was read; children still running at a
// scope's end are charged their own time so far, and not again once reaped.
import { type ChildUsage, childUsage } from './children.js'
import { procCpu, reapedChildrenCpu } from './proc.js'

// Not an import: see detect/patch.ts.
const { isMainThread } = process.getBuiltinModule('node:worker_threads')

/**
 * Whether reaped children's CPU can be split between scopes: only in a process that runs one file at
 * a time (worker threads share one process), on Linux.
 */
export const accountsChildren = isMainThread && process.platform === 'linux'

// Per process: children are the process's, whichever test file runs.
let reapedCpuSeen: number | undefined
/** CPU ms already charged to a scope for children still running at its end, by pid: once they are reaped, not again. */
const chargedRunning = new Map<number, number>()

const reapedCpu = () => reapedChildrenCpu() ?? 0

/** At a file's start: the reaped children's CPU so far (the file's baseline), when it is accounted. */
export function childCpuAtFileStart(): number | undefined {
  const childCpu = accountsChildren ? reapedCpu() : undefined
  reapedCpuSeen = childCpu
  // Reaped before this baseline: what an earlier test was charged for them is not in it.
  for (const pid of chargedRunning.keys()) if (procCpu(pid) === undefined) chargedRunning.delete(pid)
  return childCpu
}

/**
 * The CPU ms a scope's children used (accountsChildren only): reaped since the scope's baseline (a
 * file's start, or the previous scope's end), less what was charged earlier to children reaped since,
 * plus the time so far of those still running after the cleanup.
 */
export async function chargedChildCpu(
  fileStart: number | undefined,
  running: readonly number[] | undefined,
  isFile: boolean,
): Promise<number> {
  const reaped = reapedCpu()
  const since = isFile ? (fileStart ?? reaped) : (reapedCpuSeen ?? reaped)
  reapedCpuSeen = reaped
  let newlyReaped = reaped - since
  // Children an earlier test was charged for while they ran, reaped since: that part is counted.
  // (A file's figure is everything reaped during it, each child once.)
  for (const [pid, charged] of isFile ? [] : chargedRunning) {
    if (procCpu(pid) !== undefined) continue
    chargedRunning.delete(pid)
    newlyReaped -= charged
  }
  // Still running after the cleanup (autoClean off, or detached): their own time so far.
  const usage: ChildUsage = await childUsage(running?.filter((pid) => procCpu(pid) !== undefined) ?? [])
  for (const [pid, cpu] of usage.byPid ?? []) chargedRunning.set(pid, cpu)
  return Math.max(0, newlyReaped) + usage.cpuMs
}
