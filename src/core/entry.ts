import type { StackHolder } from './origin.js'
import type { CleanupError } from './types.js'
import type { ValidDefinition } from './validate.js'

/** Where a registered resource is in its life. States only move forward. */
export const EntryState = {
  /** Registered, no pass has taken it. */
  Registered: 0,
  /** Taken by a pass, waiting in it for its dependents to finish. */
  Claimed: 1,
  /** Its cleanup function has been called and has not settled. */
  Running: 2,
  /** Cleaned, failed, timed out or unregistered: no longer registered. */
  Finished: 3,
} as const
export type EntryState = (typeof EntryState)[keyof typeof EntryState]

/** The pass that owns an entry; `ready()` is told when the entry's last dependent finishes. */
export interface EntryOwner {
  ready(entry: Entry): void
}

/** One registered resource, as the manager keeps it. */
export interface Entry extends ValidDefinition {
  /** Registration order, for "last registered, first cleaned". */
  readonly seq: number
  /** `performance.now()` at registration. */
  readonly registeredAt: number
  readonly origin: StackHolder | undefined
  state: EntryState
  /** Unfinished entries that list this one in `dependencies` and were counted while it could still wait. */
  pendingDependents: number
  owner: EntryOwner | undefined
  /** Set when its cleanup failed or timed out, for the calls that waited for it in another pass. */
  failure: CleanupError | undefined
}

/** Cleanup order among entries free to go: lower priority number first, then last registered first. */
export function goesBefore(a: Entry, b: Entry): boolean {
  return a.priority === b.priority ? a.seq > b.seq : a.priority < b.priority
}
