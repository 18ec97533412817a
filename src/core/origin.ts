import { sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { SourceLocation } from './types.js'

/** A captured, not yet formatted, call stack. V8 formats `stack` only when it is first read. */
export interface StackHolder {
  stack?: string
}

// Enough frames to get through this package's own layers (helper -> scope -> manager) to the caller.
const FRAME_LIMIT = 12
const FRAME = /\(?((?:file:\/\/)?[^\s()]+?):(\d+):(\d+)\)?$/

/** Captures the current stack, skipping `skip` and above. Hot path: ~2 µs, nothing formatted. */
export function captureStack(skip: (...args: never[]) => unknown): StackHolder {
  const holder: StackHolder = {}
  const limit = Error.stackTraceLimit
  Error.stackTraceLimit = FRAME_LIMIT
  Error.captureStackTrace(holder, skip)
  Error.stackTraceLimit = limit
  return holder
}

/** The directory holding this package's code (`src/` when run from source, `dist/` when built). */
function ownRoot(): string {
  const file = frameFile(new Error().stack?.split('\n')[1] ?? '')
  for (const marker of [`${sep}src${sep}`, `${sep}dist${sep}`]) {
    const at = file?.lastIndexOf(marker) ?? -1
    if (at >= 0) return file!.slice(0, at + marker.length)
  }
  /* c8 ignore next */
  return file ?? '\0'
}
const OWN_ROOT = ownRoot()

function frameFile(line: string): string | undefined {
  const match = FRAME.exec(line.trim())
  if (!match) return undefined
  const raw = match[1]!
  return raw.startsWith('file://') ? fileURLToPath(raw) : raw
}

/** Whether a file is the user's own code: not Node internals, not node_modules, not this package. */
export function isUserFile(file: string): boolean {
  return (
    !file.startsWith('node:') &&
    !file.startsWith(OWN_ROOT) &&
    !file.includes(`${sep}node_modules${sep}`) &&
    (file.startsWith(sep) || /^[A-Za-z]:[\\/]/.test(file))
  )
}

/** The first frame of a stack in the user's code, or null. */
export function firstUserFrame(stack: string | undefined): SourceLocation | null {
  if (!stack) return null
  for (const line of stack.split('\n')) {
    const match = FRAME.exec(line.trim())
    if (!match || !line.trimStart().startsWith('at ')) continue
    const raw = match[1]!
    const file = raw.startsWith('file://') ? fileURLToPath(raw) : raw
    if (isUserFile(file)) return { file, line: Number(match[2]), column: Number(match[3]) }
  }
  return null
}

/** `file:line:column`, for messages. */
export function formatLocation(location: SourceLocation | null): string | undefined {
  return location ? `${location.file}:${location.line}:${location.column}` : undefined
}
