import { describe, expect, test } from 'vitest'
import { fullNameOf, type TaskLike, testNameOf } from '../../src/vitest/runner-patch.js'

// A real task of this run, as Vitest 3.2 to 4.0 give it: without fullTestName and fullName.
const asBefore41 = (task: TaskLike): TaskLike => ({ ...task, fullTestName: undefined, fullName: undefined })

describe('outer', () => {
  describe('inner', () => {
    test("a test's names are built from its describe blocks where Vitest does not give them", ({ task }) => {
      const real = task as unknown as TaskLike

      expect(real.fullTestName).toBe(
        "outer > inner > a test's names are built from its describe blocks where Vitest does not give them",
      )
      expect(testNameOf(asBefore41(real))).toBe(real.fullTestName)
      expect(fullNameOf(asBefore41(real))).toBe(real.fullName)
      expect(testNameOf(real.file as TaskLike)).toBeNull()
    })
  })
})

test('a top-level test is its own name', ({ task }) => {
  const real = task as unknown as TaskLike

  expect(testNameOf(asBefore41(real))).toBe('a top-level test is its own name')
  expect(fullNameOf(asBefore41(real))).toBe(real.fullName)
})
