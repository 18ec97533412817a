export type { IgnoreRule, LeakPolicy, TestkitOptions } from '../config/options.js'
export { testkit } from './plugin.js'
