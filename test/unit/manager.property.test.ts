import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import {
  type CleanupFunction,
  type CleanupResult,
  ResourceCategory,
  type ResourceDefinition,
  ResourceManager,
  ResourcePriority,
  type TestkitError,
} from '../../src/index.js'

type Behaviour = 'sync' | 'throw' | 'async' | 'reject' | 'hang'

/** One generated resource. `dependsOn` holds indices of earlier nodes only, so every graph is a DAG. */
interface Node {
  id: string
  priority: ResourcePriority
  category: ResourceCategory
  behaviour: Behaviour
  /** Milliseconds an async cleanup waits on a real timer before settling. */
  delay: number
  /** Set on hanging cleanups only: the others must never time out, however slow the machine. */
  timeout: number | undefined
  dependsOn: number[]
  /** Also lists an id that is never registered. */
  hasGhostDependency: boolean
  /** Consecutive (in registration order) nodes with this flag go in one `registerBatch()`. */
  viaBatch: boolean
}

interface Scenario {
  nodes: Node[]
  /** Node indices in the order they are registered; a dependency may come after its dependent. */
  registration: number[]
}

/** `pick`s are node indices modulo the node count (plus one: an unknown id), so passes hit real resources. */
type PassSpec = { kind: 'all' } | { kind: 'category'; pick: number } | { kind: 'batch'; picks: number[] }

const categories = Object.values(ResourceCategory)
const priorities = [
  ResourcePriority.CRITICAL,
  ResourcePriority.HIGH,
  ResourcePriority.MEDIUM,
  ResourcePriority.LOW,
]
const failing = new Set<Behaviour>(['throw', 'reject', 'hang'])

const syncBehaviour = fc.constantFrom<Behaviour>('sync', 'throw')
const anyBehaviour = fc.oneof(
  { weight: 3, arbitrary: fc.constant<Behaviour>('sync') },
  { weight: 3, arbitrary: fc.constant<Behaviour>('async') },
  { weight: 1, arbitrary: fc.constant<Behaviour>('throw') },
  { weight: 1, arbitrary: fc.constant<Behaviour>('reject') },
  { weight: 1, arbitrary: fc.constant<Behaviour>('hang') },
)

function scenarioArb(behaviour: fc.Arbitrary<Behaviour>, maxNodes: number): fc.Arbitrary<Scenario> {
  const raw = fc.record({
    priority: fc.constantFrom(...priorities),
    category: fc.constantFrom(...categories),
    behaviour,
    delay: fc.integer({ min: 0, max: 3 }),
    timeout: fc.integer({ min: 20, max: 40 }),
    dependencySeeds: fc.array(fc.nat(), { maxLength: 3 }),
    hasGhostDependency: fc.constantFrom(false, false, false, true),
    viaBatch: fc.boolean(),
    rank: fc.nat({ max: 50 }),
  })
  return fc.array(raw, { minLength: 1, maxLength: maxNodes, size: 'medium' }).map((raws) => {
    const nodes = raws.map(({ dependencySeeds, rank: _, timeout, ...rest }, i) => ({
      ...rest,
      id: `r${i}`,
      timeout: rest.behaviour === 'hang' ? timeout : undefined,
      dependsOn: i === 0 ? [] : [...new Set(dependencySeeds.map((seed) => seed % i))],
    }))
    const registration = raws.map((_, i) => i).sort((a, b) => raws[a]!.rank - raws[b]!.rank || a - b)
    return { nodes, registration }
  })
}

const passArb: fc.Arbitrary<PassSpec> = fc.oneof(
  fc.constant<PassSpec>({ kind: 'all' }),
  fc.record({ kind: fc.constant('category' as const), pick: fc.nat() }),
  fc.record({
    kind: fc.constant('batch' as const),
    picks: fc.array(fc.nat(), { minLength: 1, maxLength: 5 }),
  }),
)
/**
 * Two to four passes, one of them a full `cleanup()` so that everything ends up cleaned. It is usually
 * started last: started first, it takes every resource and the others only wait for it.
 */
const passesArb = fc
  .tuple(
    fc.array(passArb, { minLength: 1, maxLength: 3 }),
    fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.nat() }),
  )
  .map(([others, fromEnd]) =>
    others.toSpliced(others.length - (fromEnd % (others.length + 1)), 0, { kind: 'all' } as PassSpec),
  )

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/**
 * A manager holding the scenario's resources, and what each cleanup saw when it was called:
 * the dependency rule is checked at the moment a cleanup starts, from both sides (the dependents'
 * own promises, and the manager's view of what is still registered).
 */
