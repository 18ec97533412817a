import { expect, test } from 'vitest'
import { resolveOptions } from '../../src/config/options.js'
import { ResourcePriority } from '../../src/index.js'
import { Scope, settingsFor } from '../../src/scope/scope.js'

test("what a test's cleanup budget left is cleaned after the test, and the file's end reports how that went", async () => {
  const settings = settingsFor(resolveOptions({ cleanupBudget: 50 }, {}))
  const file = new Scope('file', settings)
  const first = new Scope('test', settings)
  const log: string[] = []
  first.manager.register('slow', () => new Promise((resolve) => setTimeout(resolve, 300)), {
    priority: ResourcePriority.CRITICAL,
  })
  first.manager.register('skipped', () => void log.push('skipped cleaned'), {
    priority: ResourcePriority.LOW,
  })
  first.manager.register(
    'skipped-throws',
    () => {
      throw new Error('boom')
    },
    { priority: ResourcePriority.LOW },
  )

  const record = await first.close()

  expect(record?.cleanupErrors.map((failure) => [failure.resourceId, failure.message])).toEqual([
    ['slow', expect.stringContaining("the cleanup pass's budget of 50 ms")],
    ['skipped', expect.stringMatching(/^Not cleaned in time: .*; testkit cleans it after the test\.$/)],
    [
      'skipped-throws',
      expect.stringMatching(/^Not cleaned in time: .*; testkit cleans it after the test\.$/),
    ],
  ])
  const fileRecord = await file.close()
  expect(log).toEqual(['skipped cleaned'])
  expect(fileRecord?.cleanupErrors.map((failure) => [failure.resourceId, failure.message])).toEqual([
    ['skipped-throws', "After the test's cleanup budget ran out: boom"],
  ])
})

test('a scope that cleans twice (its budget, then after it) reports each failure once, with what it waited for', async () => {
  const settings = settingsFor(resolveOptions({ cleanupBudget: 50 }, {}))
  const file = new Scope('file', settings)
  const first = new Scope('test', settings)
  first.manager.register('slow', () => new Promise((resolve) => setTimeout(resolve, 300)), {
    priority: ResourcePriority.CRITICAL,
  })
  first.manager.register(
    'disposed-fails',
    () => new Promise((_, reject) => setTimeout(() => reject(new Error('dispose failed')), 80)),
  )
  first.manager.register(
    'skipped-throws',
    () => {
      throw new Error('boom')
    },
    { priority: ResourcePriority.LOW },
  )
  // Disposed by the test without waiting: the scope's own pass waits for it.
  const disposed = first.manager.cleanupBatch(['disposed-fails'])

  const record = await first.close()
  const fileRecord = await file.close()

  expect(record?.cleanupErrors.map((failure) => failure.resourceId)).toEqual([
    'slow',
    'disposed-fails',
    'skipped-throws',
  ])
  expect(fileRecord?.cleanupErrors.map((failure) => [failure.resourceId, failure.message])).toEqual([
    ['skipped-throws', "After the test's cleanup budget ran out: boom"],
  ])
  expect((await disposed).errors.map((e) => e.resourceId)).toEqual(['disposed-fails'])
})
