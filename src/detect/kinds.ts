import type { ChildProcess } from 'node:child_process'
import type { Socket as UdpSocket } from 'node:dgram'
import type { FSWatcher, StatWatcher } from 'node:fs'
import type { FileHandle } from 'node:fs/promises'
import type { Server, Socket } from 'node:net'
import type { Worker } from 'node:worker_threads'
import { realTimers } from '../core/timers.js'
import { stopProcessTree } from '../helpers/process.js'
import { endedText, releaseIn } from '../report/format.js'
import type { HandleKind } from './handle.js'

interface TimerInternals {
  _destroyed?: boolean
}

export const timeoutKind: HandleKind<NodeJS.Timeout> = {
  type: 'Timeout',
  category: 'timer',
  // hasRef() stays true after a timer fired or was cleared; _destroyed does not.
  isAlive: (timer) => (timer as TimerInternals)._destroyed === false,
  // The saved real function (not the global a test may have faked); in Node it clears intervals too.
  clean: (timer) => realTimers().clearTimeout(timer),
  describe: (_timer, _detail, scope) => `A setTimeout() timer was still pending ${endedText(scope)}.`,
  hint: (scope) =>
    `clear it (clearTimeout) ${releaseIn(scope, 'or await it before the test ends')}, or create it with useTimeout().`,
}

export const intervalKind: HandleKind<NodeJS.Timeout> = {
  ...timeoutKind,
  type: 'Interval',
  describe: (_timer, _detail, scope) => `A setInterval() timer was still running ${endedText(scope)}.`,
  hint: (scope) => `clear it with clearInterval() ${releaseIn(scope)}, or create it with useInterval().`,
}

/** Accepted connections of a listening server, kept so a leaked server can be closed for real. */
export const connectionsOf = new WeakMap<Server, Set<Socket>>()

/**
 * Accepted connections not yet destroyed. Not the set's size: a socket leaves the set on its 'close'
 * event, which may come a tick after the server's own close callback.
 */
function openConnections(server: Server): number {
  let open = 0
  for (const socket of connectionsOf.get(server) ?? []) if (!socket.destroyed) open++
  return open
}

export const serverKind: HandleKind<Server> = {
  type: 'Server',
  category: 'network',
  // Noted by listen(), not by createServer(): its origin is the listen() call.
  originEvent: 'listen() called',
  isAlive: (server) => server.listening || openConnections(server) > 0,
  // close() was called: it stops listening at once, then waits for its open connections.
  isClosing: (server) => !server.listening,
  clean: (server) =>
    new Promise<void>((resolve) => {
      if (server.listening) server.close(() => resolve())
      else resolve()
      for (const socket of connectionsOf.get(server) ?? []) socket.destroy()
      ;(server as { closeAllConnections?: () => void }).closeAllConnections?.()
    }),
  describe: (server, _detail, scope) => {
    const open = openConnections(server)
    return server.listening
      ? `A server was still listening ${endedText(scope)}.`
      : `A closed server still had ${open} open connection${open === 1 ? '' : 's'} ${endedText(scope)}.`
  },
  hint: (scope) =>
    `await server.close()${scope === 'test' ? '' : ` ${releaseIn(scope)}`} and destroy its connections (http: closeAllConnections()), or create it with useServer().`,
}

export const socketKind: HandleKind<Socket> = {
  type: 'Socket',
  category: 'network',
  isAlive: (socket) => !socket.destroyed,
  // end() was called and the other side has not closed yet.
  isClosing: (socket) => socket.writableEnded,
  clean: (socket) => {
    socket.destroy()
  },
  describe: (_socket, _detail, scope) => `A client socket was still open ${endedText(scope)}.`,
  hint: (scope) =>
    `end or destroy the socket (socket.destroy()) ${releaseIn(scope, 'in the test or in afterEach')}.`,
}

/** An idle socket kept by an HTTP agent for reuse: its pool's design, so at most a warning. */
export const keepAliveSocketKind: HandleKind<Socket> = {
  ...socketKind,
  type: 'KeepAliveSocket',
  describe: (_socket, _detail, scope) =>
    `An idle keep-alive socket of an HTTP agent was still open ${endedText(scope)}.`,
  hint: () => 'use an agent with keepAlive: false in tests, or call agent.destroy() in afterAll.',
}

