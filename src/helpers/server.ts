import type { Server as HttpServer } from 'node:http'
import type { AddressInfo, Server, Socket } from 'node:net'
import { describe, InvalidArgumentError } from '../core/errors.js'
import { ResourceCategory, ResourcePriority } from '../core/types.js'
import { roomFor, type Tracked, track } from './track.js'

/** A listening server, closed (with every open connection) when the test ends. */
export interface TrackedServer<S extends Server> extends Tracked {
  readonly server: S
  readonly host: string
  readonly port: number
  /** `http://127.0.0.1:port` (http and http2; `https://` for a TLS server, `tcp://` for a plain net server). */
  readonly url: string
}

/** Options of `useServer()`. */
export interface UseServerOptions {
  /** Default '127.0.0.1': loopback only. */
  host?: string
  /** Default 0: a free port chosen by the system. */
  port?: number
  /** Names the server in cleanup errors and reports; default `server <its url>`. */
  description?: string
}

function isHttp(server: Server): server is HttpServer {
  return typeof (server as HttpServer).closeAllConnections === 'function'
}

// Duck-typed, so that importing the helpers does not load node:tls.
function isTls(server: Server): boolean {
  return typeof (server as { setSecureContext?: unknown }).setSecureContext === 'function'
}

// An http2 server (plain or secure) has no closeAllConnections(); its settings tell it apart.
function isHttp2(server: Server): boolean {
  return typeof (server as { updateSettings?: unknown }).updateSettings === 'function'
}

function urlOf(server: Server, host: string, port: number): string {
  const scheme = isTls(server) ? 'https' : isHttp(server) || isHttp2(server) ? 'http' : 'tcp'
  return `${scheme}://${host.includes(':') ? `[${host}]` : host}:${port}`
}

/** Stops accepting, destroys every open connection, and resolves once the server has closed. */
function closeServer(server: Server, sockets: Set<Socket>): Promise<void> {
  if (!server.listening) return Promise.resolve()
  const closed = new Promise<void>((resolve, reject) =>
    server.close((error) => (error ? reject(error) : resolve())),
  )
  for (const socket of sockets) socket.destroy()
  if (isHttp(server)) server.closeAllConnections()
  return closed
}

const isServer = (value: unknown): value is Server => {
  const server = value as Partial<Server> | null | undefined
  return (
    typeof server?.listen === 'function' &&
    typeof server.close === 'function' &&
    typeof server.on === 'function'
  )
}

/**
 * Starts (or adopts) a server for the current test: it listens on 127.0.0.1 and a free port unless
 * told otherwise, and when the test ends it stops accepting, destroys its open connections and
 * waits until it has closed. Works with net, http, https and http2 servers.
 */
export async function useServer<S extends Server>(
  serverOrFactory: S | (() => S | Promise<S>),
  options: UseServerOptions = {},
): Promise<TrackedServer<S>> {
  roomFor(ResourceCategory.NETWORK)
  const server = typeof serverOrFactory === 'function' ? await serverOrFactory() : serverOrFactory
  if (!isServer(server)) {
    const what = typeof serverOrFactory === 'function' ? 'a factory that returned ' : ''
    throw new InvalidArgumentError(
      `useServer() takes a server (net, http, https, http2) or a factory of one, got ${what}${describe(server)}.`,
    )
  }
  const sockets = new Set<Socket>()
  // Connections made before tracking started cannot be seen; an adopted server should be fresh.
  const onConnection = (socket: Socket) => {
    sockets.add(socket)
    socket.once('close', () => sockets.delete(socket))
  }
  // TLS, http and http2 servers all emit the raw socket here; destroying it ends the session on top.
  server.on('connection', onConnection)
  if (!server.listening) {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
        server.off('error', reject)
        resolve()
      })
    })
  }
  const { address: host, port } = server.address() as AddressInfo
  const url = urlOf(server, host, port)
  const tracked = track('server', () => closeServer(server, sockets), {
    category: ResourceCategory.NETWORK,
    priority: ResourcePriority.MEDIUM,
    description: options.description ?? `server ${url}`,
  })
  return { server, host, port, url, ...tracked }
}
