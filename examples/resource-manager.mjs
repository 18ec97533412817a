// A runnable tour of the core ResourceManager: `npm run demo` (or `node examples/resource-manager.mjs`
// after `npm run build`). Real server, real socket, real temp dir; one cleanup hangs and one fails.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { connect, createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ResourceCategory, ResourceManager, ResourcePriority } from '@orchestr8/testkit'

const manager = new ResourceManager({ defaultTimeout: 2_000 })
const log = (line) => console.log(`  ${line}`)
/** Wraps a cleanup so the run shows the order in which cleanups happen. */
const logged = (name, cleanup) => () => {
  log(`cleaning ${name}`)
  return cleanup()
}

// A server and a client that depends on it: the client is closed first, whatever the priorities.
const server = createServer((socket) => socket.pipe(socket))
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
manager.register(
  'echo-server',
  logged('echo-server', () => new Promise((resolve) => server.close(() => resolve()))),
  {
    category: ResourceCategory.NETWORK,
    priority: ResourcePriority.CRITICAL,
    description: `echo server on port ${server.address().port}`,
  },
)
const client = connect(server.address().port, '127.0.0.1')
await new Promise((resolve) => client.once('connect', resolve))
manager.register(
  'echo-client',
  logged('echo-client', () => void client.destroy()),
  {
    category: ResourceCategory.NETWORK,
    priority: ResourcePriority.LOW,
    dependencies: ['echo-server'],
    description: 'client socket of the echo server',
  },
)

// A temp dir, removed recursively.
const dir = mkdtempSync(join(tmpdir(), 'testkit-demo-'))
writeFileSync(join(dir, 'data.json'), '{}')
manager.register(
  'scratch-dir',
  logged('scratch-dir', () => rmSync(dir, { recursive: true, force: true })),
  {
    category: ResourceCategory.FILE,
    description: dir,
  },
)

// Two typical problems: a cleanup that never settles and one that throws.
manager.register(
  'stuck-close',
  logged('stuck-close', () => new Promise(() => {})),
  {
    timeout: 200,
    description: 'a close() whose callback never comes',
  },
)
manager.register(
  'flaky-db',
  logged('flaky-db', () => {
    throw new Error('connection already closed')
  }),
  { category: ResourceCategory.DATABASE },
)

console.log(`Registered ${manager.getResourceCount()} resources:`, manager.getResourcesByCategory())
console.log('\nCleaning (dependents first, then by priority, then last registered first):')
const result = await manager.cleanup()
console.log(
  `\nCleaned ${result.resourcesProcessed} in ${result.duration.toFixed(1)} ms, success: ${result.success}`,
)
for (const error of result.errors) {
  log(
    `${error.timeout ? 'TIMED OUT' : 'FAILED'} ${error.resourceId} (${error.category}): ${error.error.message}`,
  )
}

// After the scope is closed, anything still registered is a leak, with where it was registered.
manager.register('late-timer', () => {}, { category: ResourceCategory.TIMER })
manager.close()
console.log('\nLeaks after close:')
for (const leak of manager.detectLeaks()) {
  const at = leak.registeredAt ? `${leak.registeredAt.file}:${leak.registeredAt.line}` : 'unknown'
  log(`${leak.id} (${leak.category}) registered at ${at}`)
}
const metrics = manager.getMetrics()
console.log(
  `\nMetrics: registered ${metrics.registered}, cleaned ${metrics.cleaned}, failed ${metrics.failed}, timed out ${metrics.timedOut}, peak live ${metrics.peakLive}`,
)
await manager.cleanup()