export const udpKind: HandleKind<UdpSocket> = {
  type: 'UdpSocket',
  category: 'network',
  isAlive: (socket) => {
    try {
      socket.address()
      return true
    } catch {
      return false
    }
  },
  clean: (socket) =>
    new Promise<void>((resolve) => {
      try {
        socket.close(() => resolve())
      } catch {
        resolve()
      }
    }),
  describe: (_socket, _detail, scope) => `A UDP socket was still bound ${endedText(scope)}.`,
  hint: (scope) => `close it with socket.close() ${releaseIn(scope, 'in the test or in afterEach')}.`,
}

const hasExited = (child: ChildProcess) => child.exitCode !== null || child.signalCode !== null

export const childProcessKind: HandleKind<ChildProcess> = {
  type: 'ChildProcess',
  category: 'process',
  isAlive: (child) => child.pid !== undefined && !hasExited(child),
  isClosing: (child) => child.killed,
  clean: (child) => stopProcessTree(child, 1_000),
  describe: (child, _detail, scope) =>
    `Child process ${child.pid} (${child.spawnfile}) was still running ${endedText(scope)}.`,
  hint: (scope) => `kill it and await its exit ${releaseIn(scope)}, or start it with useProcess().`,
}

/** Workers whose terminate() was called (through the class detection puts in Node's place). */
export const terminating = new WeakSet<Worker>()

export const workerKind: HandleKind<Worker> = {
  type: 'Worker',
  category: 'process',
  isAlive: (worker) => worker.threadId !== -1,
  // terminate() was called and not awaited: the thread stops within milliseconds.
  isClosing: (worker) => terminating.has(worker),
  clean: async (worker) => {
    await worker.terminate()
  },
  describe: (_worker, _detail, scope) => `A worker thread was still running ${endedText(scope)}.`,
  hint: (scope) => `await worker.terminate() ${releaseIn(scope)}, or start it with useWorker().`,
}

interface WithHandle {
  _handle?: unknown
}

export const watcherKind: HandleKind<FSWatcher> = {
  type: 'FSWatcher',
  category: 'file',
  isAlive: (watcher) => (watcher as WithHandle)._handle != null,
  clean: (watcher) => watcher.close(),
  describe: (_watcher, _detail, scope) => `An fs.watch() watcher was still open ${endedText(scope)}.`,
  hint: (scope) => `close it with watcher.close() ${releaseIn(scope, 'in the test or in afterEach')}.`,
}

export const statWatcherKind: HandleKind<StatWatcher> = {
  type: 'StatWatcher',
  category: 'file',
  isAlive: (watcher) => (watcher as WithHandle)._handle != null,
  // The unwatch function is handed over by the patch: fs.unwatchFile as it was before any test.
  clean: (_watcher, detail) => (detail as { unwatch: () => void }).unwatch(),
  describe: (_watcher, detail, scope) =>
    `fs.watchFile() was still watching ${(detail as { file: string }).file} ${endedText(scope)}.`,
  hint: (scope) => `call fs.unwatchFile(file, listener) ${releaseIn(scope, 'in the test or in afterEach')}.`,
}

export const fileHandleKind: HandleKind<FileHandle> = {
  type: 'FileHandle',
  category: 'file',
  isAlive: (handle) => handle.fd !== -1,
  clean: (handle) => handle.close(),
  describe: (handle, _detail, scope) => `A FileHandle (fd ${handle.fd}) was still open ${endedText(scope)}.`,
  // A file's handle outlives its beforeAll: `await using` would close it there.
  hint: (scope) =>
    scope === 'test'
      ? 'await handle.close() in a finally block, or use `await using handle = await open(...)`.'
      : `await handle.close() ${releaseIn(scope)}.`,
}

interface ListenerDetail {
  event: string | symbol
  listener: (...args: unknown[]) => void
}

const isListed = ({ event, listener }: ListenerDetail) =>
  process
    .rawListeners(event)
    .some((raw) => raw === listener || (raw as { listener?: unknown }).listener === listener)

export const processListenerKind: HandleKind<NodeJS.Process> = {
  type: 'ProcessListener',
  category: 'event',
  originEvent: 'added',
  isAlive: (_process, detail) => isListed(detail as ListenerDetail),
  clean: (_process, detail) => {
    const { event, listener } = detail as ListenerDetail
    process.removeListener(event, listener)
  },
  describe: (_process, detail, scope) =>
    `A process '${String((detail as ListenerDetail).event)}' listener was still added ${endedText(scope)}.`,
  hint: (scope) =>
    `remove it with process.off(event, listener) ${releaseIn(scope)}, or add it with useEventListener().`,
}
