import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { InvalidArgumentError } from '../core/errors.js'
import type { LeakRecord } from './model.js'
import type { ReportLeak } from './run-report.js'

/** One accepted leak, as committed in the baseline file. Paths are relative to the project root. */
export interface BaselineEntry {
  file: string
  /** The test's full name (describe names joined by ' > '), or null for the file's own scope. */
  test: string | null
  category: string
  type: string
  /** `file:line` of the origin when it had one; the line is for reviewers, matching uses the file. */
  origin: string | null
}

/** The baseline file: the leaks a suite had when it adopted testkit. It can only shrink. */
export interface BaselineFile {
  schemaVersion: 1
  /** How to regenerate it, for whoever reads the diff. */
  comment: string
  leaks: BaselineEntry[]
}

const COMMENT =
  'Leaks accepted when testkit was adopted: they are warnings, not failures. Fix them and delete their entries; regenerate with TESTKIT_UPDATE_BASELINE=1.'

const originFile = (origin: string | null) => (origin === null ? null : origin.replace(/:\d+(:\d+)?$/, ''))

/** What a leak and a baseline entry must share to match (not the line: it moves with every edit). */
export function baselineKey(entry: Omit<BaselineEntry, 'origin'> & { origin: string | null }): string {
  return JSON.stringify([entry.file, entry.test, entry.category, entry.type, originFile(entry.origin)])
}

/** A report leak as a baseline entry. */
export function toEntry(leak: ReportLeak): BaselineEntry {
  return {
    file: leak.file,
    test: leak.test,
    category: leak.category,
    type: leak.type,
    origin: leak.origin ? `${leak.origin.file}:${leak.origin.line}` : null,
  }
}

/** Reads and checks a baseline file; none (an empty list) when it does not exist. */
export function readBaseline(path: string): BaselineEntry[] {
  if (!existsSync(path)) return []
  let parsed: unknown
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'))
  } catch (error) {
    throw new InvalidArgumentError(
      `testkit baseline "${path}" is not valid JSON: ${(error as Error).message}`,
    )
  }
  const file = parsed as Partial<BaselineFile>
  if (file?.schemaVersion !== 1 || !Array.isArray(file.leaks)) {
    throw new InvalidArgumentError(
      `testkit baseline "${path}" must be { "schemaVersion": 1, "leaks": [...] }; regenerate it with TESTKIT_UPDATE_BASELINE=1.`,
    )
  }
  for (const entry of file.leaks) {
    const ok =
      entry !== null &&
      typeof entry === 'object' &&
      typeof entry.file === 'string' &&
      (entry.test === null || typeof entry.test === 'string') &&
      typeof entry.category === 'string' &&
      typeof entry.type === 'string' &&
      (entry.origin === null || typeof entry.origin === 'string')
    if (!ok) {
      throw new InvalidArgumentError(
        `testkit baseline "${path}" has an entry that is not { file, test, category, type, origin }: ${JSON.stringify(entry)}.`,
      )
    }
  }
  return file.leaks
}

/**
 * Writes the baseline from a run's leaks and the entries `kept` from before (those of tests that did
 * not run), sorted so that its diff is readable.
 */
export function writeBaseline(
  path: string,
  leaks: readonly ReportLeak[],
  kept: readonly BaselineEntry[] = [],
): BaselineEntry[] {
  const entries = [...kept, ...leaks.map(toEntry)].sort((a, b) =>
    baselineKey(a).localeCompare(baselineKey(b)),
  )
  const file: BaselineFile = { schemaVersion: 1, comment: COMMENT, leaks: entries }
  writeFileSync(path, `${JSON.stringify(file, null, 2)}\n`)
  return entries
}

/**
 * Decides, in the worker, which leaks the baseline accepts: each entry accepts one leak. Leaks are
 * given with paths already relative to the project root.
 */
export class BaselineMatcher {
  readonly #left = new Map<string, number>()

  constructor(entries: readonly BaselineEntry[]) {
    for (const entry of entries) {
      const key = baselineKey(entry)
      this.#left.set(key, (this.#left.get(key) ?? 0) + 1)
    }
  }

  /** Whether the baseline accepts this leak; uses up the entry that does. */
  accepts(
    file: string,
    test: string | null,
    leak: Pick<LeakRecord, 'category' | 'type'>,
    origin: string | null,
  ): boolean {
    const key = baselineKey({ file, test, category: leak.category, type: leak.type, origin })
    const left = this.#left.get(key) ?? 0
    if (left === 0) return false
    this.#left.set(key, left - 1)
    return true
  }
}

/** Baseline entries that no run leak matched: fixed, so they can be removed. Give it only the entries the run checks. */
export function staleEntries(
  entries: readonly BaselineEntry[],
  leaks: readonly ReportLeak[],
): BaselineEntry[] {
  const seen = new Map<string, number>()
  for (const leak of leaks) {
    const key = baselineKey(toEntry(leak))
    seen.set(key, (seen.get(key) ?? 0) + 1)
  }
  const stale: BaselineEntry[] = []
  for (const entry of entries) {
    const key = baselineKey(entry)
    const count = seen.get(key) ?? 0
    if (count > 0) seen.set(key, count - 1)
    else stale.push(entry)
  }
  return stale
}

/**
 * What a run can say about baseline entries. A partial run (one file, `-t`, `.skip`, `--shard`) says
 * nothing of the leaks of the tests it did not run, so their entries can be neither found stale nor
 * replaced; an entry of a test or file that no longer exists can be.
 */
export class RunScopes {
  readonly #root: string
  readonly #ran = new Set<string>()
  /** The full names of each collected file's tests, run or not. */
  readonly #tests = new Map<string, Set<string>>()

  /** `root`: the project root, which entries' paths are relative to. */
  constructor(root: string) {
    this.#root = root
  }

  /**
   * Adds a file the run collected (`file` relative to the root): whether its own scope ran (its
   * module passed or failed), and each of its tests' full names with whether it ran.
   */
  addFile(file: string, ran: boolean, tests: Iterable<readonly [name: string, ran: boolean]>): void {
    if (ran) this.#ran.add(JSON.stringify([file, null]))
    const names = new Set<string>()
    for (const [name, testRan] of tests) {
      names.add(name)
      if (testRan) this.#ran.add(JSON.stringify([file, name]))
    }
    // A file that collected no tests (it failed to import) cannot tell a deleted test from the rest.
    if (names.size > 0) this.#tests.set(file, names)
  }

  /** Whether the run checks this entry: its test (or file) ran, or it names a test or file that is gone. */
  checks(entry: Pick<BaselineEntry, 'file' | 'test'>): boolean {
    if (this.#ran.has(JSON.stringify([entry.file, entry.test]))) return true
    const names = this.#tests.get(entry.file)
    if (names !== undefined) return entry.test !== null && !names.has(entry.test)
    return !existsSync(resolve(this.#root, entry.file))
  }
}

/** Entries split by whether the run checks them: only those it does can be found stale or replaced. */
export function splitByRun(
  entries: readonly BaselineEntry[],
  scopes: RunScopes,
): { checked: BaselineEntry[]; notRun: BaselineEntry[] } {
  const split = { checked: [] as BaselineEntry[], notRun: [] as BaselineEntry[] }
  for (const entry of entries) (scopes.checks(entry) ? split.checked : split.notRun).push(entry)
  return split
}
