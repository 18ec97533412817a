import type { Worker, WorkerOptions } from 'node:worker_threads'
import { describe, InvalidArgumentError } from '../core/errors.js'
import { ResourceCategory, ResourcePriority } from '../core/types.js'
import { roomFor, type Tracked, track } from './track.js'

// Not an import: each ESM import of a builtin costs a fresh test worker a module facade.
const { createRequire } = process.getBuiltinModule('node:module')

/** A worker thread terminated when the test ends. */
export interface TrackedWorker extends Tracked {
  readonly worker: Worker
}

/** Starts a worker thread for the current test; it is terminated when the test ends. */
export function useWorker(filename: string | URL, options?: WorkerOptions): TrackedWorker {
  // Not instanceof: in Vitest's vm pools a test's URL may come from another realm than this module's.
  if (typeof filename !== 'string' && Object.prototype.toString.call(filename) !== '[object URL]') {
    throw new InvalidArgumentError(`useWorker() filename must be a path or a URL, got ${describe(filename)}.`)
  }
  // Loaded here: most test files import the helpers without starting a worker (~1.5 ms saved per file).
  const threads: typeof import('node:worker_threads') = createRequire(import.meta.url)('node:worker_threads')
  roomFor(ResourceCategory.PROCESS)
  const worker = new threads.Worker(filename, options)
  // A worker that already exited has nothing to terminate; terminate() then resolves at once anyway.
  return {
    worker,
    ...track(
      'worker',
      async () => {
        await worker.terminate()
      },
      {
        category: ResourceCategory.PROCESS,
        priority: ResourcePriority.HIGH,
        description: `worker ${String(filename)}`,
      },
    ),
  }
}
