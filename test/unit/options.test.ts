import { expect, test } from 'vitest'
import { fromTransport, type IgnoreRule, resolveOptions, toTransport } from '../../src/config/options.js'
import { InvalidArgumentError } from '../../src/core/errors.js'
import { matchesRule } from '../../src/scope/state.js'

test('autoClean and leakSettle default to cleaning, after 100 ms for what is closing', () => {
  expect(resolveOptions({}, {})).toMatchObject({ autoClean: true, leakSettle: 100 })
})

test('the environment wins: TESTKIT_AUTO_CLEAN=false and TESTKIT_LEAK_SETTLE=250', () => {
  const env = { TESTKIT_AUTO_CLEAN: 'false', TESTKIT_LEAK_SETTLE: '250' }

  expect(resolveOptions({ autoClean: true, leakSettle: 50 }, env)).toMatchObject({
    autoClean: false,
    leakSettle: 250,
  })
})

test('a bad autoClean or leakSettle names the option and what it must be', () => {
  expect(() => resolveOptions({}, { TESTKIT_AUTO_CLEAN: 'sometimes' })).toThrow(
    expect.objectContaining({
      code: 'ERR_INVALID_ARGUMENT',
      message: 'testkit option "autoClean (from TESTKIT_AUTO_CLEAN)" must be true or false, got "sometimes".',
    }),
  )
  expect(() => resolveOptions({ leakSettle: -5 })).toThrow(
    /testkit option "leakSettle" must be a positive number of milliseconds, got -5/,
  )
})

test('monitoring defaults: warnings, 50 MB of heap a file, 1 s of cleanup, no child CPU limit, 80% of a limit', () => {
  expect(resolveOptions({}, {})).toMatchObject({
    monitor: 'warn',
    heapGrowth: 50,
    slowCleanup: 1000,
    childCpu: undefined,
    nearLimit: 0.8,
  })
})

test('monitoring thresholds come from the environment first, and false or off turns one off', () => {
  const env = {
    TESTKIT_MONITOR: 'fail',
    TESTKIT_HEAP_GROWTH: 'off',
    TESTKIT_CHILD_CPU: '500',
    TESTKIT_NEAR_LIMIT: '0.9',
  }

  expect(
    resolveOptions({ monitor: 'off', heapGrowth: 10, slowCleanup: false, childCpu: 100 }, env),
  ).toMatchObject({
    monitor: 'fail',
    heapGrowth: undefined,
    slowCleanup: undefined,
    childCpu: 500,
    nearLimit: 0.9,
  })
})

test('a bad monitoring option names the option, where it came from and what it must be', () => {
  expect(() => resolveOptions({ monitor: 'loud' as never })).toThrow(
    `testkit option "monitor" must be one of 'fail', 'warn', 'off', got "loud".`,
  )
  expect(() => resolveOptions({}, { TESTKIT_HEAP_GROWTH: 'lots' })).toThrow(
    'testkit option "heapGrowth (from TESTKIT_HEAP_GROWTH)" must be a positive number, or false for no check, got "lots".',
  )
  expect(() => resolveOptions({ slowCleanup: 0 })).toThrow(/"slowCleanup" must be a positive number/)
  expect(() => resolveOptions({ nearLimit: 1.5 })).toThrow(
    'testkit option "nearLimit" must be a share of the limit above 0, at most 1, got 1.5.',
  )
  expect(() => resolveOptions({ nearLimit: false as never })).toThrow(/"nearLimit" must be a share/)
  expect(() => resolveOptions({}, { TESTKIT_NEAR_LIMIT: 'off' })).toThrow(
    'testkit option "nearLimit (from TESTKIT_NEAR_LIMIT)" must be a share of the limit above 0, at most 1, got "off".',
  )
})

test('a policy given as false, null or an empty string is named, not read as the default', () => {
  for (const value of [false, null, '', 0]) {
    expect(() => resolveOptions({ monitor: value as never })).toThrow(
      /testkit option "monitor" must be one of 'fail', 'warn', 'off', got/,
    )
    expect(() => resolveOptions({ leaks: value as never })).toThrow(
      /testkit option "leaks" must be one of 'fail', 'warn', 'off', got/,
    )
  }
})

test('an ignore rule with a RegExp origin matches every finding, whatever its flags', () => {
  const rule = { type: 'Server', origin: /shared-servers/g }
  const leak = (line: number) => ({
    category: 'network' as const,
    type: 'Server',
    origin: { file: '/p/ignored/shared-servers.test.ts', line, column: 3 },
  })

  expect([leak(8), leak(9), leak(10)].map((finding) => matchesRule(rule, finding))).toEqual([
    true,
    true,
    true,
  ])
  expect(matchesRule(rule, { ...leak(8), type: 'Socket' })).toBe(false)
  expect(matchesRule(rule, { ...leak(8), origin: null })).toBe(false)
})

