import { type DetectionSettings, finishSlot } from '../detect/index.js'
import type { ScopeMark, ScopeMonitor } from '../monitor/scope-monitor.js'
import type { ScopeRecord } from '../report/model.js'
import { hasLateCleanups } from './scope.js'
import type { ScopeSlot } from './state.js'

/** How an adapter ends its scopes: leak detection and the monitor, each when turned on. */
export interface ScopeEnding {
  detection: DetectionSettings | undefined
  monitor: ScopeMonitor | undefined
}

/**
 * Ends a scope for any test runner: cleans what it registered, reports and cleans what it leaked,
 * and adds the monitor's figures when the scope was marked at its start. Undefined when the scope
 * has nothing to say.
 */
export async function endScope(
  slot: ScopeSlot,
  ending: ScopeEnding,
  mark: ScopeMark | undefined,
  testFile: string | undefined,
  label: string | undefined,
): Promise<ScopeRecord | undefined> {
  const { monitor } = ending
  if (monitor === undefined || mark === undefined) return finishSlot(slot, ending.detection, testFile, label)
  const start = performance.now()
  const before = slot.handles && (await monitor.beforeCleanup(slot.handles))
  // Hot path: a test that registered and created nothing has nothing to clean.
  const isUnused =
    slot.scope === undefined && slot.handles === undefined && (slot.kind === 'test' || !hasLateCleanups())
  const record = isUnused ? undefined : await finishSlot(slot, ending.detection, testFile, label)
  return monitor.end(mark, slot, record, before, label, start)
}
