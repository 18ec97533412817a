import { procCpu, procFields, readProc } from './proc.js'

/** What the running children of a scope were using when sampled. */
export interface ChildUsage {
  /** CPU ms each has used so far (with its own reaped children on Linux), summed. */
  cpuMs: number
  /** The largest resident set among them, bytes, or null when none could be read. */
  rss: number | null
}

function linuxUsage(pids: readonly number[]): ChildUsage {
  let cpuMs = 0
  let rss: number | null = null
  for (const pid of pids) {
    const cpu = procCpu(pid)
    // Gone meanwhile: its time is now the parent's to account (cutime).
    if (cpu === undefined) continue
    cpuMs += cpu.own + cpu.children
    const resident = procFields(readProc(`/proc/${pid}/status`)).get('VmRSS')
    if (resident !== undefined) rss = Math.max(rss ?? 0, resident)
  }
  return { cpuMs, rss }
}

async function portableUsage(pids: readonly number[]): Promise<ChildUsage> {
  const { default: pidusage } = await import('pidusage')
  let stats: Awaited<ReturnType<typeof pidusage>>
  try {
    // `ps` wherever there is one (macOS's default): on Linux its /proc reader keeps files open.
    stats = await pidusage([...pids], { usePs: true })
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
