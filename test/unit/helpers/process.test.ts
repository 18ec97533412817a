import { type ChildProcess, spawn } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { createInterface } from 'node:readline'
import { describe, expect, test } from 'vitest'
import { stopProcessTree } from '../../../src/helpers/process.js'
import { isSameAlive, readProcess, signalIfSame } from '../../../src/helpers/process-tree.js'
import { useProcess } from '../../../src/index.js'
import { eventually, isGone, scopePerTest } from './test-scope.js'

const scope = scopePerTest()
const node = process.execPath
const isLinux = process.platform === 'linux'

/** The child's stdout, line by line; buffered from now on, so no line is missed. */
function linesOf(child: ChildProcess): () => Promise<string | undefined> {
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]()
  return async () => (await lines.next()).value
}

// A child that starts a long-running grandchild, prints the grandchild's pid, then `then`.
const withGrandchild = (then: string) => `
  const { spawn } = require('node:child_process')
  const grandchild = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' })
  console.log(grandchild.pid)
  ${then}`

describe.runIf(isLinux)('process tree', () => {
  test('cleanup stops the child and the grandchild it started', async () => {
    const proc = useProcess(node, ['-e', withGrandchild('setInterval(() => {}, 1000)')])
    const grandchild = Number(await linesOf(proc.child)())
    expect(isGone(proc.pid!)).toBe(false)
    expect(isGone(grandchild)).toBe(false)

    const record = await scope().close()

    expect(record?.cleanupErrors).toEqual([])
    expect(isGone(proc.pid!)).toBe(true)
    expect(isGone(grandchild)).toBe(true)
    expect(await proc.exited).toEqual({ code: null, signal: 'SIGTERM' })
  })

  test('a grandchild orphaned by a child that already exited is still stopped: it kept the process group', async () => {
    const proc = useProcess(node, ['-e', withGrandchild('process.exit(0)')])
    const grandchild = Number(await linesOf(proc.child)())
    expect(await proc.exited).toEqual({ code: 0, signal: null })
    expect(isGone(grandchild)).toBe(false)

    const record = await scope().close()

    expect(record?.cleanupErrors).toEqual([])
    expect(isGone(grandchild)).toBe(true)
  })
})

describe.runIf(isLinux)('a leaked child stopped by leak detection (stopProcessTree)', () => {
  test('a shell stopped right after it started leaves no command behind, whether or not it had forked yet', async () => {
    const marker = `testkit-freeze-${process.pid}-${Date.now()}`
    const running = () =>
      readdirSync('/proc')
        .filter((name) => /^\d+$/.test(name))
        .filter((pid) => {
          try {
            return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(marker) && !isGone(Number(pid))
          } catch {
            return false
          }
        })
    // Without a shell builtin to exec, sh forks the command: the race that used to leave orphans.
    for (let round = 0; round < 5; round++) {
      const child = spawn('/bin/sh', ['-c', `${node} -e "setInterval(() => {}, 1000)" ${marker}; true`])
      await stopProcessTree(child, 1_000)
    }
    await eventually(() => running().length === 0, 2_000)

    expect(running()).toEqual([])
  })
})

describe('stopping', () => {
  test('a child that ignores SIGTERM gets SIGKILL after graceMs', async () => {
    const proc = useProcess(
      node,
      [
        '-e',
        "process.on('SIGTERM', () => console.log('SIGTERM ignored')); console.log('ready'); setInterval(() => {}, 1000)",
      ],
      // Long enough for the child to print its line even on a loaded machine.
      { graceMs: 1_000 },
    )
    const nextLine = linesOf(proc.child)
    expect(await nextLine()).toBe('ready')

    const record = await scope().close()

    expect(record?.cleanupErrors).toEqual([])
    expect(await proc.exited).toEqual({ code: null, signal: 'SIGKILL' })
    expect(await nextLine()).toBe('SIGTERM ignored')
  })

  test('dispose() stops the child with SIGTERM now; a second call does nothing', async () => {
    const proc = useProcess(node, ['-e', 'setInterval(() => {}, 1000)'])

    await proc.dispose()

    expect(proc.child.signalCode).toBe('SIGTERM')
    await proc.dispose()
    expect(scope().manager.getResourceCount()).toBe(0)
  })

  test('a child that already exited is cleaned without error; exited says how it ended', async () => {
    const proc = useProcess(node, ['-e', 'process.exit(3)'])

    expect(await proc.exited).toEqual({ code: 3, signal: null })
    expect(proc.pid).toBe(proc.child.pid)
    expect(typeof proc.pid).toBe('number')
    const record = await scope().close()

    expect(record).toMatchObject({ resources: 1, cleanupErrors: [], leaks: [] })
  })

  test('a command that cannot be started rejects exited; its cleanup has nothing to stop', async () => {
    const proc = useProcess('/nonexistent/testkit-no-such-command')

    await expect(proc.exited).rejects.toMatchObject({ code: 'ENOENT' })
    expect(proc.pid).toBeUndefined()
    const record = await scope().close()

    expect(record?.cleanupErrors).toEqual([])
  })
})

describe.runIf(isLinux)('process identity (pid and start time)', () => {
  // SIGUSR2 is only ever sent with a wrong start time and SIGTERM with the right one. Had SIGUSR2
  // been sent, it would be pending before SIGTERM is sent, and the child would list it first.
  const recorder = `
    const got = []
    process.on('SIGUSR2', () => got.push('SIGUSR2'))
    process.on('SIGTERM', () => { console.log([...got, 'SIGTERM'].join(',')); process.exit(0) })
    console.log('ready')
    setInterval(() => {}, 1000)`

  test('a pid whose start time differs from the one recorded is not the same process and is not signalled', async () => {
    const proc = useProcess(node, ['-e', recorder])
    const nextLine = linesOf(proc.child)
    expect(await nextLine()).toBe('ready')
    const seen = readProcess(proc.pid!)!
    const reused = { ...seen, startTime: seen.startTime + 1 }

    expect(isSameAlive(seen)).toBe(true)
    expect(isSameAlive(reused)).toBe(false)
    signalIfSame(reused, 'SIGUSR2')
    signalIfSame(seen, 'SIGTERM')

    expect(await nextLine()).toBe('SIGTERM')
    expect(await proc.exited).toEqual({ code: 0, signal: null })
    expect(isSameAlive(seen)).toBe(false)
  })

  test('readProcess() is undefined for a pid that does not exist', () => {
    // Above the kernel's pid_max limit (at most 2^22), so never a live process.
    expect(readProcess(2 ** 23)).toBeUndefined()
  })
})

describe('arguments', () => {
  test('a command that is not a string is an InvalidArgumentError, and nothing is started or registered', () => {
    const call = () => useProcess(42 as unknown as string)

    expect(call).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT', name: 'InvalidArgumentError' }),
    )
    expect(call).toThrow('useProcess() command must be a non-empty string, got 42.')
    expect(scope().isUsed).toBe(false)
  })

  test('args that are not an array of strings are an InvalidArgumentError', () => {
    expect(() => useProcess(node, '-v' as unknown as string[])).toThrow(
      'useProcess() args must be an array of strings, got "-v".',
    )
    expect(() => useProcess(node, [1] as unknown as string[])).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }),
    )
    expect(scope().isUsed).toBe(false)
  })

  test('a graceMs that is not a positive number is an InvalidArgumentError', () => {
    expect(() => useProcess(node, [], { graceMs: 0 })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }),
    )
    expect(scope().isUsed).toBe(false)
  })
})
