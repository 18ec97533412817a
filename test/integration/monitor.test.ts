import { describe, expect, test } from 'vitest'
import type { JsonReport, ReportScopeMetrics } from '../../src/report/run-report.js'
import { runVitest } from './run-vitest.js'

const fixture = 'fixtures/monitor'
const MB = 1024 * 1024

const findingsOf = (report: JsonReport | undefined, kind: string) =>
  (report?.findings ?? []).filter((finding) => finding.kind === kind)
const scope = (report: JsonReport | undefined, file: string, test: string | null) =>
  report?.tests.find((entry) => entry.file === file && entry.test === test)
const metrics = (entry: ReportScopeMetrics | undefined) => entry?.metrics ?? undefined

describe('thresholds on figures of real workloads (fixtures/monitor/thresholds)', () => {
  test('under the default policy they are warnings, each on the test or file that crossed it', async () => {
    const run = await runVitest(fixture, ['--project', 'thresholds'])
    const report = run.report

    expect(run.code).toBe(0)
    // A file opened with fs.openSync and never closed: one warning, on its test, naming the file. (Not
    // the file a nested describe's beforeAll opened and its afterAll closed.)
    const held = report?.leaks.filter((leak) => leak.type === 'FileDescriptor') ?? []
    expect(held).toHaveLength(1)
    expect(held[0]).toMatchObject({
      file: 'thresholds/files.test.ts',
      test: 'keeps a file open',
      category: 'file',
      severity: 'warning',
      action: 'reported',
    })
    expect(held[0]?.message).toMatch(
      /^1 descriptor of \/.*testkit-monitor-\d+\.txt \(fd \d+\) opened and still open\.$/,
    )
    expect(metrics(scope(report, 'thresholds/files.test.ts', 'keeps a file open'))?.fds).toEqual({
      before: expect.any(Number),
      after: (metrics(scope(report, 'thresholds/files.test.ts', 'keeps a file open'))?.fds?.before ?? 0) + 1,
    })
    // A child process that spun for 500 ms of CPU, against 150: only that test, not the quick one.
    const cpu = findingsOf(report, 'child-cpu')
    expect(cpu.map((finding) => finding.test)).toEqual(['runs a busy child process'])
    expect(cpu[0]?.value).toBeGreaterThanOrEqual(400)
    expect(cpu[0]?.threshold).toBe(150)
    const quick = metrics(scope(report, 'thresholds/children.test.ts', 'runs a quick child process'))
    expect(quick?.children).toBe(1)
    expect(quick?.childCpuMs).toBeLessThan(150)
    // A cleanup of 400 ms against 250.
    const slow = findingsOf(report, 'slow-cleanup')
    expect(slow.map((finding) => finding.test)).toEqual(['has a slow cleanup'])
    expect(slow[0]?.value).toBeGreaterThanOrEqual(390)
    // ~30 MB kept across a file's tests, after a GC; 30 MB let go by the end of the other file: not growth.
    const heap = findingsOf(report, 'heap-growth')
    expect(heap.map((finding) => `${finding.file} ${finding.test}`)).toEqual(['thresholds/heap.test.ts null'])
    expect(heap[0]?.value).toBeGreaterThan(20 * MB)
    expect(metrics(scope(report, 'thresholds/heap.test.ts', null))?.gc).toBe(true)
    const garbage = metrics(scope(report, 'thresholds/garbage.test.ts', null))
    expect(garbage?.gc).toBe(true)
    expect(garbage?.heapDelta).toBeLessThan(20 * MB)
    // The reporter shows them, the run's figures, and what testkit itself cost.
    expect(run.stdout).toContain('Figures over their thresholds')
    expect(run.stdout).toContain('Child processes used')
    expect(run.stdout).toMatch(
      /Figures: peak RSS [\d.]+ MB, largest heap growth of a file [\d.]+ MB, .*testkit itself: [\d.]+ ms \([\d.]+% of the files' time/,
    )
    expect(report?.summary).toMatchObject({ findings: 3, errors: 0, warnings: 4 })
    expect(report?.summary.testkitMs).toBeGreaterThan(0)
    // The plugin's, the global setup's and the reporter's own time in Vitest's process.
    expect(report?.summary.testkitMainMs).toBeGreaterThan(0)
    expect(run.stdout).toMatch(
      /testkit itself: [\d.]+ ms \([\d.]+% of the files' time in the workers\), [\d.]+ ms in Vitest's own process/,
    )
  })

  test('under TESTKIT_MONITOR=fail the tests and the file that crossed a threshold fail, and only those', async () => {
    const run = await runVitest(fixture, ['--project', 'thresholds'], { TESTKIT_MONITOR: 'fail' })

    expect(run.code).toBe(1)
    expect(run.stdout).toMatch(
      /Test Files {2}3 failed \| 1 passed \(4\)\n\s+Tests {2}3 failed \| 14 passed \(17\)/,
    )
    expect(run.stderr).toContain('FAIL  |thresholds| thresholds/heap.test.ts [ thresholds/heap.test.ts ]')
    expect(run.stderr).toContain('FAIL  |thresholds| thresholds/files.test.ts > keeps a file open')
    expect(run.stderr).toContain('FAIL  |thresholds| thresholds/children.test.ts > runs a busy child process')
    expect(run.stderr).toContain('FAIL  |thresholds| thresholds/children.test.ts > has a slow cleanup')
    // The file's, and with no stack frames: they would be testkit's own, not a line of the test's.
    expect(run.stderr).toMatch(
      /testkit: 1 problem left by this file\n {2}- heap-growth: The heap grew by [\d.]+ MB across this file's tests.*\n⎯/,
    )
    expect(run.report?.summary).toMatchObject({ errors: 4, warnings: 0 })
  })

  test('with --expose-gc every file is measured after a GC, and the growth is still found', async () => {
    const run = await runVitest(fixture, ['--project', 'thresholds'], { NODE_OPTIONS: '--expose-gc' })

    const files = run.report?.tests.filter((entry) => entry.test === null) ?? []
    expect(files).toHaveLength(4)
    expect(files.every((entry) => entry.metrics?.gc === true)).toBe(true)
    expect(findingsOf(run.report, 'heap-growth').map((finding) => finding.file)).toEqual([
      'thresholds/heap.test.ts',
    ])
  })

  test('under TESTKIT_MONITOR=off nothing is measured and nothing is reported', async () => {
    const run = await runVitest(fixture, ['--project', 'thresholds'], { TESTKIT_MONITOR: 'off' })

    expect(run.code).toBe(0)
    expect(run.report?.findings).toEqual([])
    expect(run.report?.leaks).toEqual([])
    expect(run.report?.tests.every((entry) => entry.metrics === null)).toBe(true)
    expect(run.report?.summary.testkitMs).toBeNull()
    expect(run.stdout).not.toContain('Figures:')
  })

  test('under TESTKIT_LEAKS=off the figures stay, but no file left open is reported as a leak', async () => {
    const run = await runVitest(fixture, ['--project', 'thresholds', 'files.test.ts'], {
      TESTKIT_LEAKS: 'off',
    })

    expect(run.code).toBe(0)
    expect(run.report?.leaks).toEqual([])
    // The descriptor that test keeps is still counted in the file's figures.
    const file = metrics(scope(run.report, 'thresholds/files.test.ts', null))
    expect(file?.fds?.after).toBeGreaterThan(file?.fds?.before ?? Number.POSITIVE_INFINITY)
  })
})

describe('descriptors held across tests (fixtures/monitor/descriptors)', () => {
  test("a file opened through fs is its test's; one a native addon opened is found at the file's end, not blamed on a later test", async () => {
    const run = await runVitest(fixture, ['--project', 'descriptors'])

    expect(run.code).toBe(0)
    const held = (run.report?.leaks ?? []).filter((leak) => leak.type === 'FileDescriptor')
    // Tests probe descriptors only after a file opened through fs (openSync, streams): better-sqlite3
    // opens its database in C++, so the next test that probes lists it too, and must not take it.
    expect(held.map((leak) => [leak.test, leak.message.match(/of \S*\/(\w+\.\w+)/)?.[1]])).toEqual([
      [null, 'native.db'],
      [null, 'second.db'],
      ['then reads a file and keeps another', 'data.txt'],
      ['keeps a stream open', 'data.txt'],
    ])
    // A file's descriptor is released in afterAll, a test's in the test or afterEach.
    expect(held.map((leak) => leak.hint.match(/ (in afterAll|in the test or afterEach),/)?.[1])).toEqual([
      'in afterAll',
      'in afterAll',
      'in the test or afterEach',
      'in the test or afterEach',
    ])
    expect(
      run.report?.tests.find((entry) => entry.test === 'registers a resource and opens no file'),
    ).toMatchObject({
      resources: 1,
    })
    const fds = (test: string) => run.report?.tests.find((entry) => entry.test === test)?.metrics?.fds
    expect(fds('keeps a stream open')).toEqual({
      before: expect.any(Number),
      after: (fds('keeps a stream open')?.before ?? 0) + 1,
    })
    // A test that opened nothing has nothing to report.
    expect(run.report?.tests.some((entry) => entry.test === 'opens nothing')).toBe(false)
  })
})

describe('the run near its limits (fixtures/monitor/limits)', () => {
  test('near the open-files limit, a warning names the tests holding the most descriptors', async () => {
    const run = await runVitest(
      fixture,
      ['--project', 'limits', 'descriptors'],
      { TESTKIT_NEAR_LIMIT: '0.5' },
      { files: 256 },
    )

    expect(run.code).toBe(0)
    const near = findingsOf(run.report, 'fd-limit')
    expect(near).toHaveLength(1)
    expect(near[0]).toMatchObject({ test: 'holds many files', severity: 'warning', threshold: 128 })
    expect(near[0]?.message).toMatch(
      /^\d+ file descriptors open, near the limit of 256 \(ulimit -n\)\. Tests holding the most: ".*holds many files" \(150\), ".*holds a few files" \(3\)\.$/,
    )
    // One leak per file held, not one per descriptor.
    const held = run.report?.leaks.filter((leak) => leak.test === 'holds many files') ?? []
    expect(held.map((leak) => leak.message)).toEqual([
      expect.stringMatching(/^150 descriptors of .* \(fd \d+, \d+, \d+, \d+, \d+, \.\.\.\)/),
    ])
  })

  test('near the processes limit, a warning names the tests that started the most processes', async () => {
    // The share is set so that any count is near: the user's processes are the machine's, not the test's.
    const run = await runVitest(
      fixture,
      ['--project', 'limits', 'processes'],
      { TESTKIT_NEAR_LIMIT: '0.00002' },
      { processes: 50_000 },
    )

    expect(run.code).toBe(0)
    const near = findingsOf(run.report, 'process-limit')
    expect(near).toHaveLength(1)
    expect(near[0]?.test).toBe('starts three processes')
    expect(near[0]?.message).toMatch(
      /^\d+ processes and threads of this user, near the limit of \d+ \(ulimit -u\)\. Tests that started the most child processes: ".*starts three processes" \(3\)\.$/,
    )
    const started = metrics(scope(run.report, 'limits/processes.test.ts', 'starts three processes'))
    expect(started?.children).toBe(3)
    // Still running at the test's end (useProcess stops them in the cleanup): their memory was read.
    expect(started?.childRss).toBeGreaterThan(0)
  })
})
