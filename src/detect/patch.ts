import type { ChildProcess } from 'node:child_process'
import type { Socket as UdpSocket } from 'node:dgram'
import fs from 'node:fs'
import type { Server, Socket } from 'node:net'
import timers from 'node:timers'
import { captureStack, originOf, type StackHolder } from '../core/origin.js'
import { saveRealTimers } from '../core/timers.js'
import { descriptors } from '../monitor/descriptors.js'
import { activeSlot, type ScopeSlot } from '../scope/state.js'
import type { Handle, HandleKind } from './handle.js'
import {
  childProcessKind,
  connectionsOf,
  fileHandleKind,
  intervalKind,
  processListenerKind,
  serverKind,
  socketKind,
  statWatcherKind,
  terminating,
  timeoutKind,
  udpKind,
  watcherKind,
  workerKind,
} from './kinds.js'

// Builtins through process.getBuiltinModule(), not import: in a fresh test worker each ESM import of
// a builtin builds a module facade (together ~1 ms a test file), require-style loading does not.
const childProcess = process.getBuiltinModule('node:child_process')
const dgram = process.getBuiltinModule('node:dgram')
const net = process.getBuiltinModule('node:net')
const threads = process.getBuiltinModule('node:worker_threads')
const { syncBuiltinESMExports } = process.getBuiltinModule('node:module')

// Stacks are the expensive part (~5 µs each): a test gets this many, then origins are unknown.
const TEST_STACKS = 16
// Deep enough to climb out of Node's http or child_process layers to the user's line.
const FRAMES = 12
// Timers are the hot case (a test may make hundreds) and are mostly created by the user's own line
// or one helper away: fewer frames, ~3.5 µs a capture instead of ~6.5 µs.
const TIMER_FRAMES = 6

type AnyFunction = (...args: never[]) => unknown

/**
 * Notes a handle created now in the test (or file) running now. Hot path: runs for every timer a test
 * creates; one small object, and a stack only within the budget.
 */
function note(
  kind: HandleKind<never>,
  target: unknown,
  detail: unknown,
  skip: AnyFunction,
  frames = FRAMES,
): StackHolder | undefined {
  const slot = activeSlot()
  if (slot === undefined) return undefined
  const count = slot.handles?.length ?? 0
  const stack = slot.kind !== 'test' || count < TEST_STACKS ? captureStack(skip, frames) : undefined
  add(slot, { kind: kind as HandleKind, target, detail, stack })
  return stack
}

function add(slot: ScopeSlot, handle: Handle): void {
  if (slot.handles === undefined) slot.handles = [handle]
  else slot.handles.push(handle)
}

const KEY = Symbol.for('@orchestr8/testkit.detect-installed')
const registry = globalThis as typeof globalThis & { [KEY]?: true }

// What installDetection() replaced, to put back (newest last).
const restorers: Array<() => void> = []

function replace<T extends object, K extends keyof T>(owner: T, name: K, value: T[K]): void {
  const original = owner[name]
  restorers.push(() => {
    owner[name] = original
  })
  owner[name] = value
}

function wrap<T extends object, K extends keyof T>(owner: T, name: K, make: (original: T[K]) => T[K]): void {
  const original = owner[name]
  const replacement = make(original)
  // Keep what callers may look up on the original, e.g. setTimeout[util.promisify.custom].
  Object.defineProperties(replacement as object, Object.getOwnPropertyDescriptors(original as object))
  replace(owner, name, replacement)
}

/**
 * When a callback of a timer a test left running throws after that test, the error says which test
 * created the timer and where (the runner would blame whatever test runs at that moment).
 */
function blame(error: unknown, slot: ScopeSlot, stack: StackHolder | undefined): void {
  if (slot.leftBy === undefined || !(error instanceof Error)) return
  const origin = originOf(stack)
  const where = origin ? ` at ${origin.file}:${origin.line}:${origin.column}` : ''
  const before = error.message
  error.message += `\n(testkit: thrown by a timer that "${slot.leftBy}" created${where} and left running)`
  if (error.stack) error.stack = error.stack.replace(before, error.message)
}

function patchTimers(): void {
  const makeTimer = (kind: HandleKind<never>) => (original: typeof setTimeout) =>
    function timer(this: unknown, callback: unknown, ...rest: unknown[]) {
      const slot = activeSlot()
      if (slot === undefined || typeof callback !== 'function') {
        return original.call(this, callback as never, ...(rest as []))
      }
      let stack: StackHolder | undefined
      const fn = callback as (...args: unknown[]) => unknown
      const handle = original.call(
        this,
        function (this: unknown, ...args: unknown[]) {
          try {
            return fn.apply(this, args)
          } catch (error) {
            blame(error, slot, stack)
            throw error
          }
        } as never,
        ...(rest as []),
      )
      stack = note(kind, handle, undefined, timer, TIMER_FRAMES)
      return handle
    } as typeof setTimeout
  wrap(globalThis, 'setTimeout', makeTimer(timeoutKind))
  wrap(globalThis, 'setInterval', makeTimer(intervalKind) as never)
  replace(timers, 'setTimeout', globalThis.setTimeout)
  replace(timers, 'setInterval', globalThis.setInterval)
}

