/**
 * Whether this code runs in Node's main realm, and not in a vm context of Vitest's vm pools (which
 * run each test file in a context of its own while Node's builtins stay shared).
 */
export function inMainRealm(): boolean {
  return process.getBuiltinModule('node:vm').runInThisContext('globalThis') === globalThis
}
