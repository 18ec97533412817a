import { describe, InvalidArgumentError } from '../core/errors.js'
import { validateLimits } from '../core/limits.js'
import { type CategoryLimit, ResourceCategory } from '../core/types.js'
import { assertKnownKeys } from '../core/validate.js'

/** What a finding does: fail the test, warn about it, or not track it at all. */
export type LeakPolicy = 'fail' | 'warn' | 'off'

/** A rule that silences findings: every field given must match. */
export interface IgnoreRule {
  /** A category, e.g. 'timer'. */
  category?: `${ResourceCategory}`
  /** A handle or resource type, e.g. 'Timeout', 'PoolConnection'. */
  type?: string
  /** Matched against the origin's file path (a string matches as a substring). */
  origin?: string | RegExp
  /**
   * Matched against the stack where the handle was created, as text (a string matches as a
   * substring), e.g. a library's function name. A finding with no stack (a pooled connection, a
   * handle past a test's first 16) never matches a rule that has one.
   */
  stack?: string | RegExp
}

/**
 * Options of `testkit()` (and of the reporter named by path, for its report); each has an environment
 * variable that wins over it, which is how the setup files named by path take them.
 */
export interface TestkitOptions {
  /** `TESTKIT_LEAKS`. Default 'fail'. */
  leaks?: LeakPolicy
  /** `TESTKIT_CLEANUP_TIMEOUT`: ms one cleanup may take. Default 10,000. */
  cleanupTimeout?: number
  /** `TESTKIT_CLEANUP_BUDGET`: ms all of one test's cleanups may take together. Default none. */
  cleanupBudget?: number
  /** `TESTKIT_REPORT`: where the JSON report goes, relative to the project root; false for none. Default '.testkit/report.json'. */
  report?: string | false
  /** Findings that match any rule are not reported. */
  ignore?: IgnoreRule[]
  /** `TESTKIT_AUTO_CLEAN`: clean what a test leaked once it is reported. Default true. */
  autoClean?: boolean
  /** `TESTKIT_LEAK_SETTLE`: ms a resource that is already closing at the end of a test gets to finish. Default 100. */
  leakSettle?: number
  /**
   * `TESTKIT_BASELINE`: the committed file of accepted leaks, relative to the project root; false for
   * none. Default 'testkit-baseline.json'. `TESTKIT_UPDATE_BASELINE=1` writes it from a run.
   */
  baseline?: string | false
  /**
   * `TESTKIT_MONITOR`: what the figures of each test and file (heap, descriptors, child processes,
   * cleanup time) do when they cross a threshold below: fail the test, warn, or 'off' to take no
   * figures at all. Default 'warn'.
   */
  monitor?: LeakPolicy
  /** `TESTKIT_HEAP_GROWTH`: MB a file's heap may grow across its tests, after a full GC; false for no check. Default 50. */
  heapGrowth?: number | false
  /** `TESTKIT_SLOW_CLEANUP`: ms a test's (or file's) cleanup may take before it is reported; false for no check. Default 1,000. */
  slowCleanup?: number | false
  /** `TESTKIT_CHILD_CPU`: CPU ms the child processes one test started may use; false for no check. Default false. */
  childCpu?: number | false
  /**
   * `TESTKIT_NEAR_LIMIT`: share (0 to 1) of the open-files or processes limit at which the run is
   * warned, naming the tests that hold the most. Default 0.8.
   */
  nearLimit?: number
  /**
   * `TESTKIT_LIMITS` (JSON): live resources allowed per category across a test file's scopes
   * together, e.g. `{ process: { soft: 4, hard: 8 } }`. Past `soft` a warning; at `hard`,
   * `register()` throws a ResourceLimitError and `getResourceManager().acquire(category)` waits for
   * room. Default none.
   */
  limits?: Partial<Record<`${ResourceCategory}`, CategoryLimit>>
}

/** Options with every default filled in and every environment variable applied. */
export interface ResolvedOptions {
  leaks: LeakPolicy
  cleanupTimeout: number
  cleanupBudget: number | undefined
  report: string | false
  ignore: IgnoreRule[]
  autoClean: boolean
  leakSettle: number
  baseline: string | false
  /** From `TESTKIT_UPDATE_BASELINE`: every leak is accepted, and the reporter writes the baseline. */
  updateBaseline: boolean
  monitor: LeakPolicy
  /** In MB; undefined: no check. */
  heapGrowth: number | undefined
  slowCleanup: number | undefined
  childCpu: number | undefined
  nearLimit: number
  limits: Partial<Record<`${ResourceCategory}`, CategoryLimit>> | undefined
}

const policies: readonly LeakPolicy[] = ['fail', 'warn', 'off']
// Every key of TestkitOptions (the type makes a missing or extra name a compile error).
const optionKeys: Record<keyof TestkitOptions, true> = {
  leaks: true,
  cleanupTimeout: true,
  cleanupBudget: true,
  report: true,
  ignore: true,
  autoClean: true,
  leakSettle: true,
  baseline: true,
  monitor: true,
  heapGrowth: true,
  slowCleanup: true,
  childCpu: true,
  nearLimit: true,
  limits: true,
}
const optionNames = new Set(Object.keys(optionKeys))
const categories = new Set<string>(Object.values(ResourceCategory))
const ruleKeys = new Set(['category', 'type', 'origin', 'stack'])

