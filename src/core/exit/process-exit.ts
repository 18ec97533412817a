// Not imports: each ESM import of a builtin costs a fresh test worker a module facade.
const { createRequire } = process.getBuiltinModule('node:module')
const { inspect } = process.getBuiltinModule('node:util')

type SignalExit = typeof import('signal-exit')
let signalExit: SignalExit | undefined

/** signal-exit, loaded on the first registerProcessHandlers(): most managers never call it. */
function loadSignalExit(): SignalExit {
  signalExit ??= createRequire(import.meta.url)('signal-exit') as SignalExit
  return signalExit
}

/** The method a dying process calls on each registered manager (of any copy of this package). */
export const CLEANUP_FOR_EXIT: unique symbol = Symbol.for('@orchestr8/testkit.cleanupForExit')

/** Something to clean when the process is about to die; settles within `budget` milliseconds. */
export interface ExitParticipant {
  [CLEANUP_FOR_EXIT](budget: number): Promise<unknown>
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

/** Cleans every participant; the uncaught-error listener stays until the end so that an error thrown
 * by a cleanup meanwhile is printed instead of killing the process halfway. */
async function cleanAll(state: ExitHandlers): Promise<void> {
  state.isExiting = true
  state.removeSignalHandler?.()
  state.removeSignalHandler = undefined
  const participants = [...state.participants]
  state.participants.clear()
  await Promise.allSettled(participants.map(([participant, budget]) => participant[CLEANUP_FOR_EXIT](budget)))
  process.off('uncaughtException', state.onUncaught)
  state.isExiting = false
}

function onSignalOrExit(_code: number | null | undefined, signal: NodeJS.Signals | null): true | undefined {
  // A plain exit leaves no time for asynchronous cleanup; signals and uncaught errors do.
  if (signal === null) return undefined
  // Hold the signal while cleaning: another copy of signal-exit (a dependency's CommonJS one, say)
  // sees a listener it does not own and leaves the kill to us. A second signal forces it.
  const release = () => {
    process.off(signal, release)
    process.kill(process.pid, signal)
  }
  process.on(signal, release)
  // signal-exit has removed its own listeners: re-sending the signal ends the process as it would have.
  void cleanAll(handlers()).then(release)
  return true
}

function onUncaught(error: unknown): void {
  // Another listener handles uncaught errors: the process would not have died, so neither does it here.
  if (process.listenerCount('uncaughtException') > 1) return
  // Print as Node does before dying; unhandled rejections arrive here too (Node's default 'throw' mode).
  process.stderr.write(`${inspect(error)}\n\nNode.js ${process.version}\n`)
  const state = handlers()
  // Thrown by a cleanup while the process is already going down: shown above, and the exit goes on.
  if (state.isExiting) return
  void cleanAll(state).then(() => process.exit(1))
}

/** Cleans `participant` on SIGINT, SIGTERM, SIGHUP (and other fatal signals) or an uncaught error. */
export function addExitParticipant(participant: ExitParticipant, budget: number): void {
  const state = handlers()
  if (state.isExiting) return
  state.participants.set(participant, budget)
  if (state.removeSignalHandler === undefined) {
    state.removeSignalHandler = loadSignalExit().onExit(onSignalOrExit)
    process.on('uncaughtException', state.onUncaught)
  }
}

/** Undoes `addExitParticipant`; the last one removes the process listeners. */
export function removeExitParticipant(participant: ExitParticipant): void {
  const state = handlers()
  if (!state.participants.delete(participant) || state.participants.size > 0 || state.isExiting) return
  state.removeSignalHandler?.()
  state.removeSignalHandler = undefined
  process.off('uncaughtException', state.onUncaught)
}
