import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { expect, test } from 'vitest'
import { installDetection } from '../../../src/detect/index.js'
import { childUsage } from '../../../src/monitor/children.js'
import { defaultSettings, newSlot, setTestSlot } from '../../../src/scope/state.js'

installDetection()

test("the `ps` the monitor runs through pidusage is not counted as the test's child process", async () => {
  const sleeper = spawn('sleep', ['5'])
  const slot = newSlot('test', defaultSettings)
  setTestSlot(slot)
  let own: ReturnType<typeof spawn>
  try {
    // The portable path: pidusage runs `ps` for the running child.
    const usage = await childUsage([sleeper.pid as number], 'darwin')
    expect(usage.rss).toBeGreaterThan(0)
    own = spawn('true')
    await once(own, 'exit')
  } finally {
    setTestSlot(undefined)
    sleeper.kill('SIGKILL')
  }

  // Only the child the test itself started was noted. (pidusage's own history interval, made in its
  // callback and cleared by pidusage.clear(), is noted too, but has no user frame: never a leak.)
  const children = slot.handles?.filter((handle) => handle.kind.type === 'ChildProcess')
  expect(children?.map((handle) => handle.target)).toEqual([own])
})
