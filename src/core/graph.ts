/**
 * Finds a dependency cycle reachable from `starts`, or returns undefined.
 * `dependenciesOf(id)` gives the ids a registered (or about-to-be-registered) resource depends on,
 * or undefined for an id that is not registered; such ids end the walk.
 * The returned path repeats its first id at the end: ['a', 'b', 'a'].
 * Iterative, so a long chain cannot overflow the stack; O(nodes + edges) reachable from `starts`.
 */
export function findCycle(
  starts: Iterable<string>,
  dependenciesOf: (id: string) => readonly string[] | undefined,
): string[] | undefined {
  const done = new Set<string>()
  const onPath = new Map<string, number>()
  const path: string[] = []
  const cursors: number[] = []

  for (const start of starts) {
    if (done.has(start)) continue
    path.push(start)
    cursors.push(0)
    onPath.set(start, 0)
    while (path.length > 0) {
      const top = path.length - 1
      const id = path[top]!
      const deps = dependenciesOf(id)
      const cursor = cursors[top]!
      if (deps === undefined || cursor >= deps.length) {
        path.pop()
        cursors.pop()
        onPath.delete(id)
        done.add(id)
        continue
      }
      cursors[top] = cursor + 1
      const next = deps[cursor]!
      const at = onPath.get(next)
      if (at !== undefined) return [...path.slice(at), next]
      if (done.has(next)) continue
      onPath.set(next, path.length)
      path.push(next)
      cursors.push(0)
    }
  }
  return undefined
}
