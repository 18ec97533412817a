import { readFileSync } from 'node:fs'
import { expect, test } from 'vitest'
import { captureStack, hasUserFrame, originOf, stackHasFile, stackText } from '../../src/core/origin.js'

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