function arrange(scenario: Scenario, managerConcurrency = 1) {
  const { nodes } = scenario
  const manager = new ResourceManager({ captureOrigin: false, concurrency: managerConcurrency })
  // After close(), detectLeaks() lists every resource still registered: those not yet settled.
  manager.close()
  const dependentsOf = new Map<string, Node[]>(nodes.map((node) => [node.id, []]))
  for (const node of nodes) for (const d of node.dependsOn) dependentsOf.get(nodes[d]!.id)!.push(node)
  const calls = new Map<string, number>()
  const started: string[] = []
  const settled = new Set<string>()
  const thrown = new Map<string, Error>()
  const violations: string[] = []
  let maxRunning = 0

  const onStart = (id: string) => {
    calls.set(id, (calls.get(id) ?? 0) + 1)
    started.push(id)
    // Running as the manager counts it: called, minus settled or timed out (no longer registered).
    const finished = nodes.length - manager.getResourceCount()
    maxRunning = Math.max(maxRunning, started.length - finished)
    const dependents = dependentsOf.get(id)!
    if (dependents.length === 0) return
    const registered = new Set(manager.detectLeaks().map((leak) => leak.id))
    for (const dependent of dependents) {
      if (!calls.has(dependent.id)) violations.push(`${id} started before its dependent ${dependent.id}`)
      else if (registered.has(dependent.id) || (dependent.behaviour !== 'hang' && !settled.has(dependent.id)))
        violations.push(`${id} started while its dependent ${dependent.id} was still running`)
    }
  }
  const fail = (id: string) => {
    settled.add(id)
    const error = new Error(`cleanup of ${id} failed`)
    thrown.set(id, error)
    throw error
  }
  const cleanupOf = ({ id, behaviour, delay }: Node): CleanupFunction => {
    switch (behaviour) {
      case 'sync':
        return () => {
          onStart(id)
          settled.add(id)
        }
      case 'throw':
        return () => {
          onStart(id)
          fail(id)
        }
      case 'async':
        return async () => {
          onStart(id)
          await sleep(delay)
          settled.add(id)
        }
      case 'reject':
        return async () => {
          onStart(id)
          await sleep(delay)
          fail(id)
        }
      case 'hang':
        return () => {
          onStart(id)
          return new Promise<void>(() => {})
        }
    }
  }

  let batch: ResourceDefinition[] = []
  const flush = () => {
    if (batch.length > 0) manager.registerBatch(batch)
    batch = []
  }
  for (const index of scenario.registration) {
    const node = nodes[index]!
    const dependencies = node.dependsOn.map((d) => nodes[d]!.id)
    if (node.hasGhostDependency) dependencies.push(`ghost-${node.id}`)
    const { id, category, priority, timeout } = node
    const definition = { id, cleanup: cleanupOf(node), category, priority, timeout, dependencies }
    if (node.viaBatch) batch.push(definition)
    else {
      flush()
      manager.register(id, definition.cleanup, definition)
    }
  }
  flush()

  /** Starts every pass in one synchronous go, as concurrent callers would. */
  const runPasses = (passes: PassSpec[], concurrency?: number): Promise<CleanupResult[]> => {
    const options = concurrency === undefined ? undefined : { concurrency }
    return Promise.all(
      passes.map((pass) => {
        if (pass.kind === 'all') return manager.cleanup(options)
        if (pass.kind === 'category')
          return manager.cleanupByCategory(nodes[pass.pick % nodes.length]!.category, options)
        // `r${nodes.length}` is never registered: unknown ids must be ignored.
        return manager.cleanupBatch(
          pass.picks.map((pick) => `r${pick % (nodes.length + 1)}`),
          options,
        )
      }),
    )
  }
  return { manager, calls, started, thrown, violations, runPasses, maxRunning: () => maxRunning }
}

/** Reference model for concurrency 1: Kahn's algorithm; lower priority first, then last registered first. */
function expectedOrder({ nodes, registration }: Scenario): string[] {
  const seq = new Map(registration.map((index, at) => [index, at]))
  const pendingDependents = nodes.map(() => 0)
  for (const node of nodes) for (const d of node.dependsOn) pendingDependents[d]!++
  const free = nodes.map((_, i) => i).filter((i) => pendingDependents[i] === 0)
  const order: string[] = []
  while (free.length > 0) {
    free.sort((a, b) => nodes[a]!.priority - nodes[b]!.priority || seq.get(b)! - seq.get(a)!)
    const next = free.shift()!
    order.push(nodes[next]!.id)
    for (const d of nodes[next]!.dependsOn) if (--pendingDependents[d]! === 0) free.push(d)
  }
  return order
}

