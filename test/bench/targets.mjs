// The issues' targets, checked against the figures of this bench run: one line each, met or not.

const verdict = (met) => (met ? 'met    ' : 'NOT MET')

/** One target: `under` is strict (the issues' "under"), otherwise "at most". */
function check(name, value, limit, { under = false, unit = '' } = {}) {
  const met = under ? value < limit : value <= limit
  const shown = unit ? `${value.toFixed(1)} ${unit}` : `${value.toFixed(3)}x`
  return `${verdict(met)}  ${name}: ${shown} (target ${under ? '<' : '<='} ${limit}${unit ? ` ${unit}` : 'x'})`
}

/** "At least 10x less added time than --detectAsyncLeaks", from two ratios to plain. */
function tenTimes(name, testkitRatio, asyncRatio) {
  const added = testkitRatio - 1
  if (added <= 0) return `${verdict(true)}  ${name}: testkit adds none`
  const times = (asyncRatio - 1) / added
  return `${verdict(times >= 10)}  ${name}: ${times.toFixed(1)}x less (target >= 10x)`
}

/** Prints each target beside the figure that decides it. */
export function printTargets({ vitest, detect, monitor }) {
  const lines = []
  const [trivial, resources] = vitest
  lines.push(check('trivial suite, CPU against plain Vitest', trivial.cpuRatio, 1.02, { under: true }))
  lines.push(check('trivial suite, wall time alone', trivial.alone.ratio, 1.02, { under: true }))
  const marginal = monitor.rows.find(([name]) => name.includes('monitor on, tests 2 to 101'))
  if (marginal) {
    const name = 'per test that registers nothing (testkit hooks, tests 2 to 101 of a fresh worker)'
    lines.push(check(name, marginal[1], 20, { under: true, unit: 'µs' }))
  }
  for (const row of detect) {
    lines.push(check(`${row.suite}, CPU with detection`, row.testkit.cpuRatio, 1.03))
    lines.push(check(`${row.suite}, wall time alone with detection`, row.alone.ratio, 1.03))
    lines.push(
      tenTimes(
        `${row.suite}, CPU added against --detectAsyncLeaks`,
        row.testkit.cpuRatio,
        row.async.cpuRatio,
      ),
    )
    lines.push(
      tenTimes(
        `${row.suite}, wall time added (paired) against --detectAsyncLeaks`,
        row.testkit.wallRatio,
        row.async.wallRatio,
      ),
    )
  }
  for (const name of ['getMemoryUsage()', 'getCpuUsage()']) {
    const row = monitor.rows.find(([label]) => label === name)
    if (row) lines.push(check(`monitor sample, ${name}`, row[1], 50, { under: true, unit: 'µs' }))
  }
  console.log('\nTargets (from the issues), on this run:')
  for (const line of lines) console.log(`  ${line}`)
  if (resources) {
    console.log(
      `  (no target stated) ${resources.suite}: CPU ${resources.cpuRatio.toFixed(3)}x, wall time alone ${resources.alone.ratio.toFixed(3)}x, against hand-written cleanup in afterEach`,
    )
  }
}
