import type { ChildProcess, SpawnOptions } from 'node:child_process'
import { describe, InvalidArgumentError, TestkitError } from '../core/errors.js'
import { ResourceCategory, ResourcePriority } from '../core/types.js'
import { assertOptions, assertPositiveNumber } from '../core/validate.js'
import {
  frozenTree,
  isSameAlive,
  type ProcessEntry,
  processTree,
  readProcess,
  signalIfSame,
} from './process-tree.js'
import { roomFor, type Tracked, track } from './track.js'

// Not imports: this module is part of the setup file's (leak detection stops process trees), see
// detect/patch.ts.
const { spawn } = process.getBuiltinModule('node:child_process')
const { setTimeout: sleep } = process.getBuiltinModule('node:timers/promises')

/** How a tracked process ended. */
export interface ProcessExit {
  code: number | null
  signal: NodeJS.Signals | null
}

/** A child process that is stopped, with its whole process tree, when the test ends. */
export interface TrackedProcess extends Tracked {
  readonly child: ChildProcess
  readonly pid: number | undefined
  /** Settles when the process exits; rejects if it could not be started. */
  readonly exited: Promise<ProcessExit>
}

/** Options of `useProcess()`: Node's spawn options, plus how long SIGTERM gets before SIGKILL. */
export interface UseProcessOptions extends SpawnOptions {
  /** Milliseconds between SIGTERM and SIGKILL. Default 2,000. */
  graceMs?: number
  /** Names the process in cleanup errors and reports; default its pid and command line. */
  description?: string
}

const hasExited = (child: ChildProcess) => child.exitCode !== null || child.signalCode !== null
// Polling beats a listener per descendant: they are not our children, so they send no events.
const POLL_MS = 20

async function waitUntil(isDone: () => boolean, ms: number): Promise<boolean> {
  for (let waited = 0; !isDone(); waited += POLL_MS) {
    if (waited >= ms) return false
    await sleep(POLL_MS)
  }
  return true
}

/**
 * What an exited child left in its process group. Linux does not hand out a pid still used as a
 * group id, so members of group `pid` are ours unless `pid` now names a different process.
 */
function orphansOf(pid: number, self: ProcessEntry | undefined, group: boolean): ProcessEntry[] {
  if (!group || self === undefined) return []
  const now = readProcess(pid)
  if (now !== undefined && now.startTime !== self.startTime) return []
  return processTree(pid, pid).filter((entry) => entry.pgrp === pid)
}

/** SIGTERM to the tree, SIGKILL to what is left after `graceMs`, then wait for it all to be gone. */
async function stopTree(
  child: ChildProcess,
  self: ProcessEntry | undefined,
  exited: Promise<unknown>,
  graceMs: number,
  group: boolean,
) {
  const pid = child.pid
  if (pid === undefined) return
  // Snapshot before signalling: the tree's shape (and who is whose) changes as processes die. A
  // running child is frozen for the snapshot (Node has not reaped it, so the pid is still ours).
  const frozen = !hasExited(child)
  const tree: ProcessEntry[] = frozen ? frozenTree(pid, group ? pid : undefined) : orphansOf(pid, self, group)
  const isAllGone = () => hasExited(child) && tree.every((entry) => !isSameAlive(entry))
  const signalAll = (signal: NodeJS.Signals) => {
    if (!hasExited(child)) child.kill(signal)
    for (const entry of tree) signalIfSame(entry, signal)
  }
  signalAll('SIGTERM')
  if (frozen) {
    // The SIGTERM is pending in each stopped process; continuing delivers it.
    for (const entry of tree) signalIfSame(entry, 'SIGCONT')
    if (!hasExited(child)) child.kill('SIGCONT')
  }
  if (await waitUntil(isAllGone, graceMs)) return
  signalAll('SIGKILL')
  if (!(await waitUntil(isAllGone, 5_000))) {
    throw new TestkitError(
      'ERR_PROCESS_SURVIVED',
      `Process ${pid} (or a descendant) is still running after SIGKILL.`,
    )
  }
  await exited
}

/**
 * Stops a child process that was not started by useProcess() (leak detection found it still running):
 * SIGTERM to it and its descendants, SIGKILL after `graceMs`.
 */
export async function stopProcessTree(child: ChildProcess, graceMs: number): Promise<void> {
  if (child.pid === undefined) return
  const exited = new Promise<void>((resolve) => {
    if (hasExited(child)) resolve()
    else child.once('exit', () => resolve())
  })
  await stopTree(child, readProcess(child.pid), exited, graceMs, false)
}

/**
 * Starts a child process tracked by the current test: when the test ends, its whole process tree
 * gets SIGTERM, SIGKILL after `graceMs`, and the cleanup waits until every process is gone.
 */
export function useProcess(
  command: string,
  args: readonly string[] = [],
  options: UseProcessOptions = {},
): TrackedProcess {
  // Checked here, not left to spawn(): its TypeError has no code of ours.
  if (typeof command !== 'string' || command === '') {
    throw new InvalidArgumentError(
      `useProcess() command must be a non-empty string, got ${describe(command)}.`,
    )
  }
  if (!Array.isArray(args) || args.some((arg) => typeof arg !== 'string')) {
    throw new InvalidArgumentError(`useProcess() args must be an array of strings, got ${describe(args)}.`)
  }
  assertOptions('useProcess() options', options)
  const { graceMs = 2_000, description, ...spawnOptions } = options
  assertPositiveNumber('useProcess() graceMs', graceMs)
  // Its own process group (not on Windows), so that orphans it leaves can still be found.
  const group = spawnOptions.detached ?? process.platform !== 'win32'
  roomFor(ResourceCategory.PROCESS)
  const child = spawn(command, args, { ...spawnOptions, detached: group })
  // Who the child is (pid and start time), to recognise its pid later even after it was reused.
  const self = child.pid === undefined ? undefined : readProcess(child.pid)
  const exited = new Promise<ProcessExit>((resolve, reject) => {
    child.once('exit', (code, signal) => resolve({ code, signal }))
    child.once('error', reject)
  })
  // Nobody may await `exited`; a spawn failure is still visible through it and `child`'s 'error'.
  exited.catch(() => {})
  const tracked = track(
    'process',
    async () => {
      await stopTree(
        child,
        self,
        exited.catch(() => undefined),
        graceMs,
        group,
      )
      child.stdin?.destroy()
      child.stdout?.destroy()
      child.stderr?.destroy()
    },
    {
      category: ResourceCategory.PROCESS,
      priority: ResourcePriority.HIGH,
      description: description ?? `process ${child.pid ?? '(not started)'}: ${[command, ...args].join(' ')}`,
      timeout: graceMs + 10_000,
    },
  )
  return { child, pid: child.pid, exited, ...tracked }
}
