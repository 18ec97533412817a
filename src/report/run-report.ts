import { relative, sep } from 'node:path'
import type { LeakPolicy } from '../config/options.js'
import type { SourceLocation } from '../core/types.js'
import type { BaselineEntry } from './baseline.js'
import { originEventOf } from './format.js'
import type {
  CleanupFailureRecord,
  LeakRecord,
  MonitorFinding,
  ScopeMetrics,
  ScopeRecord,
  Severity,
} from './model.js'

/** A leak in the JSON report. */
export interface ReportLeak extends Omit<LeakRecord, 'origin' | 'originEvent'> {
  /** The test file, relative to the project root. */
  file: string
  /** The test's full name (describe names joined by ' > '), or null for the file's own scope. */
  test: string | null
  origin: SourceLocation | null
  /** What happened at `origin`: 'created', 'listen() called' (a server), 'added' (a process listener). */
  originEvent: string
}

/** A failed cleanup in the JSON report. */
export interface ReportCleanupError extends CleanupFailureRecord {
  file: string
  test: string | null
}

/** A figure over its threshold in the JSON report. */
export interface ReportFinding extends MonitorFinding {
  file: string
  test: string | null
}

/** Per-scope figures in the JSON report. */
export interface ReportScopeMetrics {
  file: string
  test: string | null
  /** Resources the scope registered. */
  resources: number
  /** Milliseconds its cleanup took. */
  cleanupMs: number
  /** The monitor's figures, or null when it did not run (`monitor: 'off'`, concurrent tests). */
  metrics: ScopeMetrics | null
}

/** The JSON report, `schemaVersion: 1`; documented in the README. */
export interface JsonReport {
  schemaVersion: 1
  summary: {
    /** Tests whose results were seen. */
    tests: number
    /** Leaks found; always 0 under `leakPolicy: 'off'`, where none are looked for. */
    leaks: number
    /** The `leaks` option of the run: 'off' means leaks were not tracked, not that there were none. */
    leakPolicy: LeakPolicy
    cleanupErrors: number
    errors: number
    warnings: number
    /** Resources registered in all scopes. */
    resources: number
    cleanupMs: number
    runMs: number
    /** cleanupMs / runMs, 0 when the run took no time. */
    cleanupShare: number
    /** Figures over their thresholds. */
    findings: number
    /** Ms testkit's own setup and hooks took in all files (registered cleanups excluded); null when unmonitored. */
    testkitMs: number | null
    /** testkitMs over the files' whole time in the workers (setup, import, tests and hooks). */
    testkitShare: number | null
    /** The most heap testkit's setup added in one file, bytes; null when unmonitored. */
    testkitHeap: number | null
    /** Ms testkit's hooks took in Vitest's main process: the plugin, the global setup, the reporter. */
    testkitMainMs: number
  }
  leaks: ReportLeak[]
  cleanupErrors: ReportCleanupError[]
  findings: ReportFinding[]
  tests: ReportScopeMetrics[]
  slowestCleanups: Array<{ file: string; test: string | null; resourceId: string; ms: number }>
  /** The baseline of accepted leaks, when one is configured. */
  baseline?: {
    /** Its path, relative to the project root. */
    file: string
    /** Leaks of this run it accepted. */
    accepted: number
    /** Its entries that no leak matched any more: remove them. Only entries of tests that ran are checked. */
    stale: BaselineEntry[]
    /**
     * Its entries whose test (or file, for `test: null`) did not run: not in the files run, skipped
     * by a filter, `.skip` or `-t`, or in another shard. Not checked; kept as they were when written.
     */
    notRun: number
    /** True when this run wrote it (TESTKIT_UPDATE_BASELINE=1). */
    written: boolean
  }
}

/** Collects scope records from any test runner and turns them into the report. Framework-free. */
export class RunReport {
  readonly root: string
  readonly #leakPolicy: LeakPolicy
  readonly #leaks: ReportLeak[] = []
  readonly #cleanupErrors: ReportCleanupError[] = []
  readonly #findings: ReportFinding[] = []
  readonly #scopes: ReportScopeMetrics[] = []
  readonly #slowest: JsonReport['slowestCleanups'] = []
  #tests = 0

