import { inspect } from 'node:util'
import { onExit } from 'signal-exit'

/** Something to clean when the process is about to die (a ResourceManager, of any copy of this package). */
export interface ExitParticipant {
  cleanup(options: { timeout: number }): Promise<unknown>
}

interface ExitHandlers {
  /** Each participant with its budget in milliseconds. */
  readonly participants: Map<ExitParticipant, number>
  removeSignalHandler: (() => void) | undefined
  readonly onUncaught: (error: unknown) => void
  isExiting: boolean
}

// Process-global: every copy of this package loaded in the process shares one set of handlers,
// so a thousand managers add one listener, not a thousand (no MaxListenersExceeded warning).
const KEY = Symbol.for('@orchestr8/testkit.exit-handlers')
const registry = globalThis as typeof globalThis & { [KEY]?: ExitHandlers }

function handlers(): ExitHandlers {
  registry[KEY] ??= {
    participants: new Map(),
    removeSignalHandler: undefined,
    onUncaught,
    isExiting: false,
  }
  return registry[KEY]
}

async function cleanAll(state: ExitHandlers): Promise<void> {
  state.isExiting = true
  const participants = [...state.participants]
  state.participants.clear()
  uninstall(state)
  await Promise.allSettled(
    participants.map(([participant, budget]) => participant.cleanup({ timeout: budget })),
  )
}

function onSignalOrExit(_code: number | null | undefined, signal: NodeJS.Signals | null): true | undefined {
  const state = handlers()
  // A plain exit leaves no time for asynchronous cleanup; signals and uncaught errors do.
  if (signal === null || state.isExiting) return undefined
  // signal-exit has removed its listeners: re-sending the signal ends the process as it would have.
  void cleanAll(state).then(() => process.kill(process.pid, signal))
  return true
}

function onUncaught(error: unknown): void {
  const state = handlers()
  // Another listener handles uncaught errors: the process would not have died, so neither does it here.
  if (process.listenerCount('uncaughtException') > 1) return
  // Print as Node does before dying; unhandled rejections arrive here too (Node's default 'throw' mode).
  process.stderr.write(`${inspect(error)}\n\nNode.js ${process.version}\n`)
  if (state.isExiting) return
  void cleanAll(state).then(() => process.exit(1))
}

function install(state: ExitHandlers): void {
  state.removeSignalHandler = onExit(onSignalOrExit)
  process.on('uncaughtException', state.onUncaught)
}

function uninstall(state: ExitHandlers): void {
  state.removeSignalHandler?.()
  state.removeSignalHandler = undefined
  process.off('uncaughtException', state.onUncaught)
}

/** Cleans `participant` on SIGINT, SIGTERM, SIGHUP (and other fatal signals) or an uncaught error. */
export function addExitParticipant(participant: ExitParticipant, budget: number): void {
  const state = handlers()
  if (state.isExiting) return
  state.participants.set(participant, budget)
  if (state.removeSignalHandler === undefined) install(state)
}

/** Undoes `addExitParticipant`; the last one removes the process listeners. */
export function removeExitParticipant(participant: ExitParticipant): void {
  const state = handlers()
  state.participants.delete(participant)
  if (state.participants.size === 0) uninstall(state)
}
