// `npm run bench:parts`: where testkit's cost on the timers/sockets/processes suite goes. The same
// generated suite runs plain, with testkit as configured by default, with `monitor: 'off'`, and with
// two copies of the package that take no stack where a timer, socket or process is created (so no
// origin line, and none of the filters that read the stack): a measurement, not a setting.
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { heavyHeader, heavyTest, project } from './detect-bench.mjs'
import { printTable } from './table.mjs'
import { aloneWall, install, paired, rangeText } from './vitest-bench.mjs'

const CAPTURE = 'function captureStack(skip, frames = FRAME_LIMIT) {\n'

/** Copies the installed package into `dir`'s own node_modules with captureStack() returning nothing. */
function installWithoutStacks(work, dir) {
  const from = join(work, 'node_modules', '@orchestr8', 'testkit')
  const to = join(dir, 'node_modules', '@orchestr8', 'testkit')
  mkdirSync(to, { recursive: true })
  cpSync(from, to, { recursive: true })
  const patched = []
  for (const name of readdirSync(join(to, 'dist')).filter((file) => /\.c?js$/.test(file))) {
    const file = join(to, 'dist', name)
    const text = readFileSync(file, 'utf8')
    if (!text.includes(CAPTURE)) continue
    writeFileSync(file, text.replace(CAPTURE, `${CAPTURE}  return undefined;\n`))
    patched.push(name)
  }
  // The workers load the setup runtime: without it patched, this variant would measure nothing.
  if (!patched.includes('setup-runtime.cjs')) {
    throw new Error(
      `captureStack() not found in dist/setup-runtime.cjs (patched: ${patched.join(', ') || 'none'})`,
    )
  }
}

const variants = [
  { name: 'plain Vitest', withTestkit: false },
  { name: 'testkit, defaults', withTestkit: true },
  { name: "testkit, monitor: 'off'", withTestkit: true, options: ", monitor: 'off'" },
  { name: 'testkit without stack captures', withTestkit: true, noStacks: true },
  {
    name: "testkit without stack captures, monitor: 'off'",
    withTestkit: true,
    noStacks: true,
    options: ", monitor: 'off'",
  },
]

const rounds = Number(process.env.BENCH_ROUNDS ?? 5)
const work = mkdtempSync(join(tmpdir(), 'testkit-parts-bench-'))
try {
  install(work)
  const dirs = variants.map((variant, i) => {
    const dir = join(work, `v${i}`)
    project(dir, { ...variant, body: heavyTest, header: heavyHeader })
    if (variant.noStacks) installWithoutStacks(work, dir)
    return dir
  })
  const cpu = await paired(
    dirs.map((dir) => ({ dir, args: [] })),
    rounds,
  )
  const plain = { dir: dirs[0], args: [] }
  const alone = dirs.map((dir, i) => (i === 0 ? undefined : aloneWall(plain, { dir, args: [] }, rounds)))
  console.log(
    `\nWhere testkit's cost goes: 2000 tests with timers, sockets, processes; ${rounds} rounds. CPU: each variant at the same time as a plain run, median of the pairs' ratios. Wall: each variant and plain alone, one after the other, median ratio.`,
  )
  const header = ['variant', 'CPU ratio', 'wall ratio, alone']
  const table = variants
    .slice(1)
    .map((variant, i) => [
      variant.name,
      `${cpu[i + 1].cpuRatio.toFixed(3)} ${rangeText(cpu[i + 1].cpuRange)}`,
      `${alone[i + 1].ratio.toFixed(3)} ${rangeText(alone[i + 1].range)}`,
    ])
  printTable(header, table)
} finally {
  rmSync(work, { recursive: true, force: true })
}
