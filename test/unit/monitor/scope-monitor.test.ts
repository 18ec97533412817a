import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs'
import { open } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, describe, expect, test } from 'vitest'
import { resolveOptions } from '../../../src/config/options.js'
import { captureStack, stackCost } from '../../../src/core/origin.js'
import { childProcessKind, fileHandleKind } from '../../../src/detect/kinds.js'
import { childUsage } from '../../../src/monitor/children.js'
import { descriptors, isHeldFile, opened } from '../../../src/monitor/descriptors.js'
import { procFields, readProc, reapedChildrenCpu, residentSet } from '../../../src/monitor/proc.js'
import { monitorSettings, type ScopeMark, ScopeMonitor } from '../../../src/monitor/scope-monitor.js'
import { defaultSettings, newSlot } from '../../../src/scope/state.js'

const dir = mkdtempSync(join(tmpdir(), 'testkit-scope-monitor-'))
const file = join(dir, 'data.txt')
writeFileSync(file, 'data')
const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})
// Not process.on('exit'): Vitest may end a worker without it, and the directory stayed behind.
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** Burns `ms` of CPU time (not wall time: under load a wall-clock loop gets only its share of a CPU). */
const burnCpu = (ms: number) =>
  `const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000 }; while (cpu() < ${ms});`
/** A child that has used at least `ms` of CPU once `busy` resolves, then idles until killed. */
const busyChild = (ms: number) => {
  const child = spawn(process.execPath, [
    '-e',
    `${burnCpu(ms)} process.stdout.write('busy'); setInterval(() => {}, 1000)`,
  ])
  cleanups.push(() => child.kill('SIGKILL'))
  return Object.assign(child, { busy: once(child.stdout as NonNullable<typeof child.stdout>, 'data') })
}
/** Ends a file's scope that registered nothing. */
const endFile = (monitor: ScopeMonitor, mark: ScopeMark) =>
  monitor.end(mark, newSlot('file', defaultSettings), undefined, undefined, undefined, performance.now())
/** Opens `path` as a test does under testkit, whose fs patch counts each open (detection's countOpens). */
const openCounted = (path: string) => {
  descriptors.noteOpen()
  return openSync(path, 'r')
}

describe.runIf(process.platform === 'linux')('descriptors, watched by a probe', () => {
  test('a file opened and kept shows up as a new descriptor pointing at its path; closing it takes it away', () => {
    const before = descriptors.current()
    const fd = openSync(file, 'r')
    const during = descriptors.current()
    const target = descriptors.target(String(fd))
    closeSync(fd)
    const after = descriptors.current()

    expect(opened(before, during)).toEqual([String(fd)])
    expect(target).toBe(file)
    expect(after).toEqual(before)
  })

  test('an open through fs is counted once, after the listing it asks for first; a listing that throws never fails that open', () => {
    const opens = descriptors.opens
    const seen: number[] = []
    descriptors.beforeOpen = () => seen.push(descriptors.opens)
    descriptors.noteOpen()
    descriptors.noteOpen()
    expect(seen).toEqual([opens])
    expect(descriptors.opens).toBe(opens + 2)

    descriptors.beforeOpen = () => {
      throw new Error('no descriptor left to list with')
    }
    expect(() => descriptors.noteOpen()).not.toThrow()
    expect(descriptors.beforeOpen).toBeUndefined()
    expect(descriptors.opens).toBe(opens + 3)
  })

  test('only paths count as held files: sockets, pipes, anonymous inodes and devices are followed elsewhere', () => {
    expect(isHeldFile('/tmp/data.txt')).toBe(true)
    expect(isHeldFile('/tmp/gone.txt (deleted)')).toBe(true)
    for (const target of ['socket:[1234]', 'pipe:[77]', 'anon_inode:[eventpoll]', '/dev/null', undefined]) {
      expect(isHeldFile(target)).toBe(false)
    }
  })
})

test.runIf(process.platform === 'linux')(
  "the resident set from a kept-open /proc/self/statm agrees with Node's and the kernel's, and opens nothing per read",
  () => {
    residentSet()
    const listed = descriptors.current(true).length
    const ours = residentSet()
    const node = process.memoryUsage.rss()
    const kernel = procFields(readProc('/proc/self/status')).get('VmRSS') ?? 0

    expect(Math.abs(ours - node)).toBeLessThan(node * 0.05)
    expect(Math.abs(ours - kernel)).toBeLessThan(kernel * 0.05)
    for (let i = 0; i < 100; i++) residentSet()
    expect(descriptors.current(true)).toHaveLength(listed)
  },
)

