import type Chalk from 'chalk'
import { failureLine, locationText } from './format.js'
import type { JsonReport, ReportCleanupError, ReportFinding, ReportLeak } from './run-report.js'

type Paint = (text: string) => string
/** The colours the summary uses: chalk's, or none. */
interface Palette {
  bold: Paint & { red: Paint }
  red: Paint
  cyan: Paint
  dim: Paint
  green: Paint
  underline: Paint
  yellow: Paint
}
const asIs: Paint = (text) => text
const PLAIN: Palette = {
  bold: Object.assign((text: string) => text, { red: asIs }),
  red: asIs,
  cyan: asIs,
  dim: asIs,
  green: asIs,
  underline: asIs,
  yellow: asIs,
}

/**
 * chalk's colours at `level`, or plain text at 0 without loading chalk: loading it costs Vitest's
 * process ~20 ms, and CI (no TTY) prints plain text.
 */
function palette(level: 0 | 1 | 2 | 3): Palette {
  if (level === 0) return PLAIN
  const chalk = process.getBuiltinModule('node:module').createRequire(import.meta.url)(
    'chalk',
  ) as typeof Chalk
  return new chalk.Instance({ level })
}

/** Colour level from the environment: FORCE_COLOR wins (as in Node), then NO_COLOR, then the TTY. */
export function colorLevel(env: NodeJS.ProcessEnv, isTTY: boolean): 0 | 1 | 2 | 3 {
  const force = env.FORCE_COLOR
  if (force !== undefined && force !== '' && force !== '0' && force !== 'false') {
    return force === '2' ? 2 : force === '3' ? 3 : 1
  }
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return 0
  return isTTY ? 1 : 0
}

const where = (item: { file: string; test: string | null }) =>
  item.test === null ? `${item.file} (file scope)` : `${item.file} > ${item.test}`

const ms = (value: number) => (value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${value.toFixed(1)} ms`)

function groupBy<T>(items: T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>()
  for (const item of items) {
    const name = key(item)
    const group = groups.get(name)
    if (group) group.push(item)
    else groups.set(name, [item])
  }
  return groups
}

const mb = (bytes: number) => `${(bytes / (1024 * 1024)).toFixed(1)} MB`

/** The run's figures in one line: peaks and totals the monitor took, and testkit's own cost. */
function figuresLine(report: JsonReport): string | undefined {
  const { summary } = report
  if (summary.testkitMs === null) return undefined
  const scopes = report.tests.filter((scope) => scope.metrics !== null)
  const files = scopes.filter((scope) => scope.test === null)
  const peak = (values: number[]) => (values.length > 0 ? Math.max(...values) : 0)
  const growth = peak(files.map((f) => f.metrics?.heapDelta ?? 0))
  const parts = [
    `peak RSS ${mb(peak(scopes.map((s) => s.metrics?.rss ?? 0)))}`,
    // Heaps that shrank: the largest "growth" would be negative.
    growth > 0 ? `largest heap growth of a file ${mb(growth)}` : 'no file grew the heap',
  ]
  const fds = scopes.flatMap((s) => (s.metrics?.fds ? [s.metrics.fds.after] : []))
  if (fds.length > 0) parts.push(`most descriptors open ${peak(fds)}`)
  const children = files.reduce((sum, f) => sum + (f.metrics?.children ?? 0), 0)
  if (children > 0) {
    const cpu = files.reduce((sum, f) => sum + (f.metrics?.childCpuMs ?? 0), 0)
    // null where it could not be measured (children that exited, in worker threads or off Linux).
    const unmeasured = files.some((f) => (f.metrics?.children ?? 0) > 0 && f.metrics?.childCpuMs == null)
    const processes = `${children} child process${children === 1 ? '' : 'es'}`
    if (!unmeasured) parts.push(`${processes} using ${ms(cpu)} of CPU`)
    else
      parts.push(
        cpu > 0 ? `${processes} using at least ${ms(cpu)} of CPU` : `${processes} (CPU not measured)`,
      )
  }
  const share = `${((summary.testkitShare ?? 0) * 100).toFixed(1)}% of the files' time in the workers`
  const heap = summary.testkitHeap ? `, ~${Math.ceil(summary.testkitHeap / 1024)} KB of heap per file` : ''
  const main = summary.testkitMainMs > 0 ? `, ${ms(summary.testkitMainMs)} in Vitest's own process` : ''
  return `Figures: ${parts.join(', ')}. testkit itself: ${ms(summary.testkitMs)} (${share})${main}${heap}.`
}

