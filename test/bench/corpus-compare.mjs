// The leak corpus (fixtures/leaks/corpus) through testkit and through Vitest's --detectAsyncLeaks,
// on the same suite: which leaks each finds, and whether it can say which test made them.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { printTable } from './table.mjs'

const root = join(import.meta.dirname, '..', '..')
const fixture = join(root, 'fixtures', 'leaks')
const vitestBin = join(root, 'node_modules', 'vitest', 'vitest.mjs')

function vitest(args, env = {}) {
  return spawnSync(process.execPath, [vitestBin, 'run', ...args], {
    cwd: fixture,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', CI: '1', ...env },
    timeout: 120_000,
  })
}

/** Every `// leak: Type` marker of the corpus: "file:line" -> type. */
export function markers() {
  const found = new Map()
  for (const name of readdirSync(join(fixture, 'corpus'))) {
    readFileSync(join(fixture, 'corpus', name), 'utf8')
      .split('\n')
      .forEach((line, index) => {
        const match = /\/\/ leak: (\w+)/.exec(line)
        if (match) found.set(`corpus/${name}:${index + 1}`, match[1])
      })
  }
  return found
}

/** --detectAsyncLeaks findings: handle type and the first corpus frame of its stack ("file:line"). */
function parseAsyncLeaks(output) {
  const leaks = []
  let current
  for (const line of output.split('\n')) {
    const header = /^(\S+) leaking in (\S+)$/.exec(line.trim())
    if (header) {
      current = { type: header[1], file: header[2], at: undefined }
      leaks.push(current)
      continue
    }
    const frame = /❯ (?:\S+ )?(corpus\/[^:\s]+):(\d+):\d+/.exec(line)
    if (current && current.at === undefined && frame) current.at = `${frame[1]}:${frame[2]}`
  }
  return leaks
}

/** Pids of running processes started by the corpus's never-ending children. */
export function corpusChildren() {
  const found = []
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8')
      if (cmdline.includes('forever.cjs') || cmdline.includes('setInterval(() => {}, 1000)')) found.push(pid)
    } catch {
      // Gone meanwhile.
    }
  }
  return found
}

/** Stops the children the corpus leaves when nothing cleans them (the --detectAsyncLeaks run). */
function stopCorpusChildren() {
  for (const pid of corpusChildren()) {
    try {
      process.kill(Number(pid), 'SIGKILL')
    } catch {
      // Gone meanwhile.
    }
  }
}

/** Runs both detectors on the corpus; one row per marked leak. */
export function compareCorpus() {
  const work = mkdtempSync(join(tmpdir(), 'testkit-compare-'))
  try {
    const report = join(work, 'report.json')
    vitest(['--project', 'corpus'], { TESTKIT_REPORT: report })
    const ours = JSON.parse(readFileSync(report, 'utf8')).leaks
    const async = vitest(['--config', 'vitest.plain.config.ts', '--detectAsyncLeaks'])
    stopCorpusChildren()
    const theirs = parseAsyncLeaks(async.stdout + async.stderr)
    // An async resource is located where its handle is made (dgram.createSocket), testkit's leak where
    // it starts holding the process (bind): a finding up to two lines above the marker is the same one.
    const near = (leak, at) => {
      const [file, line] = at.split(':')
      const [theirFile, theirLine] = (leak.at ?? ':').split(':')
      const above = Number(line) - Number(theirLine)
      return theirFile === file && above >= 0 && above <= 2
    }
    const rows = [...markers()].map(([at, type]) => {
      const mine = ours.find(
        (leak) => leak.origin && `${leak.origin.file}:${leak.origin.line}` === at && leak.type === type,
      )
      const found = theirs.filter((leak) => near(leak, at))
      return {
        at,
        type,
        testkit: mine ? (mine.test ?? '(file scope)') : undefined,
        async: found.length > 0 ? `${found.map((leak) => leak.type).join(' + ')}, per file` : undefined,
      }
    })
    // What --detectAsyncLeaks found that no marker (and so no testkit leak) accounts for.
    const unmatched = theirs.filter((leak) => !rows.some((row) => near(leak, row.at) && row.testkit))
    return { rows, unmatched }
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
}

/** Prints the comparison table. */
export function printCompare({ rows, unmatched }) {
  console.log('\nLeak corpus: testkit vs vitest --detectAsyncLeaks on the same suite (fixtures/leaks/corpus)')
  const header = ['leak (marker)', 'type', 'testkit: test', '--detectAsyncLeaks']
  const table = rows.map((r) => [r.at, r.type, r.testkit ?? 'MISSED', r.async ?? 'missed'])
  printTable(header, table)
  const ours = rows.filter((r) => r.testkit).length
  const theirs = rows.filter((r) => r.async).length
  console.log(
    `testkit: ${ours}/${rows.length}, each with its test; --detectAsyncLeaks: ${theirs}/${rows.length}, per file only, and the run exits 0.` +
      ` Found by --detectAsyncLeaks and not by testkit: ${unmatched.length}.`,
  )
}
