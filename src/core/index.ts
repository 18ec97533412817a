export {
  DependencyCycleError,
  DuplicateResourceError,
  InvalidArgumentError,
  ResourceCleanupError,
  ResourceLimitError,
  ResourceTimeoutError,
  TestkitError,
  type TestkitErrorCode,
} from './errors.js'
export { ResourceManager } from './manager.js'
export * from './types.js'
