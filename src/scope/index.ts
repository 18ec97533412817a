import type { ResourceCategory } from '../core/types.js'
import { currentScope } from './current.js'

export { getResourceManager } from './current.js'

/** Lets leaks of these categories pass in the current test: still cleaned, reported as warnings. */
export function allowLeaks(...categories: `${ResourceCategory}`[]): void {
  currentScope().allowLeaks(categories)
}

/** Sets the cleanup timeout (ms) of resources the current test registers through helpers from now on. */
export function setCleanupTimeout(ms: number): void {
  currentScope().setCleanupTimeout(ms)
}