/** The end-of-run summary: one line when all is clean, else findings grouped by category. */
export function renderSummary(report: JsonReport, level: 0 | 1 | 2 | 3, reportPath?: string): string {
  const c = palette(level)
  const { summary } = report
  const share = `${(summary.cleanupShare * 100).toFixed(1)}% of the run`
  const cost = `${summary.resources} resource${summary.resources === 1 ? '' : 's'} registered, cleanup took ${ms(summary.cleanupMs)} (${share})`
  const baseline = baselineLines(report, c)
  const figures = figuresLine(report)
  // Under leaks: 'off' none are looked for: "no leaks" would read as a clean bill.
  const untracked = summary.leakPolicy === 'off' ? "leak tracking off (leaks: 'off')" : undefined
  if (summary.leaks === 0 && summary.cleanupErrors === 0 && summary.findings === 0) {
    const name = untracked ? c.yellow('testkit') : c.green('testkit')
    const clean = `${name} ${untracked ? `${untracked};` : 'no leaks,'} no cleanup failures, no figure over its threshold: ${cost}`
    return [clean, ...(figures ? [c.dim(figures)] : []), ...baseline].join('\n')
  }
  const mark = (severity: string) => (severity === 'error' ? c.red('✗') : c.yellow('!'))
  const lines = [
    `${c.bold.red('testkit')} ${summary.errors} error${summary.errors === 1 ? '' : 's'}, ${summary.warnings} warning${summary.warnings === 1 ? '' : 's'}${untracked ? `; ${untracked}` : ''}`,
  ]
  if (report.leaks.length > 0) {
    lines.push('', c.bold('Leaks'))
    for (const [category, leaks] of groupBy<ReportLeak>(report.leaks, (l) => l.category)) {
      lines.push(`  ${c.cyan(category)}`)
      for (const leak of leaks) {
        const at = leak.origin
          ? `${leak.origin.file}:${leak.origin.line}:${leak.origin.column}`
          : 'unknown location'
        lines.push(
          `    ${mark(leak.severity)} ${where(leak)}${leak.accepted ? c.dim(' (accepted by the baseline)') : ''}`,
        )
        lines.push(
          `      ${leak.type} ${leak.originEvent} at ${c.underline(at)}, ${leak.action}: ${leak.message}`,
        )
        lines.push(`      ${c.dim(`fix: ${leak.hint}`)}`)
      }
    }
  }
  if (report.cleanupErrors.length > 0) {
    lines.push('', c.bold('Cleanup failures'))
    for (const [category, failures] of groupBy<ReportCleanupError>(report.cleanupErrors, (f) => f.category)) {
      lines.push(`  ${c.cyan(category)}`)
      for (const failure of failures) {
        const at = failure.origin ? ` ${c.dim(`thrown at ${locationText(failure.origin)}`)}` : ''
        lines.push(`    ${mark(failure.severity)} ${where(failure)}${at}`)
        lines.push(`      ${failureLine(failure)}`)
      }
    }
  }
  if (report.findings.length > 0) {
    lines.push('', c.bold('Figures over their thresholds'))
    for (const [kind, findings] of groupBy<ReportFinding>(report.findings, (f) => f.kind)) {
      lines.push(`  ${c.cyan(kind)}`)
      for (const finding of findings) {
        lines.push(`    ${mark(finding.severity)} ${where(finding)}`)
        lines.push(`      ${finding.message}`)
      }
    }
  }
  if (report.slowestCleanups.length > 0) {
    lines.push('', c.bold('Slowest cleanups'))
    for (const slow of report.slowestCleanups)
      lines.push(`  ${ms(slow.ms).padStart(9)}  ${slow.resourceId}  ${c.dim(where(slow))}`)
  }
  lines.push('', `Cleanup: ${cost}.`)
  if (figures) lines.push(figures)
  if (reportPath) lines.push(`JSON report: ${reportPath}`)
  lines.push(...baseline)
  return lines.join('\n')
}

const entries = (count: number) => `${count} entr${count === 1 ? 'y' : 'ies'}`

/** What the baseline of accepted leaks says: written, entries that can go, entries this run could not check. */
function baselineLines(report: JsonReport, c: Palette): string[] {
  const baseline = report.baseline
  if (baseline === undefined) return []
  if (baseline.written) {
    const kept = baseline.notRun > 0 ? `; ${entries(baseline.notRun)} of tests that did not run kept` : ''
    return [
      `Baseline ${baseline.file} written with ${baseline.accepted} accepted leak${baseline.accepted === 1 ? '' : 's'}${kept}.`,
    ]
  }
  // A partial run (one file, -t, a shard) checks only its own tests' entries: say so, lest "no stale
  // entries" read as the whole baseline checked.
  const lines =
    baseline.notRun > 0
      ? [
          c.dim(
            `Baseline ${baseline.file}: ${entries(baseline.notRun)} not checked: their tests did not run.`,
          ),
        ]
      : []
  if (baseline.stale.length === 0) return lines
  lines.push(
    c.yellow(
      `Baseline ${baseline.file}: ${baseline.stale.length} accepted leak${baseline.stale.length === 1 ? ' no longer occurs' : 's no longer occur'}; remove ${baseline.stale.length === 1 ? 'it' : 'them'}:`,
    ),
  )
  for (const entry of baseline.stale) {
    lines.push(
      `  ${entry.file}${entry.test ? ` > ${entry.test}` : ' (file scope)'}: ${entry.type} (${entry.category}) at ${entry.origin ?? 'unknown location'}`,
    )
  }
  return lines
}

const escapeData = (text: string) => text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A')
const escapeProperty = (text: string) => escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C')

/** GitHub Actions workflow commands, one per finding, pointing at the origin line when known. */
export function githubAnnotations(report: JsonReport): string[] {
  const annotation = (
    severity: string,
    file: string,
    line: number | undefined,
    title: string,
    message: string,
  ) => {
    const level = severity === 'error' ? 'error' : 'warning'
    const position = line === undefined ? '' : `,line=${line}`
    return `::${level} file=${escapeProperty(file)}${position},title=${escapeProperty(title)}::${escapeData(message)}`
  }
  return [
    ...report.leaks.map((leak) =>
      annotation(
        leak.severity,
        leak.origin?.file ?? leak.file,
        leak.origin?.line,
        `testkit: ${leak.type} leaked`,
        `${where(leak)}: ${leak.message} Fix: ${leak.hint}`,
      ),
    ),
    ...report.findings.map((finding) =>
      annotation(
        finding.severity,
        finding.file,
        undefined,
        `testkit: ${finding.kind}`,
        `${where(finding)}: ${finding.message}`,
      ),
    ),
    ...report.cleanupErrors.map((failure) =>
      annotation(
        failure.severity,
        failure.origin?.file ?? failure.file,
        failure.origin?.line,
        'testkit: cleanup failed',
        `${where(failure)}: ${failureLine(failure)}`,
      ),
    ),
  ]
}
