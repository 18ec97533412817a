/**
 * @orchestr8/testkit: resource management, leak detection and cleanup for test suites.
 * Framework-free core; the Vitest and Jest adapters live under their own subpaths.
 */
export * from './core/index.js'
