import {
  closeSync,
  constants,
  existsSync,
  openSync as patchedLater,
  readdirSync,
  readlinkSync,
} from 'node:fs'

// Taken before leak detection wraps it to count opens (a copy loaded after that has the wrapper,
// which then skips the probe's own opens): the probe runs often and needs no wrapper.
const openSync = patchedLater

// Where a process lists its own descriptors: Linux, then macOS. Windows has neither.
const LISTINGS = ['/proc/self/fd', '/dev/fd']

/**
 * The descriptors of this process, watched cheaply. Descriptors are handed out lowest first, so while
 * the lowest free one (a probe: ~6 µs warm, ~20 µs between tests of a fresh worker) stays the same,
 * the listing (~8 µs) is not read again. A test that opens two files, closes the first and keeps the
 * second leaves the probe unchanged: the file's end, which always lists, still finds that one.
 */
class DescriptorWatch {
  #dir: string | null | undefined
  #lowest = -1
  #open: readonly string[] = []
  /**
   * Files opened through Node's fs so far (open, openSync, opendir, opendirSync, streams,
   * fs.promises.open), counted by leak detection's patches: while it stays the same, a test opened no
   * file by path and needs no probe. Native addons open files without it: the file's end finds those.
   */
  opens = 0
  /** Runs once, before the next file opens through fs: the monitor then lists what was open before. */
  beforeOpen: (() => void) | undefined
  #probing = false

  /** Called by the patched fs openers before they open a file; not for this watch's own probe. */
  noteOpen(): void {
    if (this.#probing) return
    const before = this.beforeOpen
    if (before !== undefined) {
      this.beforeOpen = undefined
      try {
        before()
      } catch {
        // Never the caller's open that fails: the test's figures stay carried over.
      }
    }
    this.opens++
  }

  /** Whether descriptors are this test file's alone: not in worker threads, which share the process's. */
  get isAvailable(): boolean {
    if (this.#dir === undefined) {
      const { isMainThread } = process.getBuiltinModule('node:worker_threads')
      this.#dir = (isMainThread && LISTINGS.find((dir) => existsSync(dir))) || null
    }
    return this.#dir !== null
  }

  /** The open descriptors now. Hot path: per test, a probe; the listing only when the probe moved. */
  current(forceListing = false): readonly string[] {
    if (!this.isAvailable) return this.#open
    let lowest: number
    this.#probing = true
    try {
      // Flags as a number (O_RDONLY): Node's parsing of 'r' is part of a cold probe's cost.
      lowest = openSync('/dev/null', constants.O_RDONLY)
      closeSync(lowest)
    } catch {
      // Out of descriptors: keep the last listing.
      return this.#open
    } finally {
      this.#probing = false
    }
    if (lowest !== this.#lowest || forceListing) {
      this.#lowest = lowest
      // The listing's own descriptor takes the lowest free number, which the probe just returned.
      const own = String(lowest)
      this.#open = readdirSync(this.#dir as string).filter((name) => name !== own)
    }
    return this.#open
  }

  /**
   * What a descriptor points at: a path, or e.g. 'socket:[123]', 'pipe:[45]', 'anon_inode:[eventfd]'.
   * Undefined on macOS, whose /dev/fd entries are not links: there descriptors are counted, not named.
   */
  target(fd: string): string | undefined {
    try {
      return readlinkSync(`${this.#dir}/${fd}`)
    } catch {
      return undefined
    }
  }
}

/** The process's descriptors. */
export const descriptors = new DescriptorWatch()

/** Descriptors in `after` and not in `before`. Runs only when the listing changed. */
export function opened(before: readonly string[], after: readonly string[]): string[] {
  if (before === after) return []
  const had = new Set(before)
  return after.filter((fd) => !had.has(fd))
}

/**
 * Whether a descriptor held open is a file the test opened: a path. Sockets, pipes and anonymous
 * inodes are followed by leak detection (servers, sockets, child processes) or are the runtime's own
 * (the event loop's signal pipe and inotify instance, made on first use and kept by design).
 */
export function isHeldFile(target: string | undefined): target is string {
  return target?.startsWith('/') === true && !target.startsWith('/dev/')
}