  /** `leakPolicy`: the run's `leaks` option, which says whether a leak count of 0 means anything. */
  constructor(root: string, leakPolicy: LeakPolicy = 'fail') {
    this.root = root
    this.#leakPolicy = leakPolicy
  }

  /** A path relative to the project root, with forward slashes. */
  relative(file: string): string {
    const path = file.startsWith(this.root) ? relative(this.root, file) : file
    return path.split(sep).join('/')
  }

  /** An origin with its file relative to the project root. */
  #at(origin: SourceLocation | null): SourceLocation | null {
    return origin && { ...origin, file: this.relative(origin.file) }
  }

  /** Counts a test whose result was seen, with or without a record. */
  countTest(): void {
    this.#tests++
  }

  /** Adds what one scope recorded. `file` is absolute; `test` is null for a file's own scope. */
  add(file: string, test: string | null, record: ScopeRecord): void {
    const at = this.relative(file)
    for (const leak of record.leaks)
      this.#leaks.push({
        ...leak,
        file: at,
        test,
        origin: this.#at(leak.origin),
        originEvent: originEventOf(leak),
      })
    for (const failure of record.cleanupErrors) {
      this.#cleanupErrors.push({ ...failure, origin: this.#at(failure.origin), file: at, test })
    }
    for (const finding of record.findings ?? []) this.#findings.push({ ...finding, file: at, test })
    const { resources, cleanupMs, metrics = null } = record
    this.#scopes.push({ file: at, test, resources, cleanupMs, metrics })
    for (const [resourceId, ms] of record.slowest) this.#slowest.push({ file: at, test, resourceId, ms })
  }

  /**
   * Everything collected, as the versioned JSON report. `runMs`: the files' tests and hooks;
   * `filesMs`: the files' whole time in the workers (setup, import and tests), for testkit's share;
   * `mainMs`: what testkit's hooks cost the main process.
   */
  toJSON(runMs: number, filesMs = runMs, mainMs = 0): JsonReport {
    const count = (severity: Severity) =>
      [this.#leaks, this.#cleanupErrors, this.#findings].reduce(
        (sum, list) => sum + list.filter((item) => item.severity === severity).length,
        0,
      )
    const cleanupMs = this.#scopes.reduce((sum, scope) => sum + scope.cleanupMs, 0)
    // A file's figures include its tests' share of testkit's time.
    const files = this.#scopes.filter((scope) => scope.test === null && scope.metrics !== null)
    const testkitMs = files.length > 0 ? files.reduce((sum, f) => sum + (f.metrics?.testkitMs ?? 0), 0) : null
    const testkitHeap = files.length > 0 ? Math.max(...files.map((f) => f.metrics?.testkitHeap ?? 0)) : null
    return {
      schemaVersion: 1,
      summary: {
        tests: this.#tests,
        leaks: this.#leaks.length,
        leakPolicy: this.#leakPolicy,
        cleanupErrors: this.#cleanupErrors.length,
        errors: count('error'),
        warnings: count('warning'),
        resources: this.#scopes.reduce((sum, scope) => sum + scope.resources, 0),
        cleanupMs,
        runMs,
        cleanupShare: runMs > 0 ? cleanupMs / runMs : 0,
        findings: this.#findings.length,
        testkitMs,
        testkitShare: testkitMs === null ? null : filesMs > 0 ? testkitMs / filesMs : 0,
        testkitHeap,
        testkitMainMs: mainMs,
      },
      leaks: this.#leaks,
      cleanupErrors: this.#cleanupErrors,
      findings: this.#findings,
      tests: this.#scopes,
      slowestCleanups: [...this.#slowest].sort((a, b) => b.ms - a.ms).slice(0, 5),
    }
  }
}
