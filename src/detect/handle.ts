import type { StackHolder } from '../core/origin.js'
import type { ResourceCategory } from '../core/types.js'
import type { ScopeKind } from '../scope/state.js'

/** A kind of handle leak detection follows: how to tell it is alive, and how to clean it. */
export interface HandleKind<T = unknown> {
  /** The type named in reports, e.g. 'Timeout', 'Server'. */
  readonly type: string
  readonly category: `${ResourceCategory}`
  /** Still holding the event loop (or a process, a thread, a descriptor). Hot path: a field read. */
  isAlive(target: T, detail: unknown): boolean
  /** Already on its way out (close() called, kill sent): it gets the settle window before it counts. */
  isClosing?(target: T, detail: unknown): boolean
  /** Releases it; settles within a few seconds. */
  clean(target: T, detail: unknown): void | Promise<void>
  /** What was found, in one sentence; `scope`: the kind of scope whose end it outlived. */
  describe(target: T, detail: unknown, scope: ScopeKind): string
  /** How to fix it, in one line, for a leak of a test or of a file (released in afterAll, then). */
  hint(scope: ScopeKind): string
  /** What happened where it is noted, when not 'created' (see LeakRecord.originEvent). */
  readonly originEvent?: string
}

/** One handle a scope created. Hot path: one per timer created during a test, so it is small. */
export interface Handle {
  readonly kind: HandleKind
  readonly target: unknown
  /** Kind-specific: the event of a listener, the file of a stat watcher. */
  readonly detail: unknown
  /** The stack at creation, unformatted; undefined past the scope's capture budget. */
  readonly stack: StackHolder | undefined
}
