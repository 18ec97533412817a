export {
  DependencyCycleError,
  DuplicateResourceError,
  InvalidArgumentError,
  ResourceCleanupError,
  ResourceTimeoutError,
  TestkitError,
  type TestkitErrorCode,
} from './errors.js'
export { ResourceManager } from './manager.js'
export * from './types.js'
