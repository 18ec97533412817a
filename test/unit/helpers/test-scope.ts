import { readFileSync } from 'node:fs'
import { afterEach, beforeEach } from 'vitest'
import { defaultSettings, setTestScope } from '../../../src/scope/current.js'
import { Scope } from '../../../src/scope/scope.js'

/**
 * Gives every test of the file a fresh scope that helpers register in, as the Vitest adapter would.
 * A test may close it itself to inspect the record; closing again afterwards only sweeps what a
 * failed test left behind.
 */
export function scopePerTest(): () => Scope {
  let scope: Scope | undefined
  beforeEach(() => {
    scope = new Scope('test', defaultSettings)
    setTestScope(scope)
  })
  afterEach(async () => {
    setTestScope(undefined)
    await scope?.close()
  })
  return () => scope!
}

/** Polls until `isDone()` (every 10 ms); false after `ms`. The bound only catches hangs. */
export async function eventually(isDone: () => boolean, ms = 5_000): Promise<boolean> {
  const deadline = Date.now() + ms
  while (!isDone()) {
    if (Date.now() > deadline) return false
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
  return true
}

/**
 * Whether `pid` no longer runs: /proc has no entry for it, or only a zombie (a reparented orphan that
 * the container's init may never reap). Read from /proc directly, not through the code under test.
 */
export function isGone(pid: number): boolean {
  let stat: string
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  } catch {
    return true
  }
  return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')
}
