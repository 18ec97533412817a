import { once } from 'node:events'
import { Agent, createServer, get, type IncomingMessage } from 'node:http'
import {
  connect as connectHttp2,
  createServer as createHttp2Server,
  createSecureServer as createSecureHttp2Server,
} from 'node:http2'
import { createServer as createHttpsServer, Agent as HttpsAgent, get as httpsGet } from 'node:https'
import { connect, createServer as createNetServer, type Socket } from 'node:net'
import { generate } from 'selfsigned'
import { describe, expect, test } from 'vitest'
import { useServer } from '../../../src/index.js'
import { eventually, scopePerTest } from './test-scope.js'

const scope = scopePerTest()

const hello = () => createServer((_, response) => response.end('hello'))

async function getText(url: string, agent: Agent | false = false): Promise<{ body: string; socket: Socket }> {
  const response: IncomingMessage = await new Promise((resolve, reject) =>
    get(url, { agent }, resolve).once('error', reject),
  )
  const socket = response.socket
  return { body: await readAll(response), socket }
}

/** The whole body of a response or stream, as text. */
async function readAll(stream: AsyncIterable<unknown>): Promise<string> {
  let body = ''
  for await (const chunk of stream) body += chunk
  return body
}

/** Resolves with the error code of a connection attempt, or 'connected'. */
async function tryConnect(port: number): Promise<string> {
  const socket = connect(port, '127.0.0.1')
  try {
    await once(socket, 'connect')
    return 'connected'
  } catch (error) {
    return (error as NodeJS.ErrnoException).code ?? String(error)
  } finally {
    socket.destroy()
  }
}

describe('http', () => {
  test('listens on 127.0.0.1 and a free port; url reaches it', async () => {
    const { server, host, port, url } = await useServer(hello())

    expect(server.listening).toBe(true)
    expect(host).toBe('127.0.0.1')
    expect(port).toBeGreaterThan(0)
    expect(url).toBe(`http://127.0.0.1:${port}`)
    expect((await getText(url)).body).toBe('hello')
  })

  test('after cleanup the server no longer listens: a new connection is refused', async () => {
    const { server, port } = await useServer(hello())

    const record = await scope().close()

    expect(record).toMatchObject({ resources: 1, cleanupErrors: [] })
    expect(server.listening).toBe(false)
    expect(await tryConnect(port)).toBe('ECONNREFUSED')
  })

  test('an open keep-alive connection does not hold cleanup up; the client sees it close', async () => {
    const { server, url } = await useServer(hello())
    const agent = new Agent({ keepAlive: true })
    try {
      const { body, socket } = await getText(url, agent)
      expect(body).toBe('hello')
      expect(socket.destroyed).toBe(false)
      const closed = once(socket, 'close')

      const record = await scope().close()

      expect(record?.cleanupErrors).toEqual([])
      expect(server.listening).toBe(false)
      await closed
    } finally {
      agent.destroy()
    }
  })

  test('a response still being sent does not hold cleanup up; the client sees it cut', async () => {
    const { url } = await useServer(
      createServer((_, response) => {
        response.writeHead(200)
        response.write('partial')
      }),
    )
    const response: IncomingMessage = await new Promise((resolve) => get(url, { agent: false }, resolve))
    const closed = once(response.socket, 'close')

    const record = await scope().close()

    expect(record?.cleanupErrors).toEqual([])
    await closed
    expect(response.complete).toBe(false)
  })

  test('a raw socket that sent nothing does not hold cleanup up; it sees the close', async () => {
    const { server, port } = await useServer(hello())
    const socket = connect(port, '127.0.0.1')
    await once(socket, 'connect')
    const closed = once(socket, 'close')

    const record = await scope().close()

    expect(record?.cleanupErrors).toEqual([])
    expect(server.listening).toBe(false)
    await closed
  })
})

