import { captureStack, originOf } from '../core/origin.js'
import { ResourceCategory, ResourcePriority } from '../core/types.js'
import { assertFunction } from '../core/validate.js'
import { endedText, releaseIn } from '../report/format.js'
import { currentScope } from '../scope/current.js'
import type { Scope } from '../scope/scope.js'
import { roomFor, type Tracked, track } from './track.js'

/** A database connection closed when the test (or file, from `beforeAll`) ends. */
export interface TrackedDatabase<D> extends Tracked {
  readonly db: D
}

/**
 * Opens a database connection tracked by the current scope; `close` runs when the scope ends.
 * Synchronous when `open` is (better-sqlite3), a promise when `open` returns one.
 */
export function useDatabase<D>(open: () => Promise<D>, close: (db: D) => unknown): Promise<TrackedDatabase<D>>
/**
 * Opens a database connection with a synchronous `open` (better-sqlite3), tracked by the current
 * scope; `close` runs when the scope ends.
 */
export function useDatabase<D>(open: () => D, close: (db: D) => unknown): TrackedDatabase<D>
export function useDatabase<D>(
  open: () => D | Promise<D>,
  close: (db: D) => unknown,
): TrackedDatabase<D> | Promise<TrackedDatabase<D>> {
  assertFunction('useDatabase() open', open)
  assertFunction('useDatabase() close', close)
  const wrap = (db: D): TrackedDatabase<D> => ({
    db,
    ...track('database', () => close(db) as void | Promise<void>, {
      category: ResourceCategory.DATABASE,
      priority: ResourcePriority.HIGH,
      description: `database ${(db as object)?.constructor?.name ?? typeof db}`,
    }),
  })
  roomFor(ResourceCategory.DATABASE)
  const opened = open()
  return opened instanceof Promise ? opened.then(wrap) : wrap(opened)
}

/** How to take a connection from a pool and give it back (generic-pool, tarn, mysql2, pg, ...). */
export interface PoolAdapter<C> {
  acquire(): Promise<C>
  release(connection: C): void | Promise<void>
}

/** A pool whose checked-out connections are owned by the test that took them. */
export interface TrackedPool<C> {
  /**
   * Takes a connection; if the test ends without releasing it, the test fails and it is released
   * (under `autoClean: false` it is reported and stays checked out).
   */
  acquire(): Promise<C>
  release(connection: C): Promise<void>
  /** Connections taken and not given back, across all tests. */
  readonly checkedOut: number
}

/**
 * Wraps a connection pool so that a connection still checked out when its test ends fails that test
 * (a leak of category 'database') and is released, so the next test finds the pool whole (unless
 * `autoClean: false`: then it is reported and left checked out).
 */
export function trackPool<C>(pool: PoolAdapter<C>, name = 'pool'): TrackedPool<C> {
  assertFunction('trackPool() pool.acquire', pool?.acquire)
  assertFunction('trackPool() pool.release', pool?.release)
  const out = new Map<C, { tracked: Tracked; scope: Scope }>()
  // Connections testkit returned at a scope's end: a late release() by the test must not return them twice.
  const reclaimed = new WeakSet<object>()
  const wrapper: TrackedPool<C> = {
    async acquire() {
      // Before the await: afterwards the caller's frames are gone from the stack. Not `this.acquire`:
      // a caller may take the method off the wrapper.
      const origin = captureStack(wrapper.acquire)
      const scope = currentScope()
      const connection = await pool.acquire()
      const tracked = track(
        'pool-connection',
        async () => {
          out.delete(connection)
          // Under autoClean: false it stays checked out, and a late release() by the test returns it.
          const { autoClean } = scope.settings
          if (autoClean && typeof connection === 'object' && connection !== null) reclaimed.add(connection)
          scope.addLeak({
            category: 'database',
            type: 'PoolConnection',
            origin: originOf(origin),
            action: autoClean ? 'cleaned' : 'reported',
            message: `A connection of ${name} was still checked out ${endedText(scope.kind)}.`,
            hint: `release it (pool.release(connection)) ${releaseIn(scope.kind, 'in the test or in afterEach')}.`,
          })
          if (autoClean) await pool.release(connection)
        },
        {
          category: ResourceCategory.DATABASE,
          priority: ResourcePriority.HIGH,
          description: `${name} connection`,
        },
        scope,
      )
      out.set(connection, { tracked, scope })
      return connection
    },
    async release(connection) {
      const taken = out.get(connection)
      if (taken === undefined && typeof connection === 'object' && connection !== null) {
        if (reclaimed.delete(connection)) return
      }
      out.delete(connection)
      taken?.scope.manager.unregister(taken.tracked.resourceId)
      await pool.release(connection)
    },
    get checkedOut() {
      return out.size
    },
  }
  return wrapper
}
