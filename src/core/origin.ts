import { isAbsolute, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { SourceLocation } from './types.js'

/**
 * A captured, not yet formatted, call stack. V8 formats `stack` only when it is first read, with the
 * `Error.prepareStackTrace` of that moment: read it through stackText() and the helpers below.
 */
export interface StackHolder {
  stack?: unknown
  /** The raw frames, when a cheap look read them (then `stack` holds them, not text). */
  sites?: readonly NodeJS.CallSite[]
  /** The test runner's formatter (it applies source maps), for the text of raw frames. */
  format?: (error: Error, sites: NodeJS.CallSite[]) => unknown
  text?: string
}

const asSites = (_error: unknown, sites: NodeJS.CallSite[]) => sites

/**
 * The raw frames of a stack, with nothing formatted and no source map applied (which, under Vitest,
 * decodes the whole map of a test file: ~10 ms the first time). Undefined when no runner formats
 * stacks (Node's own formatting may apply source maps) or the text was already made.
 */
function sitesOf(holder: StackHolder): readonly NodeJS.CallSite[] | undefined {
  if (holder.sites !== undefined || holder.text !== undefined) return holder.sites
  const format = Error.prepareStackTrace
  if (format === undefined) return undefined
  Error.prepareStackTrace = asSites
  try {
    const value = holder.stack
    if (Array.isArray(value)) {
      holder.sites = value
      holder.format = format
    }
  } finally {
    Error.prepareStackTrace = format
  }
  return holder.sites
}

/** Keeps only the text: raw frames hold their functions and receivers alive. */
function settleText(holder: StackHolder, text: string): string {
  holder.text = text
  holder.sites = undefined
  holder.format = undefined
  holder.stack = undefined
  return text
}

/** The stack as text, source-mapped by the test runner when it maps stacks. */
export function stackText(holder: StackHolder | undefined): string | undefined {
  if (holder === undefined) return undefined
  if (holder.text !== undefined) return holder.text
  if (holder.sites === undefined) {
    const value = holder.stack
    holder.text = typeof value === 'string' ? value : undefined
  } else {
    const sites = holder.sites as NodeJS.CallSite[]
    const text = holder.format?.(holder as Error, sites)
    settleText(
      holder,
      typeof text === 'string' ? text : `Error${sites.map((site) => `\n    at ${site}`).join('')}`,
    )
  }
  return holder.text
}

const siteFile = (site: NodeJS.CallSite): string | undefined => {
  const name = site.getFileName()
  return name?.startsWith('file://') ? fileURLToPath(name) : (name ?? undefined)
}

// Enough frames to get through this package's own layers (track -> helper) to the caller. Each frame
// kept costs ~60 bytes per registered resource until it is cleaned (measured: 12 frames ~950 KB per 1,000).
const FRAME_LIMIT = 4
// A frame's location: `at name (location)` or `at location`. Its path may hold spaces and parentheses
// (`/home/me/my project (2)/x.test.ts`): it starts at the first "(" (or "at ") that opens an absolute
// path or a file URL, and runs to the last `:line:column`.
const FRAME = /(?:\(|^at\s+(?:async\s+)?)((?:file:\/\/)?(?:\/|[A-Za-z]:[\\/]).*?):(\d+):(\d+)\)?$/

// Process-global, like the scope state: the runtime's copy and the package entry's (which a test
// file's useResource() runs) both add to it.
const COST_KEY = Symbol.for('@orchestr8/testkit.stack-cost')
const costHolder = globalThis as typeof globalThis & { [COST_KEY]?: { ms: number } }
costHolder[COST_KEY] ??= { ms: 0 }
/**
 * Ms this process has spent in captureStack(): testkit's own time inside tests, which the monitor
 * counts in their figures (two clock reads, ~0.1 µs, against ~2–8 µs a capture).
 */
export const stackCost: { ms: number } = costHolder[COST_KEY]

/** Captures the current stack, skipping `skip` and above. Hot path: ~2 µs, nothing formatted. */
export function captureStack(skip: (...args: never[]) => unknown, frames = FRAME_LIMIT): StackHolder {
  const start = performance.now()
  const holder: StackHolder = {}
  const limit = Error.stackTraceLimit
  Error.stackTraceLimit = frames
  Error.captureStackTrace(holder, skip)
  Error.stackTraceLimit = limit
  stackCost.ms += performance.now() - start
  return holder
}

function parseFrame(line: string): SourceLocation | undefined {
  const match = FRAME.exec(line.trim())
  if (!match) return undefined
  const raw = match[1]!
  // An eval frame, `at eval (eval at f (/x.ts:1:2), <anonymous>:3:4)`, has no file of its own.
  if (raw.includes('), ')) return undefined
  const file = raw.startsWith('file://') ? fileURLToPath(raw) : raw
  return { file, line: Number(match[2]), column: Number(match[3]) }
}

// This package's own code: <root>/src/ when run from source, <root>/dist/ once built (the greedy
// match takes the last src/ or dist/ on the path, so a project living under /src/ is fine).
// From the module's own URL, not a stack: formatting a stack at load costs a test file ~0.7 ms.
const OWN_ROOT = /^(.*[\\/](?:src|dist)[\\/])/.exec(fileURLToPath(import.meta.url))![1]!

/** Whether a file is this package's own (its dist/, or its src/ when run from source). */
export function isOwnFile(file: string): boolean {
  return file.startsWith(OWN_ROOT)
}

/** Whether a file is the user's own code: not Node internals, not node_modules, not this package. */
export function isUserFile(file: string): boolean {
  return isAbsolute(file) && !isOwnFile(file) && !file.includes(`${sep}node_modules${sep}`)
}

/** Whether any frame of a captured stack is in `file`. Cheap: raw frames when it can. */
export function stackHasFile(holder: StackHolder | undefined, file: string): boolean {
  if (holder === undefined) return false
  const sites = sitesOf(holder)
  if (sites !== undefined) return sites.some((site) => siteFile(site) === file)
  const stack = stackText(holder)
  if (!stack) return false
  for (const line of stack.split('\n')) {
    if (parseFrame(line)?.file === file) return true
  }
  return false
}

/**
 * Whether a captured stack has a frame in the user's code. Cheap: raw frames when it can, so that
 * what turns out not to be the user's never costs a formatted, source-mapped stack.
 */
export function hasUserFrame(holder: StackHolder): boolean {
  const sites = sitesOf(holder)
  if (sites === undefined) return firstUserFrame(stackText(holder)) !== null
  const found = sites.some((site) => {
    const file = siteFile(site)
    return file !== undefined && isUserFile(file)
  })
  // Not the user's: never reported, and not through the test file either; let the frames go.
  if (!found) settleText(holder, '')
  return found
}

// The test runner's own packages: Vitest and its @vitest/* parts (pnpm's store paths end the same way).
const RUNNER_FILE = /[\\/]node_modules[\\/](?:vitest|@vitest[\\/][^\\/]+)[\\/]/

/**
 * Whether the frame that made the handle (the first of its stack) is the test runner's own code:
 * Vitest's fake timers advancing with real time (`shouldAdvanceTime`) keep a real interval, made
 * inside the user's `vi.useFakeTimers()` call. Cheap: raw frames when it can.
 */
export function madeByRunner(holder: StackHolder | undefined): boolean {
  if (holder === undefined) return false
  const sites = sitesOf(holder)
  let file: string | undefined
  if (sites !== undefined) file = sites[0] && siteFile(sites[0])
  else {
    const first = stackText(holder)
      ?.split('\n')
      .find((line) => /^\s+at /.test(line))
    file = first === undefined ? undefined : parseFrame(first)?.file
  }
  return file !== undefined && RUNNER_FILE.test(file)
}

/** The first frame of a captured stack in the user's code, source-mapped, or null. */
export function originOf(holder: StackHolder | undefined): SourceLocation | null {
  return firstUserFrame(stackText(holder))
}

/** The first frame of a stack in the user's code, or null. */
export function firstUserFrame(stack: string | undefined): SourceLocation | null {
  if (!stack) return null
  for (const line of stack.split('\n')) {
    const frame = parseFrame(line)
    if (frame && isUserFile(frame.file)) return frame
  }
  return null
}

/** `file:line:column`, for messages. */
export function formatLocation(location: SourceLocation | null): string | undefined {
  return location ? `${location.file}:${location.line}:${location.column}` : undefined
}
