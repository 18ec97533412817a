export {
  type PoolAdapter,
  type TrackedDatabase,
  type TrackedPool,
  trackPool,
  useDatabase,
} from './database.js'
export { useEventListener } from './events.js'
export { type ProcessExit, type TrackedProcess, type UseProcessOptions, useProcess } from './process.js'
export { type Resource, useResource } from './resource.js'
export { type TrackedServer, type UseServerOptions, useServer } from './server.js'
export { type TempDir, type TempFile, type TempOptions, useTempDir, useTempFile } from './temp.js'
export { type TrackedTimer, useInterval, useTimeout } from './timers.js'
export type { Tracked } from './track.js'
export { type TrackedWorker, useWorker } from './worker.js'
