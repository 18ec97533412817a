import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect, test } from 'vitest'
import {
  captureStack,
  firstUserFrame,
  hasUserFrame,
  madeByRunner,
  originOf,
  type StackHolder,
  stackHasFile,
  stackText,
} from '../../src/core/origin.js'

const ownLines = readFileSync(import.meta.filename, 'utf8').split('\n')
/** The 1-based line of this file that contains `snippet`. */
const lineOf = (snippet: string) => ownLines.findIndex((line) => line.includes(snippet)) + 1

function here() {
  return captureStack(here, 8)
}

test('stackHasFile() tells whether a captured stack passes through a file', () => {
  const stack = here()

  expect(stackHasFile(stack, import.meta.filename)).toBe(true)
  expect(stackHasFile(stack, '/nowhere/else.ts')).toBe(false)
  expect(stackHasFile(undefined, import.meta.filename)).toBe(false)
})

test('captureStack() skips the function it is given and keeps the caller as the first user frame', () => {
  const origin = originOf(here()) // the origin

  expect(origin?.file).toBe(import.meta.filename)
  expect(origin?.line).toBe(lineOf('originOf(here()) // the origin'))
})

test('the cheap looks read raw frames: no text is formatted until an origin is asked for', () => {
  const stack = here() // raw
  const line = lineOf('here() // raw')

  expect(hasUserFrame(stack)).toBe(true)
  expect(stackHasFile(stack, import.meta.filename)).toBe(true)
  // Vitest formats (and source-maps) stacks through Error.prepareStackTrace: not called so far.
  expect(stack.text).toBeUndefined()
  expect(stack.sites?.length).toBeGreaterThan(0)
  // Then the origin is the TypeScript line, as the runner maps it.
  expect(originOf(stack)).toMatchObject({ file: import.meta.filename, line })
  expect(stackText(stack)).toContain(`${import.meta.filename}:${line}:`)
})

test("madeByRunner(): whether the stack's first frame is Vitest's own code, from raw frames or from text", function body() {
  // Raw frames: skipping this test's own function leaves Vitest's runner as the first frame.
  expect(madeByRunner(captureStack(body, 4))).toBe(true)
  expect(madeByRunner(here())).toBe(false)
  expect(madeByRunner(undefined)).toBe(false)
  // Text (no runner formatting stacks): the first `at` line decides, wherever Vitest is installed.
  const text = (first: string): StackHolder => ({ text: `Error\n    at ${first}\n    at /p/a.test.ts:3:4` })
  expect(madeByRunner(text('tick (/p/node_modules/vitest/dist/chunks/fake.js:1:2)'))).toBe(true)
  expect(
    madeByRunner(text('/p/node_modules/.pnpm/vitest@4.1.12/node_modules/@vitest/runner/dist/index.js:9:1')),
  ).toBe(true)
  expect(madeByRunner(text('/p/node_modules/vitest-plugin-x/index.js:1:1'))).toBe(false)
  expect(madeByRunner(text('helper (/p/src/helper.ts:1:1)'))).toBe(false)
  expect(madeByRunner(text('listOnTimeout (node:internal/timers:581:17)'))).toBe(false)
  // No frame at all: nothing says it is the runner's.
  expect(madeByRunner({ text: 'Error' })).toBe(false)
  expect(madeByRunner({})).toBe(false)
})

test('a stack with no frame of the user (only the runner, in node_modules) has no user frame', function body() {
  // Skips this test's own function and what it called: what is left is Vitest's runner.
  const stack = captureStack(body, 8)

  expect(hasUserFrame(stack)).toBe(false)
  expect(originOf(stack)).toBeNull()
})

test('where no runner formats stacks, the text (Node formats it) answers the same questions', function body() {
  const saved = Error.prepareStackTrace
  Error.prepareStackTrace = undefined as never
  let stack: ReturnType<typeof here>
  let other: ReturnType<typeof here>
  try {
    stack = here()
    other = captureStack(body, 8)
    expect(hasUserFrame(stack)).toBe(true)
    expect(hasUserFrame(other)).toBe(false)
    expect(stackHasFile(stack, import.meta.filename)).toBe(true)
  } finally {
    Error.prepareStackTrace = saved
  }
  expect(stack.sites).toBeUndefined()
  expect(originOf(stack)?.file).toBe(import.meta.filename)
})

test('a formatter that returns no text: the raw frames are written out as Node writes them', () => {
  const saved = Error.prepareStackTrace
  const stack = here()
  Error.prepareStackTrace = (() => 42) as never
  try {
    expect(hasUserFrame(stack)).toBe(true)
  } finally {
    Error.prepareStackTrace = saved
  }

  expect(stackText(stack)).toMatch(/^Error\n {4}at /)
  expect(originOf(stack)?.file).toBe(import.meta.filename)
})

test('without a runner, a stack not through a file, or no stack at all, answers no', () => {
  const saved = Error.prepareStackTrace
  Error.prepareStackTrace = undefined as never
  try {
    expect(stackHasFile(here(), '/nowhere/else.ts')).toBe(false)
    expect(stackHasFile({}, import.meta.filename)).toBe(false)
    expect(hasUserFrame({})).toBe(false)
  } finally {
    Error.prepareStackTrace = saved
  }
  expect(stackText(undefined)).toBeUndefined()
  expect(originOf(undefined)).toBeNull()
})

test('a stack someone already read as text is answered from that text', () => {
  const stack = here()
  const text = stack.stack

  expect(typeof text).toBe('string')
  expect(hasUserFrame(stack)).toBe(true)
  expect(stack.sites).toBeUndefined()
  expect(stackText(stack)).toBe(text)
})

test('an origin in a folder whose name has spaces and parentheses keeps its whole path', () => {
  const dir = mkdtempSync(join(tmpdir(), 'my project (2) '))
  try {
    // A real frame in such a file: a CommonJS module, whose frames V8 prints as plain paths.
    const file = join(dir, 'make stack.cjs')
    writeFileSync(file, 'exports.make = (capture) => capture()\n')
    const { make } = createRequire(import.meta.url)(file) as {
      make: (capture: () => StackHolder) => StackHolder
    }
    const capture = (): StackHolder => captureStack(capture, 8)
    const stack = make(capture)

    expect(originOf(stack)).toEqual({ file, line: 1, column: 29 })
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
  // Text as a runner prints it: named and anonymous frames, an async one, a file URL, and an eval frame
  // (which has no file of its own) before them.
  const text = [
    'Error',
    '    at eval (eval at run (/p/lib.ts:1:2), <anonymous>:3:4)',
    '    at async run (/home/me/a (copy)/b c.test.ts:5:6)',
  ].join('\n')
  expect(firstUserFrame(text)).toEqual({ file: '/home/me/a (copy)/b c.test.ts', line: 5, column: 6 })
  expect(firstUserFrame('Error\n    at /x y/z.ts:7:8')).toEqual({ file: '/x y/z.ts', line: 7, column: 8 })
  expect(firstUserFrame('Error\n    at file:///x%20y/z.ts:9:1')).toEqual({
    file: '/x y/z.ts',
    line: 9,
    column: 1,
  })
})
