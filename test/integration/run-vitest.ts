import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { JsonReport } from '../../src/report/run-report.js'

const root = join(import.meta.dirname, '..', '..')
const vitestBin = join(root, 'node_modules', 'vitest', 'vitest.mjs')

export interface VitestRun {
  code: number
  stdout: string
  stderr: string
  /** The JSON report, or undefined if none was written. */
  report: JsonReport | undefined
}

/** The environment without what would change colours, CI behaviour or testkit options behind a test's back. */
function plainEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env }
  for (const key of Object.keys(env)) {
    if (
      key.startsWith('TESTKIT_') ||
      key.startsWith('VITEST') ||
      ['FORCE_COLOR', 'GITHUB_ACTIONS', 'CI'].includes(key)
    ) {
      delete env[key]
    }
  }
  return env
}

/** Runs `vitest run` in a project folder (relative to the repository root), as a user would, with a JSON report path. */
export function runVitest(
  project: string,
  args: string[] = [],
  env: Record<string, string> = {},
): Promise<VitestRun> {
  const work = mkdtempSync(join(tmpdir(), 'testkit-run-'))
  const reportPath = join(work, 'report.json')
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [vitestBin, 'run', ...args],
      {
        cwd: join(root, project),
        timeout: 120_000,
        env: { ...plainEnv(), NO_COLOR: '1', TESTKIT_REPORT: reportPath, ...env },
      },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number') return reject(error)
        let report: JsonReport | undefined
        try {
          report = JSON.parse(readFileSync(reportPath, 'utf8'))
        } catch {
          report = undefined
        }
        rmSync(work, { recursive: true, force: true })
        resolve({ code: typeof error?.code === 'number' ? error.code : 0, stdout, stderr, report })
      },
    )
  })
}
