/** The `gc` function --expose-gc gives, or undefined when the process runs without it. */
export const exposedGc = (): (() => void) | undefined => {
  const gc = (globalThis as { gc?: () => void }).gc
  return typeof gc === 'function' ? gc : undefined
}

/** A full garbage collection: global.gc under --expose-gc, else V8's gc obtained through a fresh context. */
export function collector(): () => void {
  const exposed = exposedGc()
  if (exposed) return exposed
  process.getBuiltinModule('node:v8').setFlagsFromString('--expose-gc')
  return process.getBuiltinModule('node:vm').runInNewContext('gc') as () => void
}