function invalid(option: string, value: unknown, expected: string): never {
  throw new InvalidArgumentError(`testkit option "${option}" must be ${expected}, got ${describe(value)}.`)
}

/** An option's value, from `variable` in the environment when it is set, and its name for messages. */
function fromEnvOr(option: string, variable: string, env: NodeJS.ProcessEnv, value: unknown) {
  const fromEnv = env[variable]
  return { raw: fromEnv || value, name: fromEnv ? `${option} (from ${variable})` : option }
}

/** A number (a string from the environment is parsed) for which `ok` holds, else an error naming it. */
function numberWhere(name: string, raw: unknown, ok: (n: number) => boolean, expected: string): number {
  const number = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw
  if (typeof number !== 'number' || !Number.isFinite(number) || !ok(number)) invalid(name, raw, expected)
  return number
}

const aboveZero = (n: number) => n > 0

/** A positive number of ms: from `variable` in the environment, else the option, else `otherwise`. */
function positive<D extends number | undefined>(
  option: string,
  variable: string,
  env: NodeJS.ProcessEnv,
  value: unknown,
  otherwise: D,
): number | D {
  const { raw, name } = fromEnvOr(option, variable, env, value)
  if (raw === undefined) return otherwise
  return numberWhere(name, raw, aboveZero, 'a positive number of milliseconds')
}

/** A threshold: a positive number, or false (`'false'` or `'off'` from the environment) for no check. */
function threshold(
  option: string,
  variable: string,
  env: NodeJS.ProcessEnv,
  value: unknown,
  fallback: number | undefined,
): number | undefined {
  const { raw, name } = fromEnvOr(option, variable, env, value)
  if (raw === undefined) return fallback
  if (raw === false || raw === 'false' || raw === 'off') return undefined
  return numberWhere(name, raw, aboveZero, 'a positive number, or false for no check')
}

function policy(option: string, variable: string, env: NodeJS.ProcessEnv, value: unknown): LeakPolicy {
  // An option given as false, null or '' is a mistake to name, not a reason to use the default.
  const chosen = env[variable] || (value === undefined ? (option === 'monitor' ? 'warn' : 'fail') : value)
  if (!policies.includes(chosen as LeakPolicy)) {
    invalid(env[variable] ? `${option} (from ${variable})` : option, chosen, "one of 'fail', 'warn', 'off'")
  }
  return chosen as LeakPolicy
}

function ignoreRules(value: unknown): IgnoreRule[] {
  if (!Array.isArray(value))
    invalid('ignore', value, 'an array of { category?, type?, origin?, stack? } rules')
  for (const rule of value) {
    if (rule === null || typeof rule !== 'object')
      invalid('ignore', rule, 'a { category?, type?, origin?, stack? } rule')
    // A misspelt key would leave a rule that matches every leak, and every leak would pass in silence.
    const unknown = Object.keys(rule).find((key) => !ruleKeys.has(key))
    if (unknown !== undefined) {
      throw new InvalidArgumentError(
        `testkit ignore rule has no key "${unknown}"; a rule has ${[...ruleKeys].join(', ')}.`,
      )
    }
    const { category, type, origin, stack } = rule as Record<string, unknown>
    if (category === undefined && type === undefined && origin === undefined && stack === undefined) {
      invalid(
        'ignore',
        rule,
        'a rule with at least one of category, type, origin, stack (an empty rule would ignore every leak)',
      )
    }
    if (category !== undefined && !categories.has(category as string)) {
      invalid('ignore[].category', category, `one of ${[...categories].map((c) => `'${c}'`).join(', ')}`)
    }
    if (type !== undefined && typeof type !== 'string') invalid('ignore[].type', type, 'a string')
    if (origin !== undefined && typeof origin !== 'string' && !(origin instanceof RegExp)) {
      invalid('ignore[].origin', origin, 'a string or a RegExp')
    }
    if (stack !== undefined && typeof stack !== 'string' && !(stack instanceof RegExp)) {
      invalid('ignore[].stack', stack, 'a string or a RegExp')
    }
  }
  return (value as IgnoreRule[]).map((rule) => ({
    ...rule,
    origin: anywhere(rule.origin),
    stack: anywhere(rule.stack),
  }))
}

/** A RegExp that matches anywhere in the text, every time: without the g and y flags. */
function anywhere(pattern: string | RegExp | undefined): string | RegExp | undefined {
  if (!(pattern instanceof RegExp) || !/[gy]/.test(pattern.flags)) return pattern
  return new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, ''))
}