test('an ignore rule with a misspelt key, or with no key at all, is an error: it would ignore every leak', () => {
  for (const ignore of [[{ categroy: 'timer' }], [{ category: 'timer' }, { origni: 'x.ts' }]]) {
    expect(() => resolveOptions({ ignore: ignore as never }, {})).toThrow(InvalidArgumentError)
  }
  expect(() => resolveOptions({ ignore: [{ categroy: 'timer' } as never] }, {})).toThrow(
    'testkit ignore rule has no key "categroy"; a rule has category, type, origin, stack.',
  )
  expect(() => resolveOptions({ ignore: [{}] }, {})).toThrow(
    'testkit option "ignore" must be a rule with at least one of category, type, origin, stack (an empty rule would ignore every leak), got {}.',
  )
  expect(resolveOptions({ ignore: [{ type: 'Timeout' }] }, {}).ignore).toEqual([{ type: 'Timeout' }])
})

test('an ignore rule with a stack pattern matches the text of the stack where the handle was made', () => {
  const leak = { category: 'timer' as const, type: 'Interval', origin: null }
  const stack = () => 'Error\n    at keepWarm (/p/warm.ts:3:9)\n    at /p/a.test.ts:8:3'

  expect(matchesRule({ stack: 'keepWarm' }, leak, stack)).toBe(true)
  // A sticky (or global) RegExp, as resolved: it matches anywhere in the text, every time.
  const [sticky] = resolveOptions({ ignore: [{ stack: /warm\.ts:\d+/y }] }, {}).ignore
  expect(matchesRule(sticky as IgnoreRule, leak, stack)).toBe(true)
  expect(matchesRule(sticky as IgnoreRule, leak, stack)).toBe(true)
  expect(matchesRule({ stack: 'coolDown' }, leak, stack)).toBe(false)
  // No stack known (a pooled connection, a handle past a test's budget): a stack rule does not match.
  expect(matchesRule({ stack: 'keepWarm' }, leak)).toBe(false)
  expect(() => resolveOptions({ ignore: [{ stack: 42 as never }] }, {})).toThrow(
    /"ignore\[\]\.stack" must be a string or a RegExp, got 42/,
  )
  const sent = fromTransport(toTransport(resolveOptions({ ignore: [{ stack: /keep(Warm)/gi }] }, {})))
  expect(sent.ignore[0]?.stack).toEqual(/keep(Warm)/i)
})

test('cleanup timeout, budget, slow-cleanup threshold and settle window come from the environment first', () => {
  const env = {
    TESTKIT_CLEANUP_TIMEOUT: '2500',
    TESTKIT_CLEANUP_BUDGET: '4000',
    TESTKIT_SLOW_CLEANUP: '250',
    TESTKIT_LEAK_SETTLE: '30',
  }

  expect(
    resolveOptions({ cleanupTimeout: 100, cleanupBudget: 200, slowCleanup: 300, leakSettle: 400 }, env),
  ).toMatchObject({ cleanupTimeout: 2500, cleanupBudget: 4000, slowCleanup: 250, leakSettle: 30 })
  expect(resolveOptions({ cleanupTimeout: 100, leakSettle: 400 }, {})).toMatchObject({
    cleanupTimeout: 100,
    leakSettle: 400,
  })
  expect(resolveOptions({}, { TESTKIT_SLOW_CLEANUP: 'false' }).slowCleanup).toBeUndefined()
  expect(() => resolveOptions({}, { TESTKIT_CLEANUP_TIMEOUT: 'soon' })).toThrow(
    /testkit option "cleanupTimeout \(from TESTKIT_CLEANUP_TIMEOUT\)" must be a positive number of milliseconds, got "soon"/,
  )
})

test('a misspelt option is named with the list of options, not dropped in silence', () => {
  expect(() => resolveOptions({ leak: 'warn' } as never, {})).toThrow(
    expect.objectContaining({
      code: 'ERR_INVALID_ARGUMENT',
      message: expect.stringMatching(
        /^testkit has no option "leak"; the options are leaks, cleanupTimeout, /,
      ),
    }),
  )
})

test('an empty TESTKIT_REPORT, TESTKIT_BASELINE or TESTKIT_AUTO_CLEAN counts as unset, as for every other variable', () => {
  const env = { TESTKIT_REPORT: '', TESTKIT_BASELINE: '', TESTKIT_AUTO_CLEAN: '' }

  expect(resolveOptions({ report: 'out.json', baseline: false, autoClean: false }, env)).toMatchObject({
    report: 'out.json',
    baseline: false,
    autoClean: false,
  })
  expect(resolveOptions({}, env)).toMatchObject({
    report: '.testkit/report.json',
    baseline: 'testkit-baseline.json',
    autoClean: true,
  })
})

test('a bad report is named; a bad limit names TESTKIT_LIMITS when it came from there', () => {
  expect(() => resolveOptions({ report: 5 as never }, {})).toThrow(
    'testkit option "report" must be a file path or false, got 5.',
  )
  expect(() => resolveOptions({}, { TESTKIT_LIMITS: '{"process":{"hard":0}}' })).toThrow(
    'Option limits.process (from TESTKIT_LIMITS) must hold whole numbers above 0, got {"hard":0}.',
  )
  expect(() => resolveOptions({}, { TESTKIT_LIMITS: '{"disk":{}}' })).toThrow(
    /^Option limits \(from TESTKIT_LIMITS\) has an unknown category "disk"; expected one of 'database', /,
  )
})