describe('children: CPU and memory of running child processes', () => {
  test.runIf(process.platform === 'linux')(
    'read from /proc and through pidusage (ps), they agree',
    async () => {
      const child = busyChild(300)
      await child.busy
      const pids = [child.pid as number]

      const proc = await childUsage(pids, 'linux')
      const portable = await childUsage(pids, 'darwin')

      expect(proc.cpuMs).toBeGreaterThanOrEqual(250)
      expect(proc.rss).toBeGreaterThan(10 * 1024 * 1024)
      // Linux's ps gives CPU time in whole seconds; macOS's in hundredths.
      expect(Math.abs(portable.cpuMs - proc.cpuMs)).toBeLessThanOrEqual(1000)
      expect(Math.abs((portable.rss ?? 0) - (proc.rss ?? 0))).toBeLessThan((proc.rss ?? 0) * 0.2)
    },
  )

  test.runIf(process.platform === 'linux')(
    "reaped children's CPU, read from this thread's stat, is the process's: what /proc/self/stat says",
    async () => {
      const before = reapedChildrenCpu() ?? 0
      const child = spawn(process.execPath, ['-e', burnCpu(300)])
      await once(child, 'exit')

      const reaped = reapedChildrenCpu() ?? 0
      const fields = (readProc('/proc/self/stat') ?? '').split(') ')[1]?.split(' ') ?? []
      expect(reaped - before).toBeGreaterThanOrEqual(250)
      expect(reaped).toBe((Number(fields[13]) + Number(fields[14])) * 10)
    },
  )

  test('no children, no figures; a pid that is gone is skipped', async () => {
    expect(await childUsage([])).toEqual({ cpuMs: 0, rss: null })
    const child = spawn(process.execPath, ['-e', ''])
    await new Promise((resolve) => child.once('exit', resolve))
    expect(await childUsage([child.pid as number])).toMatchObject({ cpuMs: 0, rss: null })
  })
})

describe("testkit's own time in a scope's figures", () => {
  const monitor = new ScopeMonitor(monitorSettings(resolveOptions({}, {})) as never)
  const captured = (count: number) => {
    const start = stackCost.ms
    for (let i = 0; i < count; i++) captureStack(captured)
    return stackCost.ms - start
  }

  test('a test counts the stacks captured while it ran (where its handles were made); its file, those captured outside its tests, once', async () => {
    const fileMark = monitor.beginFile()
    const fileOnly = captured(500)
    const mark = monitor.begin()
    const inTest = captured(5_000)
    const record = { resources: 1, cleanupMs: 0, leaks: [], cleanupErrors: [], slowest: [] }
    const test = await monitor.end(
      mark,
      newSlot('test', defaultSettings),
      record,
      undefined,
      'captures',
      performance.now(),
    )
    const file = await endFile(monitor, fileMark)

    const testMs = test?.metrics?.testkitMs ?? 0
    const fileMs = file?.metrics?.testkitMs ?? 0
    expect(inTest).toBeGreaterThan(0)
    expect(testMs).toBeGreaterThanOrEqual(inTest)
    // The file's own part: its stacks and its end, not the test's stacks a second time (those are
    // ~10x the file's own stacks, and its end takes well under a ms).
    expect(fileMs - testMs).toBeGreaterThanOrEqual(fileOnly)
    expect(fileMs - testMs).toBeLessThan(fileOnly + inTest)
  })
})

