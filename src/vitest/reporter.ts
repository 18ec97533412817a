import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import type { Reporter, ResolvedConfig, TestModule, Vitest } from 'vitest/node'
import { resolveOptions, type TestkitOptions } from '../config/options.js'
import {
  type BaselineEntry,
  RunScopes,
  readBaseline,
  splitByRun,
  staleEntries,
  writeBaseline,
} from '../report/baseline.js'
import type { ScopeRecord } from '../report/model.js'
import { type JsonReport, RunReport } from '../report/run-report.js'
import { colorLevel, githubAnnotations, renderSummary } from '../report/terminal.js'
import { mainMs } from './main-cost.js'
import { META_KEY } from './meta.js'

const BRAND = Symbol.for('@orchestr8/testkit.reporter')

/** Whether `value` is a testkit reporter, from any copy of its class (the ESM or the CJS build). */
export function isTestkitReporterInstance(value: unknown): boolean {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true
}

/** The baseline's entries, or none when it is malformed: a rewrite replaces it whole. */
function readOrNone(path: string): BaselineEntry[] {
  try {
    return readBaseline(path)
  } catch {
    return []
  }
}

/** Whether a test or a file ran: skipped ones (a filter, `.skip`, `-t`) and unfinished ones did not. */
const hasRun = (state: string) => state === 'passed' || state === 'failed'

/** Vitest's reporters whose output a program reads, each with whether an `outputFile` takes it off stdout. */
const MACHINE_READABLE = new Map([
  ['json', true],
  ['junit', true],
  ['tap', false],
  ['tap-flat', false],
])

/**
 * Whether one of the reporters Vitest runs writes JSON, JUnit XML or TAP to stdout, where a program
 * reads it (`vitest run --reporter=json > out.json`). `json` and `junit` write to a file instead when
 * they have one, as Vitest resolves it: the reporter's own `outputFile` option, else the config's (one
 * path, or one per reporter name). A reporter given as an instance is not recognised.
 */
export function machineReadableOnStdout(config: Pick<ResolvedConfig, 'reporters' | 'outputFile'>): boolean {
  return config.reporters.some((entry) => {
    if (!Array.isArray(entry) || typeof entry[0] !== 'string') return false
    const canUseFile = MACHINE_READABLE.get(entry[0])
    if (canUseFile === undefined) return false
    if (!canUseFile) return true
    const own = (entry[1] as { outputFile?: unknown } | undefined)?.outputFile
    const shared = typeof config.outputFile === 'string' ? config.outputFile : config.outputFile?.[entry[0]]
    return !(own ?? shared)
  })
}

/**
 * The testkit reporter: at the end of the run, a summary of cleanup failures and leaks (one line when
 * all is clean), the JSON report, and GitHub annotations under `GITHUB_ACTIONS=true`; the summary and
 * annotations go to stderr when another reporter writes JSON, JUnit or TAP to stdout. It reads what
 * travelled with each test's result, so it is right under `--shard` and `--merge-reports`.
 */
export default class TestkitReporter implements Reporter {
  readonly #options: TestkitOptions
  #vitest: Vitest | undefined

  /** @internal Marks an instance for isTestkitReporterInstance(), whichever copy of this class made it. */
  get [BRAND](): true {
    return true
  }

  constructor(options: TestkitOptions = {}) {
    // Bad options fail when Vitest makes the reporter, at start-up, not when the run ends.
    resolveOptions(options)
    this.#options = options
  }

  onInit(vitest: Vitest): void {
    this.#vitest = vitest
  }

  /**
   * Compares the run with the baseline file, or rewrites it from the run's leaks. Only the entries the
   * run checks (see RunScopes) are compared or replaced; the others are counted, and kept when rewriting.
   */
  #baseline(
    report: RunReport,
    path: string,
    json: JsonReport,
    update: boolean,
    scopes: RunScopes,
  ): NonNullable<JsonReport['baseline']> {
    const file = report.relative(path)
    const entries = splitByRun(update ? readOrNone(path) : readBaseline(path), scopes)
    const notRun = entries.notRun.length
    if (update) {
      // The leaks that would fail a test: warnings (an idle keep-alive socket, an allowed category)
      // need no entry, and an entry no run accepts would be reported stale on every run. A scope that
      // did not run keeps its entries: a file skipped under -t still runs its top level, not its beforeAll.
      const accepted = json.leaks.filter((leak) => leak.accepted && scopes.checks(leak))
      writeBaseline(path, accepted, entries.notRun)
      return { file, accepted: accepted.length, stale: [], notRun, written: true }
    }
    const accepted = json.leaks.filter((leak) => leak.accepted)
    const stale = staleEntries(entries.checked, accepted)
    return { file, accepted: accepted.length, stale, notRun, written: false }
  }

  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const start = performance.now()
    const vitest = this.#vitest
    if (vitest === undefined) return
    // A shard that writes a blob for --merge-reports leaves the report to the merging run.
    if (
      vitest.config.shard &&
      vitest.config.reporters.some((entry) => Array.isArray(entry) && entry[0] === 'blob')
    )
      return
    const options = resolveOptions(this.#options)
    const root = vitest.config.root
    const report = new RunReport(root, options.leaks)
    const scopes = new RunScopes(root)
    let runMs = 0
    let filesMs = 0
    for (const module of testModules) {
      const time = module.diagnostic()
      runMs += time.duration
      filesMs +=
        time.duration +
        time.setupDuration +
        time.collectDuration +
        time.prepareDuration +
        time.environmentSetupDuration
      const tests = [...module.children.allTests()]
      scopes.addFile(
        report.relative(module.moduleId),
        hasRun(module.state()),
        tests.map((test) => [test.fullName, hasRun(test.result().state)] as const),
      )
      const fileRecord = module.meta()[META_KEY as never] as ScopeRecord | undefined
      if (fileRecord) report.add(module.moduleId, null, fileRecord)
      for (const test of tests) {
        report.countTest()
        const record = test.meta()[META_KEY as never] as ScopeRecord | undefined
        if (record) report.add(module.moduleId, test.fullName, record)
      }
    }
    const json = report.toJSON(runMs, filesMs, mainMs() + performance.now() - start)
    if (options.baseline !== false)
      json.baseline = this.#baseline(
        report,
        resolve(root, options.baseline),
        json,
        options.updateBaseline,
        scopes,
      )
    let written: string | undefined
    if (options.report !== false) {
      const path = resolve(root, options.report)
      mkdirSync(dirname(path), { recursive: true })
      writeFileSync(path, `${JSON.stringify(json, null, 2)}\n`)
      written = report.relative(path)
    }
    // Machine-readable output on stdout must stay valid: the summary goes to stderr after it.
    const toStderr = machineReadableOnStdout(vitest.config)
    const print = (text: string) => (toStderr ? vitest.logger.error(text) : vitest.logger.log(text))
    const level = colorLevel(process.env, (toStderr ? process.stderr : process.stdout).isTTY === true)
    print(`\n${renderSummary(json, level, written)}\n`)
    if (process.env.GITHUB_ACTIONS === 'true') {
      for (const line of githubAnnotations(json)) print(line)
    }
  }
}
