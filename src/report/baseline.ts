import { existsSync, readFileSync, writeFileSync } from 'node:fs'
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

/** Writes the baseline from a run's leaks, sorted so that its diff is readable. */
export function writeBaseline(path: string, leaks: readonly ReportLeak[]): BaselineEntry[] {
  const entries = leaks.map(toEntry).sort((a, b) => baselineKey(a).localeCompare(baselineKey(b)))
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

/** Baseline entries that no run leak matched: fixed, so they can be removed. */
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