describe.runIf(process.platform === 'linux')('the scope monitor on a test', () => {
  const monitor = new ScopeMonitor(monitorSettings(resolveOptions({ childCpu: 200 }, {})) as never)
  /** Ends a test that registered nothing and had no handles. */
  const endPlain = (mark: ScopeMark, label: string) =>
    monitor.end(mark, newSlot('test', defaultSettings), undefined, undefined, label, performance.now())
  /** Ends a test whose only handle is this child process. */
  const endWithChild = async (mark: ScopeMark, child: ChildProcess, label: string) => {
    const slot = newSlot('test', defaultSettings)
    slot.handles = [{ kind: childProcessKind as never, target: child, detail: undefined, stack: undefined }]
    return monitor.end(
      mark,
      slot,
      undefined,
      await monitor.beforeCleanup(slot.handles),
      label,
      performance.now(),
    )
  }

  test('a test that did nothing notable has no record', async () => {
    const mark = monitor.begin()
    const slot = newSlot('test', defaultSettings)

    expect(await monitor.end(mark, slot, undefined, undefined, 'quiet', performance.now())).toBeUndefined()
  })

  test("a FileHandle left open is leak detection's to report, not a second time as a descriptor", async () => {
    const mark = monitor.begin()
    const slot = newSlot('test', defaultSettings)
    descriptors.noteOpen()
    const handle = await open(file)
    cleanups.push(() => handle.close())
    const raw = openCounted(file)
    cleanups.push(() => closeSync(raw))
    slot.handles = [{ kind: fileHandleKind as never, target: handle, detail: undefined, stack: undefined }]

    const before = await monitor.beforeCleanup(slot.handles)
    const record = await monitor.end(mark, slot, undefined, before, 'holds two', performance.now())

    expect(record?.leaks.map((leak) => leak.message)).toEqual([
      `1 descriptor of ${file} (fd ${raw}) opened and still open.`,
    ])
    expect(record?.metrics?.fds?.after).toBe((record?.metrics?.fds?.before ?? 0) + 2)
  })

  test("a descriptor of testkit's own files is not the test's: Node's loader reads them (its preload, in ES module workers)", async () => {
    const own = join(import.meta.dirname, '..', '..', '..', 'src', 'index.ts')
    // A fresh start: the previous test's descriptors were closed after its end, by afterEach.
    monitor.beginFile()
    const mark = monitor.begin()
    const ownFd = openCounted(own)
    cleanups.push(() => closeSync(ownFd))
    const userFd = openCounted(file)
    cleanups.push(() => closeSync(userFd))

    const record = await endPlain(mark, "opens its own and testkit's")
    expect(record?.leaks.map((leak) => leak.message)).toEqual([
      `1 descriptor of ${file} (fd ${userFd}) opened and still open.`,
    ])
    expect(record?.metrics?.fds?.after).toBe((record?.metrics?.fds?.before ?? 0) + 2)
  })

  test("what opens between two tests of different suites (a nested describe's beforeAll) is not the next test's", async () => {
    const outer = {}
    const nested = {}
    expect(await endPlain(monitor.begin(false, outer), 'a')).toBeUndefined()
    // The nested describe's beforeAll.
    const fd = openCounted(file)
    cleanups.push(() => closeSync(fd))
    expect(await endPlain(monitor.begin(false, nested), 'b')).toBeUndefined()
    // Within one suite the previous end is the next start; what the test opens is its own.
    const mark = monitor.begin(false, nested)
    const other = openCounted(file)
    cleanups.push(() => closeSync(other))
    const record = await endPlain(mark, 'c')
    expect(record?.leaks.map((leak) => leak.message)).toEqual([
      `1 descriptor of ${file} (fd ${other}) opened and still open.`,
    ])
  })

  test("a test that opened no file through fs is not listed again: what native code opened is the file's end's to find", async () => {
    const fileMark = monitor.beginFile()
    const mark = monitor.begin()
    // Opened without Node's fs counting it, as a native addon (better-sqlite3) opens its database.
    const raw = openSync(file, 'r')
    cleanups.push(() => closeSync(raw))
    const quick = spawn('true')
    await once(quick, 'exit')

    const record = await endWithChild(mark, quick, 'opens natively')
    expect(record?.leaks).toEqual([])
    expect(record?.metrics?.fds?.after).toBe(record?.metrics?.fds?.before)
    const fileRecord = await endFile(monitor, fileMark)
    expect(fileRecord?.leaks.map((leak) => leak.message)).toEqual([
      `1 descriptor of ${file} (fd ${raw}) opened and still open.`,
    ])
  })

  test('a child charged to a test while it ran is not charged again to a later test once it is reaped', async () => {
    const firstMark = monitor.begin()
    const busy = busyChild(400)
    await busy.busy
    const kept = await endWithChild(firstMark, busy, 'keeps a busy child')
    expect(kept?.metrics?.childCpuMs).toBeGreaterThanOrEqual(350)
    // Killed and reaped after that test: its ~400 ms now show in the process's reaped-children time.
    busy.kill('SIGKILL')
    await once(busy, 'exit')

    const secondMark = monitor.begin()
    const quick = spawn('true')
    await once(quick, 'exit')
    const record = await endWithChild(secondMark, quick, 'runs a quick child')
    expect(record?.metrics?.children).toBe(1)
    expect(record?.metrics?.childCpuMs).toBeLessThan(150)
  })

  test('a busy child still running at the end: its CPU and memory, and the threshold crossed', async () => {
    const mark = monitor.begin()
    const child = busyChild(400)
    await child.busy

    const record = await endWithChild(mark, child, 'busy')

    expect(record?.metrics).toMatchObject({ children: 1, childRss: expect.any(Number) })
    expect(record?.metrics?.childCpuMs).toBeGreaterThanOrEqual(350)
    expect(record?.findings).toEqual([
      expect.objectContaining({ kind: 'child-cpu', severity: 'warning', threshold: 200 }),
    ])
  })
})
