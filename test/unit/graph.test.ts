import { describe, expect, test } from 'vitest'
import { findCycle } from '../../src/core/graph.js'

function graph(edges: Record<string, string[]>) {
  return (id: string) => edges[id]
}

describe('findCycle()', () => {
  test('a diamond has no cycle, however many starts reach the same nodes', () => {
    const edges = graph({ top: ['left', 'right'], left: ['bottom'], right: ['bottom'], bottom: [] })

    expect(findCycle(['top', 'left', 'bottom'], edges)).toBeUndefined()
  })

  test('a cycle is returned with its first id repeated at the end', () => {
    const edges = graph({ entry: ['a'], a: ['b'], b: ['c'], c: ['a'] })

    expect(findCycle(['entry'], edges)).toEqual(['a', 'b', 'c', 'a'])
  })

  test('ids that are not registered end the walk', () => {
    expect(findCycle(['a'], graph({ a: ['missing'] }))).toBeUndefined()
  })

  test('a chain of 100,000 does not overflow the stack', () => {
    const edges = (id: string) => {
      const n = Number(id)
      return n < 100_000 ? [String(n + 1)] : []
    }

    expect(findCycle(['0'], edges)).toBeUndefined()
  })
})