function patchNetwork(): void {
  const serverProto = net.Server.prototype
  const listen = serverProto.listen
  replace(serverProto, 'listen', function listenTracked(this: Server, ...args: unknown[]) {
    if (!connectionsOf.has(this)) {
      const open = new Set<Socket>()
      connectionsOf.set(this, open)
      this.on('connection', (socket: Socket) => {
        open.add(socket)
        socket.once('close', () => open.delete(socket))
      })
      note(serverKind, this, undefined, listenTracked)
    }
    return listen.apply(this, args as never)
  } as typeof listen)
  const connect = net.Socket.prototype.connect
  const seen = new WeakSet<Socket>()
  replace(net.Socket.prototype, 'connect', function connectTracked(this: Socket, ...args: unknown[]) {
    if (!seen.has(this)) {
      seen.add(this)
      note(socketKind, this, undefined, connectTracked)
    }
    return connect.apply(this, args as never)
  } as typeof connect)
  const bind = dgram.Socket.prototype.bind
  replace(dgram.Socket.prototype, 'bind', function bindTracked(this: UdpSocket, ...args: unknown[]) {
    note(udpKind, this, undefined, bindTracked)
    return bind.apply(this, args as never)
  } as typeof bind)
}

function patchProcesses(): void {
  // spawn(), exec(), execFile() and fork() all start the child through this (undocumented) method.
  const proto = childProcess.ChildProcess.prototype as unknown as { spawn: AnyFunction }
  const spawn = proto.spawn
  replace(proto, 'spawn', function spawnTracked(this: ChildProcess, ...args: unknown[]) {
    const result = spawn.apply(this, args as never)
    note(childProcessKind, this, undefined, spawnTracked)
    return result
  })
  const Original = threads.Worker
  // A subclass, so that `instanceof Worker` and static members keep working.
  class Worker extends Original {
    constructor(...args: ConstructorParameters<typeof Original>) {
      super(...args)
      note(workerKind, this, undefined, Worker as unknown as AnyFunction)
    }

    override terminate(): Promise<number> {
      terminating.add(this)
      return super.terminate()
    }
  }
  replace(threads, 'Worker', Worker)
}

/** Counts the files opened through fs, for the monitor's descriptor check (see DescriptorWatch.opens). */
function countOpens(): void {
  for (const name of ['open', 'openSync', 'opendir', 'opendirSync'] as const) {
    wrap(
      fs,
      name,
      (original) =>
        function opening(this: unknown, ...args: unknown[]) {
          descriptors.noteOpen()
          return (original as AnyFunction).apply(this, args as never)
        } as never,
    )
  }
}

function patchFiles(): void {
  const unwatchFile = fs.unwatchFile
  wrap(
    fs,
    'watch',
    (original) =>
      function watchTracked(this: unknown, ...args: unknown[]) {
        const watcher = (original as AnyFunction).apply(this, args as never)
        note(watcherKind, watcher, undefined, watchTracked)
        return watcher
      } as typeof fs.watch,
  )
  wrap(
    fs,
    'watchFile',
    (original) =>
      function watchFileTracked(this: unknown, ...args: unknown[]) {
        const watcher = (original as AnyFunction).apply(this, args as never)
        const file = args[0] as fs.PathLike
        note(
          statWatcherKind,
          watcher,
          { file: String(file), unwatch: () => unwatchFile(file) },
          watchFileTracked,
        )
        return watcher
      } as typeof fs.watchFile,
  )
  const promises = fs.promises
  wrap(
    promises,
    'open',
    (original) =>
      async function openTracked(this: unknown, ...args: Parameters<typeof promises.open>) {
        // The stack is taken before the await: a FileHandle is made in a native callback with no user frame.
        const slot = activeSlot()
        const stack = slot ? captureStack(openTracked, FRAMES) : undefined
        descriptors.noteOpen()
        const handle = await original.apply(this, args)
        if (slot)
          add(slot, {
            kind: fileHandleKind as HandleKind,
            target: handle,
            detail: undefined,
            stack,
          })
        return handle
      } as typeof promises.open,
  )
}

function patchProcessListeners(): void {
  // once() and prependOnceListener() call on() and prependListener(): note the outer call only.
  let depth = 0
  for (const method of ['on', 'addListener', 'once', 'prependListener', 'prependOnceListener'] as const) {
    const original = process[method]
    replace(process, method, function listenerTracked(
      this: NodeJS.Process,
      event: string | symbol,
      listener: AnyFunction,
    ) {
      if (depth === 0) note(processListenerKind, process, { event, listener }, listenerTracked)
      depth++
      try {
        return original.call(this, event as never, listener as never)
      } finally {
        depth--
      }
    } as never)
  }
}

/**
 * Starts following what tests create: timers, servers, sockets, child processes, workers, watchers,
 * FileHandles and process listeners. Once per process (idempotent across copies of this package);
 * creations outside a test or file scope are not noted.
 */
export function installDetection(): void {
  if (registry[KEY]) return
  registry[KEY] = true
  saveRealTimers()
  patchTimers()
  patchNetwork()
  patchProcesses()
  patchFiles()
  countOpens()
  patchProcessListeners()
  // ESM `import { setTimeout } from 'node:timers'` and friends see the patched functions too.
  syncBuiltinESMExports()
}

/**
 * Puts back what installDetection() replaced. Vitest's vm pools load a fresh copy of testkit in each
 * test file's context while Node's builtins (process, net, fs, child_process) are shared by all of
 * them: each file takes its patches back at its end, so that the next one does not wrap them again.
 */
export function uninstallDetection(): void {
  if (!registry[KEY]) return
  for (const restore of restorers.splice(0).reverse()) restore()
  syncBuiltinESMExports()
  delete registry[KEY]
}