/** Validates options and applies the environment; throws an InvalidArgumentError naming the bad option. */
export function resolveOptions(
  options: TestkitOptions = {},
  env: NodeJS.ProcessEnv = process.env,
): ResolvedOptions {
  if (options === null || typeof options !== 'object') invalid('options', options, 'an object')
  // A misspelt option would otherwise be dropped in silence, and its default used.
  assertKnownKeys('testkit', options, optionNames)
  const leaks = policy('leaks', 'TESTKIT_LEAKS', env, options.leaks)
  // An empty variable counts as unset, as for every other option.
  const reportFrom = fromEnvOr('report', 'TESTKIT_REPORT', env, options.report)
  const report = reportFrom.raw ?? '.testkit/report.json'
  if (report !== false && (typeof report !== 'string' || report === '')) {
    invalid(reportFrom.name, report, 'a file path or false')
  }
  const autoCleanFrom = fromEnvOr('autoClean', 'TESTKIT_AUTO_CLEAN', env, options.autoClean)
  const autoClean = autoCleanFrom.raw ?? true
  if (![true, false, 'true', 'false', '1', '0'].includes(autoClean as never)) {
    invalid(autoCleanFrom.name, autoClean, 'true or false')
  }
  const baselineFrom = fromEnvOr('baseline', 'TESTKIT_BASELINE', env, options.baseline)
  const baseline = baselineFrom.raw ?? 'testkit-baseline.json'
  if (baseline !== false && (typeof baseline !== 'string' || baseline === '')) {
    invalid(baselineFrom.name, baseline, 'a file path or false')
  }
  const update = env.TESTKIT_UPDATE_BASELINE
  if (update !== undefined && !['1', '0', 'true', 'false', ''].includes(update)) {
    invalid('TESTKIT_UPDATE_BASELINE', update, "'1' or '0'")
  }
  const near = fromEnvOr('nearLimit', 'TESTKIT_NEAR_LIMIT', env, options.nearLimit)
  const nearLimit =
    near.raw === undefined
      ? 0.8
      : numberWhere(near.name, near.raw, (n) => n > 0 && n <= 1, 'a share of the limit above 0, at most 1')

  return {
    leaks,
    monitor: policy('monitor', 'TESTKIT_MONITOR', env, options.monitor),
    heapGrowth: threshold('heapGrowth', 'TESTKIT_HEAP_GROWTH', env, options.heapGrowth, 50),
    slowCleanup: threshold('slowCleanup', 'TESTKIT_SLOW_CLEANUP', env, options.slowCleanup, 1000),
    childCpu: threshold('childCpu', 'TESTKIT_CHILD_CPU', env, options.childCpu, undefined),
    nearLimit,
    autoClean: autoClean === true || autoClean === 'true' || autoClean === '1',
    leakSettle: positive('leakSettle', 'TESTKIT_LEAK_SETTLE', env, options.leakSettle, 100),
    baseline: baseline === 'false' ? false : baseline,
    updateBaseline: update === '1' || update === 'true',
    cleanupTimeout: positive(
      'cleanupTimeout',
      'TESTKIT_CLEANUP_TIMEOUT',
      env,
      options.cleanupTimeout,
      10_000,
    ),
    cleanupBudget: positive('cleanupBudget', 'TESTKIT_CLEANUP_BUDGET', env, options.cleanupBudget, undefined),
    report: report === 'false' ? false : report,
    ignore: options.ignore === undefined ? [] : ignoreRules(options.ignore),
    limits: categoryLimits(env, options.limits),
  }
}

/** The `limits` option, from `TESTKIT_LIMITS` (JSON) when it is set; checked as a manager checks them. */
function categoryLimits(env: NodeJS.ProcessEnv, fromOptions: unknown): ResolvedOptions['limits'] {
  const text = env.TESTKIT_LIMITS
  let limits = fromOptions
  if (text) {
    try {
      limits = JSON.parse(text)
    } catch {
      invalid('limits (from TESTKIT_LIMITS)', text, 'JSON of { soft?, hard? } per category')
    }
  }
  if (limits === undefined) return undefined
  validateLimits(limits, text ? ' (from TESTKIT_LIMITS)' : '')
  return limits as ResolvedOptions['limits']
}

type Pattern = string | RegExp
type SentPattern = string | { regexp: string; flags: string }
const send = (pattern: Pattern | undefined): SentPattern | undefined =>
  pattern instanceof RegExp ? { regexp: pattern.source, flags: pattern.flags } : pattern
const receive = (pattern: SentPattern | undefined): Pattern | undefined =>
  typeof pattern === 'object' ? new RegExp(pattern.regexp, pattern.flags) : pattern

/** Options as they cross from the main process to the workers: a RegExp does not survive the trip. */
export type TransportedOptions = Omit<ResolvedOptions, 'ignore'> & {
  ignore: Array<Omit<IgnoreRule, 'origin' | 'stack'> & { origin?: SentPattern; stack?: SentPattern }>
}

export function toTransport(options: ResolvedOptions): TransportedOptions {
  return {
    ...options,
    ignore: options.ignore.map((rule) => ({ ...rule, origin: send(rule.origin), stack: send(rule.stack) })),
  }
}

export function fromTransport(options: TransportedOptions): ResolvedOptions {
  return {
    ...options,
    ignore: options.ignore.map((rule) => ({
      ...rule,
      origin: receive(rule.origin),
      stack: receive(rule.stack),
    })),
  }
}