// Deadlock guards, not speed assertions: a run that never settles becomes a reported counterexample
// (no run needs more than ~1 s even with every cleanup hanging), and shrinking stops before the test's own timeout.
const guards = [fc.timeout(5_000), fc.interruptAfterTimeLimit(40_000)]
const timed = { numRuns: 40, plugins: guards }

describe('ResourceManager properties', () => {
  test('rule 1: a dependent is called before its dependency, which (concurrency 1) waits until it settled or timed out', async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArb(anyBehaviour, 14), passesArb, async (scenario, passes) => {
        const { violations, runPasses } = arrange(scenario)

        await runPasses(passes)

        expect(violations).toEqual([])
      }),
      timed,
    )
  }, 60_000)

  test('rule 2: among resources free to go, lower priority first, then last registered first', async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArb(syncBehaviour, 20), async (scenario) => {
        const { started, runPasses } = arrange(scenario)

        await runPasses([{ kind: 'all' }])

        expect(started).toEqual(expectedOrder(scenario))
      }),
      { numRuns: 200, plugins: guards },
    )
  }, 60_000)

  test('rule 3: every cleanup runs exactly once, even with several passes started concurrently', async () => {
    const concurrency = fc.integer({ min: 1, max: 4 })
    await fc.assert(
      fc.asyncProperty(scenarioArb(anyBehaviour, 14), passesArb, concurrency, async (scenario, passes, k) => {
        const { manager, calls, runPasses } = arrange(scenario)

        const results = await runPasses(passes, k)

        const ids = scenario.nodes.map((node) => node.id)
        expect(Object.fromEntries(calls)).toEqual(Object.fromEntries(ids.map((id) => [id, 1])))
        expect(manager.getResourceCount()).toBe(0)
        expect(results.reduce((sum, result) => sum + result.resourcesProcessed, 0)).toBe(ids.length)
      }),
      timed,
    )
  }, 60_000)

  test('rule 4: each failing or hanging cleanup yields exactly one CleanupError, counted once; success is false iff one failed', async () => {
    const concurrency = fc.integer({ min: 1, max: 4 })
    await fc.assert(
      fc.asyncProperty(scenarioArb(anyBehaviour, 14), passesArb, concurrency, async (scenario, passes, k) => {
        const { thrown, runPasses } = arrange(scenario)

        const results = await runPasses(passes, k)

        const byId = (a: { resourceId: string }, b: { resourceId: string }) =>
          a.resourceId.localeCompare(b.resourceId)
        // The pass that ran a cleanup reports its error, and so does every call that waited for it:
        // the same object, counted in the summary of the first only.
        const errors = [...new Set(results.flatMap((result) => result.errors))].sort(byId)
        const expected = scenario.nodes
          .filter((node) => failing.has(node.behaviour))
          .map((node) => ({
            resourceId: node.id,
            category: node.category,
            timeout: node.behaviour === 'hang',
          }))
          .sort(byId)
        expect(
          errors.map(({ resourceId, category, timeout }) => ({ resourceId, category, timeout })),
        ).toEqual(expected)
        for (const { resourceId, error, timeout } of errors) {
          if (timeout) expect((error as TestkitError).code).toBe('ERR_RESOURCE_TIMEOUT')
          else expect(error).toBe(thrown.get(resourceId))
        }
        const failedCount = (result: CleanupResult) =>
          Object.values(result.summary).reduce((sum, counts) => sum + counts.failed, 0)
        expect(results.reduce((sum, result) => sum + failedCount(result), 0)).toBe(expected.length)
        for (const result of results) {
          expect(new Set(result.errors).size).toBe(result.errors.length)
          expect(result.skipped).toEqual([])
          expect(result.success).toBe(result.errors.length === 0)
        }
      }),
      timed,
    )
  }, 60_000)

  test('rule 5: with concurrency k, a dependent settles before its dependency starts and at most k cleanups run at once', async () => {
    const concurrency = fc.integer({ min: 1, max: 4 })
    const where = fc.constantFrom('manager', 'pass')
    await fc.assert(
      fc.asyncProperty(scenarioArb(anyBehaviour, 16), concurrency, where, async (scenario, k, setOn) => {
        const { violations, runPasses, maxRunning } = arrange(scenario, setOn === 'manager' ? k : 1)

        await runPasses([{ kind: 'all' }], setOn === 'pass' ? k : undefined)

        expect(violations).toEqual([])
        expect(maxRunning()).toBeLessThanOrEqual(k)
      }),
      timed,
    )
  }, 60_000)
})
