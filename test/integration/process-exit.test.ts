import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, expect, test } from 'vitest'

const fixtures = join(import.meta.dirname, '..', '..', 'fixtures', 'process-exit')
/** Only catches a process that never ends; no assertion depends on how long anything takes. */
const HANG_BOUND_MS = 15_000

interface Ended {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

interface ListenerCounts {
  SIGTERM: number
  uncaughtException: number
}

/** Runs a fixture with `node`; once it prints READY, sends it `signal` if one is given. */
function runFixture(fixture: string, args: string[], signal?: NodeJS.Signals): Promise<Ended> {
  const child = spawn(process.execPath, [join(fixtures, fixture), ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  let isSignalSent = false
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk
    if (signal !== undefined && !isSignalSent && stdout.includes('READY\n')) {
      isSignalSent = true
      child.kill(signal)
    }
  })
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk
  })
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(
        new Error(
          `${fixture} did not end within ${HANG_BOUND_MS} ms.\nstdout:\n${stdout}\nstderr:\n${stderr}`,
        ),
      )
    }, HANG_BOUND_MS)
    child.once('error', (error) => {
      clearTimeout(timer)
      reject(error)
    })
    // 'close' rather than 'exit': every byte of output has been read by then.
    child.once('close', (code, endSignal) => {
      clearTimeout(timer)
      resolve({ code, signal: endSignal, stdout, stderr })
    })
  })
}

/** The JSON a fixture printed after `LISTENERS `. */
function listenersIn(stdout: string): Record<string, ListenerCounts> {
  const line = stdout.split('\n').find((text) => text.startsWith('LISTENERS '))
  if (line === undefined) throw new Error(`No LISTENERS line in:\n${stdout}`)
  return JSON.parse(line.slice('LISTENERS '.length))
}

let dir: string
let marker: string

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'testkit-process-exit-'))
  marker = join(dir, 'cleaned.txt')
})

afterEach(() => {
  rmSync(dir, { recursive: true, force: true })
})

/** The ids of the cleanups that ran, one line per run, sorted. */
function cleanedIds(): string[] {
  if (!existsSync(marker)) return []
  return readFileSync(marker, 'utf8').split('\n').filter(Boolean).sort()
}

test.each(['SIGINT', 'SIGTERM', 'SIGHUP'] as const)(
  'on %s every registered resource is cleaned once, async ones included, then the process dies by that signal',
  async (signal) => {
    const ended = await runFixture('registered.mjs', [marker, 'signal'], signal)

    expect(cleanedIds()).toEqual(['async', 'sync'])
    expect(ended).toMatchObject({ signal, code: null })
  },
)

test('an uncaught exception cleans every resource once, prints the error and exits with code 1', async () => {
  const ended = await runFixture('registered.mjs', [marker, 'throw'])

  expect(cleanedIds()).toEqual(['async', 'sync'])
  expect(ended).toMatchObject({ signal: null, code: 1 })
  expect(ended.stderr).toContain('Error: thrown after READY')
  expect(ended.stderr).toMatch(/registered\.mjs:\d+/)
})

test('an unhandled rejection cleans every resource once, prints the error and exits with code 1', async () => {
  const ended = await runFixture('registered.mjs', [marker, 'reject'])

  expect(cleanedIds()).toEqual(['async', 'sync'])
  expect(ended).toMatchObject({ signal: null, code: 1 })
  expect(ended.stderr).toContain('Error: rejected after READY')
})

test('50 managers share one listener per event: no MaxListenersExceededWarning, and all are cleaned on SIGTERM', async () => {
  const ended = await runFixture('registered.mjs', [marker, 'signal', '50'], 'SIGTERM')

  const { before, after } = listenersIn(ended.stdout)
  expect(after).toEqual({ SIGTERM: before!.SIGTERM + 1, uncaughtException: before!.uncaughtException + 1 })
  expect(ended.stderr).not.toContain('MaxListenersExceededWarning')
  const expected = Array.from({ length: 50 }, (_, i) => [`async-${i}`, `sync-${i}`]).flat()
  expect(cleanedIds()).toEqual(expected.sort())
  expect(ended.signal).toBe('SIGTERM')
})

