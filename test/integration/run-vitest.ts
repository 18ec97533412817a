import { execFile } from 'node:child_process'
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { isAbsolute, join } from 'node:path'
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

/**
 * Limits the run gets: open files (`ulimit -n`, hard and soft, since Node raises its soft limit to the
 * hard one at start) and processes (`ulimit -S -u`).
 */
export interface RunLimits {
  files?: number
  processes?: number
}

/**
 * A copy of a fixture project in a temp folder, with the built package in its node_modules as npm
 * puts it there. Vitest then loads testkit as an external dependency, as in a user's project: inside
 * this repository the package resolves to its own dist/ by self-reference, a path outside
 * node_modules, which Vitest loads differently.
 */
export function installedCopy(fixture: string): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'testkit-project-'))
  cpSync(join(root, fixture), dir, { recursive: true, filter: (source) => !source.includes('node_modules') })
  const target = join(dir, 'node_modules', '@orchestr8', 'testkit')
  mkdirSync(target, { recursive: true })
  cpSync(join(root, 'dist'), join(target, 'dist'), { recursive: true })
  cpSync(join(root, 'package.json'), join(target, 'package.json'))
  const linked = ['vitest', 'signal-exit', 'tmp-promise', 'tmp', 'chalk', 'pidusage']
  for (const name of linked) symlinkSync(join(root, 'node_modules', name), join(dir, 'node_modules', name))
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) }
}

/**
 * Runs `vitest run` in a project folder (absolute, or relative to the repository root), as a user would, with a
 * JSON report path; under lowered soft limits when `limits` is given.
 */
export function runVitest(
  project: string,
  args: string[] = [],
  env: Record<string, string> = {},
  limits: RunLimits = {},
): Promise<VitestRun> {
  const work = mkdtempSync(join(tmpdir(), 'testkit-run-'))
  const reportPath = join(work, 'report.json')
  return new Promise((resolve, reject) => {
    const ulimit = [
      limits.files === undefined ? '' : `ulimit -n ${limits.files}; `,
      limits.processes === undefined ? '' : `ulimit -S -u ${limits.processes}; `,
    ].join('')
    // `vitest run`, or `vitest bench` when the arguments start with 'bench'.
    const cli = args[0] === 'bench' ? args : ['run', ...args]
    const [command, commandArgs] =
      ulimit === ''
        ? [process.execPath, [vitestBin, ...cli]]
        : ['bash', ['-c', `${ulimit}exec "$0" "$@"`, process.execPath, vitestBin, ...cli]]
    execFile(
      command,
      commandArgs,
      {
        cwd: isAbsolute(project) ? project : join(root, project),
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
