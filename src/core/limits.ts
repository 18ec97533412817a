import { describe, InvalidArgumentError, ResourceLimitError } from './errors.js'
import { realTimers } from './timers.js'
import { type CategoryLimit, ResourceCategory } from './types.js'

type Category = `${ResourceCategory}`
type SoftLimitHandler = (category: Category, live: number, limit: number) => void

interface Waiter {
  resolve: () => void
  timer: NodeJS.Timeout
}

const categories = new Set<string>(Object.values(ResourceCategory))

const isCount = (value: unknown): value is number => Number.isInteger(value) && (value as number) > 0

function warn(category: Category, live: number, limit: number): void {
  process.emitWarning(`${live} live ${category} resources, past the soft limit of ${limit}.`, {
    code: 'TESTKIT_SOFT_LIMIT',
  })
}

// One CategoryLimits per limits object, for the managers that share it (testkit's scopes of one test
// file count their resources together): given to a manager under this key, not through its options.
const sharedByConfig = new WeakMap<object, CategoryLimits>()
export const SHARED_LIMITS = Symbol('@orchestr8/testkit.shared-limits')

/** The CategoryLimits every holder of this `limits` object shares (created on first use). */
export function sharedLimits(limits: Partial<Record<Category, CategoryLimit>>): CategoryLimits {
  let shared = sharedByConfig.get(limits)
  if (shared === undefined) {
    shared = new CategoryLimits(limits)
    sharedByConfig.set(limits, shared)
  }
  return shared
}

/**
 * Checks the `limits` option of a ResourceManager; throws an InvalidArgumentError naming the bad entry.
 * `from`: where the value came from, for the messages, e.g. " (from TESTKIT_LIMITS)".
 */
export function validateLimits(limits: unknown, from = ''): void {
  if (limits === null || typeof limits !== 'object') {
    throw new InvalidArgumentError(
      `Option limits${from} must be an object of { soft?, hard? } per category, got ${describe(limits)}.`,
    )
  }
  for (const [category, limit] of Object.entries(limits)) {
    if (!categories.has(category)) {
      const known = [...categories].map((known) => `'${known}'`).join(', ')
      throw new InvalidArgumentError(
        `Option limits${from} has an unknown category "${category}"; expected one of ${known}.`,
      )
    }
    const { soft, hard } = (limit ?? {}) as CategoryLimit
    if ((soft !== undefined && !isCount(soft)) || (hard !== undefined && !isCount(hard))) {
      throw new InvalidArgumentError(
        `Option limits.${category}${from} must hold whole numbers above 0, got ${describe(limit)}.`,
      )
    }
    if (soft !== undefined && hard !== undefined && soft > hard) {
      throw new InvalidArgumentError(
        `Option limits.${category}${from}: soft (${soft}) must not be above hard (${hard}).`,
      )
    }
  }
}

/**
 * Live counts per limited category, the soft-limit warnings and the queue of `acquire()`. A resolved
 * acquire() holds its room (a grant) until the caller registers, or until the next macrotask: time to
 * register right after it, and no room held forever by a caller that never registers.
 */
export class CategoryLimits {
  readonly #limits: Partial<Record<Category, CategoryLimit>>
  readonly #onSoft: SoftLimitHandler
  readonly #live = new Map<Category, number>()
  readonly #waiters = new Map<Category, Waiter[]>()
  /** acquire() calls that resolved and whose registration has not come yet. */
  readonly #granted = new Map<Category, number>()
  /** Categories whose grants lapse at the next macrotask. */
  readonly #lapsing = new Set<Category>()

  constructor(limits: Partial<Record<Category, CategoryLimit>>, onSoft: SoftLimitHandler = warn) {
    this.#limits = limits
    this.#onSoft = onSoft
  }

  /** Throws if adding these categories would go past a hard limit; nothing is counted. */
  assertRoom(added: readonly Category[]): void {
    const adding = new Map<Category, number>()
    for (const category of added) adding.set(category, (adding.get(category) ?? 0) + 1)
    for (const [category, count] of adding) {
      const hard = this.#limits[category]?.hard
      const live = this.#live.get(category) ?? 0
      if (hard !== undefined && live + count > hard) {
        throw new ResourceLimitError(
          category,
          hard,
          `${live} live, ${count} more asked. Release some first, or await acquire().`,
        )
      }
    }
  }

  added(category: Category): void {
    const live = (this.#live.get(category) ?? 0) + 1
    this.#live.set(category, live)
    const granted = this.#granted.get(category) ?? 0
    if (granted > 0) this.#granted.set(category, granted - 1)
    const soft = this.#limits[category]?.soft
    // Once per crossing: at soft + 1, not for every resource past it.
    if (soft !== undefined && live === soft + 1) this.#onSoft(category, live, soft)
  }

  removed(category: Category): void {
    // Every removal follows its addition: the count exists.
    this.#live.set(category, this.#live.get(category)! - 1)
    this.#serve(category)
  }

  /** Room left: the hard limit less what lives and what acquire() granted and is not registered yet. */
  #room(category: Category, hard: number): number {
    return hard - (this.#live.get(category) ?? 0) - (this.#granted.get(category) ?? 0)
  }

  #grant(category: Category): void {
    this.#granted.set(category, (this.#granted.get(category) ?? 0) + 1)
    if (this.#lapsing.has(category)) return
    this.#lapsing.add(category)
    realTimers().setTimeout(() => {
      this.#lapsing.delete(category)
      this.#granted.delete(category)
      this.#serve(category)
    }, 0)
  }

  /** While there is room, the longest waiting acquire() calls get it, in order. */
  #serve(category: Category): void {
    const hard = this.#limits[category]?.hard
    const queue = this.#waiters.get(category)
    while (hard !== undefined && queue?.length && this.#room(category, hard) > 0) {
      const waiter = queue.shift()!
      realTimers().clearTimeout(waiter.timer)
      this.#grant(category)
      waiter.resolve()
    }
  }

  /**
   * Resolves once `category` has room under its hard limit (at once if it has and nobody waits
   * before), in order; rejects after `timeout` ms. Register right after it resolves.
   */
  acquire(category: Category, timeout: number): Promise<void> {
    const hard = this.#limits[category]?.hard
    if (hard === undefined) return Promise.resolve()
    if (!this.#waiters.get(category)?.length && this.#room(category, hard) > 0) {
      this.#grant(category)
      return Promise.resolve()
    }
    return new Promise((resolve, reject) => {
      const queue = this.#waiters.get(category) ?? []
      this.#waiters.set(category, queue)
      const waiter: Waiter = {
        resolve,
        timer: realTimers().setTimeout(() => {
          queue.splice(queue.indexOf(waiter), 1)
          reject(new ResourceLimitError(category, hard, `no room after waiting ${timeout} ms in acquire().`))
        }, timeout),
      }
      queue.push(waiter)
    })
  }
}
