import { expect, test } from 'vitest'
import { captureStack, firstUserFrame, stackHasFile } from '../../src/core/origin.js'

function here() {
  return captureStack(here, 8)
}

test('stackHasFile() tells whether a captured stack passes through a file', () => {
  const { stack } = here()

  expect(stackHasFile(stack, import.meta.filename)).toBe(true)
  expect(stackHasFile(stack, '/nowhere/else.ts')).toBe(false)
  expect(stackHasFile(undefined, import.meta.filename)).toBe(false)
})

test('captureStack() skips the function it is given and keeps the caller as the first user frame', () => {
  const origin = firstUserFrame(here().stack)

  expect(origin?.file).toBe(import.meta.filename)
  expect(origin?.line).toBe(17)
})