describe('net', () => {
  test('a net.Server gets a tcp:// url; its open connections are destroyed at cleanup', async () => {
    const { server, port, url } = await useServer(createNetServer((socket) => socket.write('hi')))
    expect(url).toBe(`tcp://127.0.0.1:${port}`)
    const socket = connect(port, '127.0.0.1')
    const [greeting] = await once(socket, 'data')
    expect(String(greeting)).toBe('hi')
    const closed = once(socket, 'close')

    const record = await scope().close()

    expect(record?.cleanupErrors).toEqual([])
    expect(server.listening).toBe(false)
    await closed
  })
})

describe('forms and options', () => {
  test('a factory, sync or async, is called and its server started', async () => {
    const made = await useServer(hello)
    const madeLater = await useServer(async () => hello())

    expect((await getText(made.url)).body).toBe('hello')
    expect((await getText(madeLater.url)).body).toBe('hello')
    expect(made.port).not.toBe(madeLater.port)
  })

  test('a server that already listens is adopted as it is, and still closed at cleanup', async () => {
    const server = hello()
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const before = (server.address() as { port: number }).port

    const tracked = await useServer(server)

    expect(tracked.port).toBe(before)
    await tracked.dispose()
    expect(server.listening).toBe(false)
  })

  test('a port already taken rejects with EADDRINUSE and registers nothing', async () => {
    const { port } = await useServer(hello())
    const registered = scope().manager.getResourceCount()

    await expect(useServer(hello(), { port })).rejects.toMatchObject({ code: 'EADDRINUSE' })
    expect(scope().manager.getResourceCount()).toBe(registered)
  })
})

describe('https and http2', () => {
  // A self-signed certificate for 127.0.0.1, made for this run (nothing secret is kept in the repository).
  let tls: { key: string; cert: string } | undefined
  const credentials = () => {
    if (tls) return tls
    const pems = generate([{ name: 'commonName', value: '127.0.0.1' }], {
      days: 1,
      keySize: 2048,
      extensions: [{ name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] }],
    })
    tls = { key: pems.private, cert: pems.cert }
    return tls
  }

  test('an https server gets an https:// url; an open TLS keep-alive connection does not hold cleanup up', async () => {
    const { key, cert } = credentials()
    const { server, port, url } = await useServer(
      createHttpsServer({ key, cert }, (_, response) => response.end('secure hello')),
    )
    const agent = new HttpsAgent({ keepAlive: true, ca: cert })
    try {
      expect(url).toBe(`https://127.0.0.1:${port}`)
      const response: IncomingMessage = await new Promise((resolve, reject) =>
        httpsGet(url, { agent }, resolve).once('error', reject),
      )
      // The agent keeps the socket once the response is read: take it now.
      const socket = response.socket
      expect(await readAll(response)).toBe('secure hello')
      expect(socket.destroyed).toBe(false)

      const record = await scope().close()

      expect(record).toMatchObject({ resources: 1, cleanupErrors: [] })
      expect(server.listening).toBe(false)
      expect(await eventually(() => socket.destroyed)).toBe(true)
      expect(await tryConnect(port)).toBe('ECONNREFUSED')
    } finally {
      agent.destroy()
    }
  })

  test.each(['http', 'https'] as const)(
    'an http2 server (%s) gets its url; an open session does not hold cleanup up',
    async (scheme) => {
      const { key, cert } = credentials()
      const server = scheme === 'http' ? createHttp2Server() : createSecureHttp2Server({ key, cert })
      server.on('stream', (stream) => {
        stream.respond({ ':status': 200 })
        stream.end('h2 hello')
      })
      const { port, url } = await useServer(server)
      expect(url).toBe(`${scheme}://127.0.0.1:${port}`)
      const session = connectHttp2(url, { ca: cert })
      try {
        expect(await readAll(session.request({ ':path': '/' }))).toBe('h2 hello')
        expect(session.closed).toBe(false)

        const record = await scope().close()

        expect(record).toMatchObject({ resources: 1, cleanupErrors: [] })
        expect(server.listening).toBe(false)
        expect(await eventually(() => session.destroyed || session.closed)).toBe(true)
        expect(await tryConnect(port)).toBe('ECONNREFUSED')
      } finally {
        session.destroy()
      }
    },
  )
})