test('the CommonJS build cleans on SIGTERM too', async () => {
  const ended = await runFixture('registered.cjs', [marker], 'SIGTERM')

  expect(cleanedIds()).toEqual(['async', 'sync'])
  expect(ended.signal).toBe('SIGTERM')
})

test('managers from the ESM and the CommonJS build loaded in one process share one set of handlers', async () => {
  const ended = await runFixture('esm-and-cjs.mjs', [marker], 'SIGINT')

  const { before, after } = listenersIn(ended.stdout)
  expect(after).toEqual({ SIGTERM: before!.SIGTERM + 1, uncaughtException: before!.uncaughtException + 1 })
  expect(cleanedIds()).toEqual(['async-cjs', 'async-esm', 'sync-cjs', 'sync-esm'])
  expect(ended.signal).toBe('SIGINT')
})

test('a manager that unregistered is not cleaned on SIGTERM while another registered one still is', async () => {
  const ended = await runFixture('unregistered.mjs', [marker, 'one'], 'SIGTERM')

  const { registered, after } = listenersIn(ended.stdout)
  expect(after).toEqual(registered)
  expect(cleanedIds()).toEqual(['async-kept', 'sync-kept'])
  expect(ended.signal).toBe('SIGTERM')
})

test('once every manager unregistered, no listener is left and SIGTERM kills the process without cleanup', async () => {
  const ended = await runFixture('unregistered.mjs', [marker, 'both'], 'SIGTERM')

  const { before, after } = listenersIn(ended.stdout)
  expect(after).toEqual(before)
  expect(cleanedIds()).toEqual([])
  expect(ended).toMatchObject({ signal: 'SIGTERM', code: null })
})

test.each(['SIGTERM', 'uncaughtException'])(
  'when the program has its own %s listener, the process lives on and nothing is cleaned',
  async (event) => {
    const signal = event === 'SIGTERM' ? 'SIGTERM' : undefined
    const ended = await runFixture('other-listener.mjs', [marker, event], signal)

    expect(ended.stdout).toContain(`HANDLED ${event}\nSTILL RUNNING\n`)
    expect(ended).toMatchObject({ signal: null, code: 0 })
    expect(cleanedIds()).toEqual([])
    expect(ended.stderr).not.toContain('handled by the program')
  },
)

test('a cleanup that never settles does not keep a signalled process alive past exitTimeout', async () => {
  const ended = await runFixture('hanging-cleanup.mjs', [marker], 'SIGTERM')

  expect(cleanedIds()).toEqual(['writes-marker'])
  expect(ended).toMatchObject({ signal: 'SIGTERM', code: null })
})

test('a cleanup() already in progress is bounded by exitTimeout, and what it had not started is cleaned', async () => {
  const ended = await runFixture('cleanup-in-progress.mjs', [marker], 'SIGTERM')

  expect(cleanedIds()).toEqual(['writes-marker'])
  expect(ended).toMatchObject({ signal: 'SIGTERM', code: null })
})

test('another copy of signal-exit in the process does not cut the cleanup short', async () => {
  const ended = await runFixture('second-signal-exit.mjs', [marker], 'SIGTERM')

  expect(cleanedIds()).toEqual(['async', 'sync'])
  expect(ended).toMatchObject({ signal: 'SIGTERM', code: null })
})

test('an error thrown by a cleanup while exiting is printed, and the other cleanups still finish', async () => {
  const ended = await runFixture('throws-during-exit.mjs', [marker], 'SIGTERM')

  expect(cleanedIds()).toEqual(['slow'])
  expect(ended.stderr).toContain('thrown by a cleanup while exiting')
  expect(ended).toMatchObject({ signal: 'SIGTERM', code: null })
})
