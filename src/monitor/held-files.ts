import { isOwnFile } from '../core/origin.js'
import { releaseIn } from '../report/format.js'
import type { LeakRecord, Severity } from '../report/model.js'
import { matchesRule, type ScopeSlot } from '../scope/state.js'
import { descriptors, isHeldFile, opened } from './descriptors.js'

// Per process: descriptors are the process's, whichever test file runs. Descriptor -> the test (or
// '(file scope)') it was reported on, so that it is reported once.
const owners = new Map<string, string>()
let lastListing: readonly string[] | undefined

/** Who holds each reported descriptor: the tests named when the run nears its open-files limit. */
export const fileOwners: ReadonlyMap<string, string> = owners

/**
 * Drops the owners of descriptors a new listing no longer has: closed, between scopes or within one,
 * so that a file opened later under the same number is reported. Only when the listing changed.
 */
export function forgetClosed(fds: readonly string[]): void {
  if (fds === lastListing) return
  lastListing = fds
  if (owners.size === 0) return
  const open = new Set(fds)
  for (const fd of owners.keys()) if (!open.has(fd)) owners.delete(fd)
}

/** The scope whose descriptors are checked, and what it may be blamed for. */
export interface HeldFilesScope {
  slot: ScopeSlot
  /** The test's full name; undefined for a file. */
  label: string | undefined
  /** Whether descriptors new since `start` are this scope's (see ScopeMark.listed). */
  ownsNew: boolean
  /** Descriptors of the scope's FileHandles: leak detection reports those. */
  fileHandleFds: ReadonlySet<string> | undefined
  severity: Severity
}

/**
 * Files the scope opened (in `now`, not in `start`) and left open: one leak per file, with the
 * monitor's severity. Never closed by testkit: the descriptor's owner is unknown.
 */
export function heldFiles(
  start: readonly string[],
  now: readonly string[],
  scope: HeldFilesScope,
): LeakRecord[] | undefined {
  for (const fd of opened(now, start)) owners.delete(fd)
  // A FileHandle still open is leak detection's to report, as this scope's FileHandle: the file's end
  // must not report it again as a descriptor (under autoClean: false it stays open).
  if (scope.fileHandleFds !== undefined && scope.fileHandleFds.size > 0) {
    const open = new Set(now)
    for (const fd of scope.fileHandleFds) {
      if (open.has(fd) && !owners.has(fd)) owners.set(fd, scope.label ?? '(file scope)')
    }
  }
  if (!scope.ownsNew) return undefined
  const byFile = new Map<string, string[]>()
  for (const fd of opened(start, now)) {
    // A file a test already reported (or its FileHandle, above) is the test's.
    if (owners.has(fd)) continue
    const target = descriptors.target(fd)
    // testkit's own files are Node's loader's to close: a worker thread a test terminates at once may
    // leave the one it was reading (Node hands testkit's --import preload to ES module workers too).
    if (!isHeldFile(target) || isOwnFile(target)) continue
    owners.set(fd, scope.label ?? '(file scope)')
    byFile.set(target, [...(byFile.get(target) ?? []), fd])
  }
  let leaks: LeakRecord[] | undefined
  for (const [file, fds] of byFile) {
    const which = fds.length > 5 ? `${fds.slice(0, 5).join(', ')}, ...` : fds.join(', ')
    const leak = {
      category: 'file' as const,
      type: 'FileDescriptor',
      origin: null,
      action: 'reported' as const,
      message: `${fds.length === 1 ? '1 descriptor' : `${fds.length} descriptors`} of ${file} (fd ${which}) opened and still open.`,
      hint: `close it (fs.close, stream.destroy(), handle.close()) ${releaseIn(scope.slot.kind)}, or register it with useResource().`,
    }
    if (scope.slot.settings.ignore.some((rule) => matchesRule(rule, leak))) continue
    const severity = scope.slot.scope?.isAllowed('file') ? 'warning' : scope.severity
    leaks ??= []
    leaks.push({ ...leak, severity })
  }
  return leaks
}
