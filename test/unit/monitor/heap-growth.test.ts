import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect, test } from 'vitest'
import { expectNoHeapGrowth, HeapGrowthError } from '../../../src/index.js'

test('a function that keeps what it allocates on every run is caught, with the figure per run', async () => {
  const kept: number[][] = []
  const leaky = () => void kept.push(new Array(64 * 1024).fill(1)) // ~512 KB retained per run

  const error = await expectNoHeapGrowth(leaky, { runs: 6, maxGrowth: 1024 * 1024 }).catch((e) => e)

  expect(error).toBeInstanceOf(HeapGrowthError)
  expect(error.code).toBe('ERR_HEAP_GROWTH')
  expect(error.result.bytesPerRun).toBeGreaterThan(400 * 1024)
  expect(error.result.retained).toHaveLength(6)
  expect(error.message).toMatch(/^The retained heap grew by [\d.]+ KB over 6 runs/)
})

test('a function whose allocations are garbage passes, whatever it allocates while running', async () => {
  const result = await expectNoHeapGrowth(() => {
    const temporary = new Array(64 * 1024).fill(1)
    return temporary.length
  })

  expect(result.retained).toHaveLength(10)
  expect(result.growth).toBeLessThanOrEqual(1024 * 1024)
})

test('when it fires it can write a heap snapshot to look at', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'testkit-heap-'))
  const path = join(dir, 'growth.heapsnapshot')
  const kept: number[][] = []
  try {
    const error = await expectNoHeapGrowth(() => void kept.push(new Array(64 * 1024).fill(1)), {
      runs: 4,
      warmup: 0,
      snapshot: path,
    }).catch((e) => e)

    expect(error.snapshot).toBe(path)
    expect(existsSync(path) && statSync(path).size).toBeGreaterThan(0)
    expect(error.message).toContain(`Heap snapshot: ${path}`)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

test('bad options are InvalidArgumentErrors naming the option', async () => {
  await expect(expectNoHeapGrowth(() => {}, { runs: 2 })).rejects.toThrow(
    'expectNoHeapGrowth() option "runs" must be a whole number >= 3, got 2.',
  )
  await expect(expectNoHeapGrowth('fn' as never)).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' })
  await expect(expectNoHeapGrowth(() => {}, { maxGrowth: -1 })).rejects.toThrow(
    /"maxGrowth" must be a number of bytes/,
  )
})
