import { hasUserFrame, madeByRunner, originOf, stackHasFile, stackText } from '../core/origin.js'
import { realTimers } from '../core/timers.js'
import type { LeakRecord, ScopeRecord } from '../report/model.js'
import { hasLateCleanups, lateCleanupFailures } from '../scope/scope.js'
import { matchesRule, type ScopeSlot, setTestSlot, state } from '../scope/state.js'
import type { Handle } from './handle.js'
import { childProcessKind, keepAliveSocketKind, socketKind } from './kinds.js'

/** How leak detection ends a scope. */
export interface DetectionSettings {
  /** Clean what leaked once it is reported. */
  autoClean: boolean
  /** Ms a handle already closing gets before it counts as a leak. */
  settleMs: number
}

// Not the globals: a test may have installed fake timers, and detection wraps the real ones.
const sleep = (ms: number) => new Promise<void>((resolve) => realTimers().setTimeout(resolve, ms))
const CLEAN_TIMEOUT_MS = 5_000
const POLL_MS = 5

const isAlive = (handle: Handle) => handle.kind.isAlive(handle.target as never, handle.detail)
const isClosing = (handle: Handle) => handle.kind.isClosing?.(handle.target as never, handle.detail) ?? false

/**
 * Hot path, per test that created something: whether everything it created has already ended (timers
 * fired or cleared, sockets and servers closed), so that ending its scope has nothing to check. Child
 * processes never count as ended here: the monitor accounts for each one a test started.
 */
export function allEnded(handles: readonly Handle[]): boolean {
  for (const handle of handles) {
    if (handle.kind === childProcessKind || isAlive(handle)) return false
  }
  return true
}

/** An idle socket an HTTP agent keeps for reuse ('free' is the agent's listener on its sockets). */
function isPooledIdle(handle: Handle): boolean {
  const socket = handle.target as import('node:net').Socket
  return (socket as { _httpMessage?: unknown })._httpMessage == null && socket.listenerCount('free') > 0
}

/** An agent's idle keep-alive socket: reported as a warning at most. */
function isPooledSocket(handle: Handle): boolean {
  return handle.kind === socketKind && isPooledIdle(handle)
}

/**
 * Which handles of a file scope are the file's: created by its top level or its beforeAll/afterAll
 * (the test file is on the stack). Others were made while importing modules: singletons by design.
 */
function isFilesOwn(handle: Handle, testFile: string | undefined): boolean {
  return testFile === undefined || stackHasFile(handle.stack, testFile)
}

/**
 * Made with no user code on the stack: a library's own design (tmp's exit listener, the interval of
 * a listening http server). Handles past the stack budget have no stack and stay in.
 */
function isLibraryInternal(handle: Handle): boolean {
  const { stack } = handle
  return stack !== undefined && !hasUserFrame(stack) && !isPooledSocket(handle)
}

async function settle(handles: Handle[], ms: number): Promise<void> {
  for (let waited = 0; waited < ms && handles.some((h) => isAlive(h) && isClosing(h)); waited += POLL_MS) {
    await sleep(POLL_MS)
  }
}

/** Cleans a leaked handle; returns why it could not (it threw, or timed out), or undefined. */
async function cleanWithin(handle: Handle): Promise<string | undefined> {
  let timer: NodeJS.Timeout | undefined
  try {
    const cleaned = await Promise.race([
      Promise.resolve()
        .then(() => handle.kind.clean(handle.target as never, handle.detail))
        .then(() => true),
      new Promise<false>((resolve) => {
        timer = realTimers().setTimeout(() => resolve(false), CLEAN_TIMEOUT_MS)
      }),
    ])
    return cleaned ? undefined : `timed out after ${CLEAN_TIMEOUT_MS} ms`
  } catch (error) {
    // The sweep goes on; the leak's record says what went wrong.
    return error instanceof Error ? error.message : String(error)
  } finally {
    realTimers().clearTimeout(timer)
  }
}

