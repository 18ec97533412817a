import { untracked } from '../scope/state.js'
import { procCpu, procFields, readProc } from './proc.js'

type PidUsage = typeof import('pidusage').default

/**
 * pidusage (CommonJS), loaded on first use with require(): the setup runtime is compiled as a plain
 * script for the code cache, where a dynamic import() has no loader to go to.
 */
const loadPidusage = (): PidUsage =>
  process.getBuiltinModule('node:module').createRequire(import.meta.url)('pidusage') as PidUsage

/** What the running children of a scope were using when sampled. */
export interface ChildUsage {
  /** CPU ms each has used so far (with its own reaped children on Linux), summed. */
  cpuMs: number
  /** The largest resident set among them, bytes, or null when none could be read. */
  rss: number | null
  /** Linux: CPU ms of each one read, by pid. */
  byPid?: Map<number, number>
}

function linuxUsage(pids: readonly number[]): ChildUsage {
  let cpuMs = 0
  let rss: number | null = null
  const byPid = new Map<number, number>()
  for (const pid of pids) {
    const cpu = procCpu(pid)
    // Gone meanwhile: its time is now the parent's to account (cutime).
    if (cpu === undefined) continue
    byPid.set(pid, cpu.own + cpu.children)
    cpuMs += cpu.own + cpu.children
    const resident = procFields(readProc(`/proc/${pid}/status`)).get('VmRSS')
    if (resident !== undefined) rss = Math.max(rss ?? 0, resident)
  }
  return { cpuMs, rss, byPid }
}

async function portableUsage(pids: readonly number[]): Promise<ChildUsage> {
  const pidusage = loadPidusage()
  let stats: Awaited<ReturnType<typeof pidusage>>
  try {
    // `ps` wherever there is one (macOS's default): on Linux its /proc reader keeps files open.
    // It spawns `ps` (or asks Windows) synchronously within the call: not a child of the test's.
    stats = await untracked(() => pidusage([...pids], { usePs: true }))
  } catch {
    // One of them exited between the check and the sample: nothing reliable to say.
    return { cpuMs: 0, rss: null }
  } finally {
    // Its history serves CPU percentages, which testkit does not use.
    pidusage.clear()
  }
  let cpuMs = 0
  let rss: number | null = null
  for (const stat of Object.values(stats)) {
    cpuMs += stat.ctime
    rss = Math.max(rss ?? 0, stat.memory)
  }
  return { cpuMs, rss }
}

/**
 * CPU and memory of running child processes: /proc on Linux, pidusage elsewhere (which runs `ps` or
 * asks Windows, so it is called only for tests that have children still running).
 */
export async function childUsage(
  pids: readonly number[],
  platform: NodeJS.Platform = process.platform,
): Promise<ChildUsage> {
  if (pids.length === 0) return { cpuMs: 0, rss: null }
  return platform === 'linux' ? linuxUsage(pids) : portableUsage(pids)
}