function toLeak(
  handle: Handle,
  autoClean: boolean,
  scope: ScopeSlot['kind'],
): Omit<LeakRecord, 'severity'> & { severity?: 'warning' } {
  let kind = handle.kind
  const origin = originOf(handle.stack)
  // An HTTP agent's idle keep-alive socket: its pool's design, a warning at most.
  const pooled = isPooledSocket(handle)
  if (pooled) kind = keepAliveSocketKind
  return {
    category: kind.category,
    type: kind.type,
    origin,
    ...(kind.originEvent ? { originEvent: kind.originEvent } : {}),
    action: autoClean ? 'cleaned' : 'reported',
    // Worded for the scope it outlived: a file's is fixed in afterAll, not in afterEach.
    message: kind.describe(handle.target as never, handle.detail, scope),
    hint: kind.hint(scope),
    ...(pooled ? { severity: 'warning' as const } : {}),
  }
}

/**
 * Cleans what a test registered with the test's slot current again, so that what its cleanups create
 * (a timer that destroys a socket later if it does not close, the timer of a cleanup that timed out)
 * is noted in the test, which then leaves it out, and is not taken for a leak of the file. Sequential
 * tests only: a concurrent test's async context is gone by then, and its cleanups' handles go to the file.
 */
async function closeInSlot(slot: ScopeSlot, scope: NonNullable<ScopeSlot['scope']>) {
  if (slot.kind !== 'test' || state.sequential !== undefined || state.storage?.getStore() !== undefined) {
    return scope.close()
  }
  setTestSlot(slot)
  try {
    return await scope.close()
  } finally {
    if (state.sequential === slot) setTestSlot(undefined)
  }
}

/** The record of a scope that registered nothing: the failures of cleanups its tests' budgets left. */
async function lateRecord(): Promise<ScopeRecord | undefined> {
  if (!hasLateCleanups()) return undefined
  const cleanupErrors = await lateCleanupFailures()
  return cleanupErrors.length === 0
    ? undefined
    : { resources: 0, cleanupMs: 0, leaks: [], cleanupErrors, slowest: [] }
}

/**
 * Ends a scope: cleans what it registered, then finds what it created and left alive (after the
 * settle window for what is already closing), reports it and cleans it. Undefined when the scope
 * neither registered nor created anything.
 */
export async function finishSlot(
  slot: ScopeSlot,
  detection: DetectionSettings | undefined,
  testFile?: string,
  label?: string,
): Promise<ScopeRecord | undefined> {
  const scope = slot.scope
  const noted = slot.handles?.length ?? 0
  // A file or run with nothing of its own still waits for, and reports, its tests' late cleanups.
  const record = scope
    ? await closeInSlot(slot, scope)
    : slot.kind === 'test'
      ? undefined
      : await lateRecord()
  // What the scope's own cleanups created while they ran is theirs, not a leak (see closeInSlot()).
  // Hot path: a copy only when they created something.
  const all = slot.handles
  const handles =
    noted === 0 || all === undefined ? undefined : all.length === noted ? all : all.slice(0, noted)
  slot.handles = undefined
  if (detection === undefined || handles === undefined) return record
  let alive = handles.filter(
    (handle) => isAlive(handle) && !isLibraryInternal(handle) && !madeByRunner(handle.stack),
  )
  if (slot.kind === 'file') alive = alive.filter((handle) => isFilesOwn(handle, testFile))
  if (alive.length === 0) return record
  if (alive.some(isClosing)) {
    await settle(alive, detection.settleMs)
    alive = alive.filter(isAlive)
    if (alive.length === 0) return record
  }
  const { settings } = slot
  const leaks: LeakRecord[] = []
  const cleaning: Promise<void>[] = []
  for (const handle of alive) {
    const found = toLeak(handle, detection.autoClean, slot.kind)
    // An ignored handle is not a leak: it is left as it is (a server shared on purpose keeps serving).
    if (settings.ignore.some((rule) => matchesRule(rule, found, () => stackText(handle.stack)))) continue
    const severity = scope?.isAllowed(found.category) ? 'warning' : (found.severity ?? settings.severity)
    const leak: LeakRecord = { ...found, severity }
    leaks.push(leak)
    if (!detection.autoClean) continue
    cleaning.push(
      cleanWithin(handle).then((failure) => {
        if (failure === undefined) return
        leak.action = 'reported'
        leak.message += ` testkit could not clean it: ${failure}.`
      }),
    )
  }
  await Promise.all(cleaning)
  // A callback of what is still alive that throws later names this test.
  if (!detection.autoClean || leaks.length < alive.length) slot.leftBy = label
  if (leaks.length === 0) return record
  const result = record ?? { resources: 0, cleanupMs: 0, leaks: [], cleanupErrors: [], slowest: [] }
  result.leaks.push(...leaks)
  return result
}
