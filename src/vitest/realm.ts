/**
 * Whether this code runs in Node's main realm, and not in a vm context of Vitest's vm pools (which
 * run each test file in a context of its own while Node's builtins stay shared). A builtin's function
 * is of the main realm: its prototype is this realm's Function.prototype only there.
 * (Evaluating `globalThis` in a fresh vm script costs a fresh test worker ~0.4 ms.)
 */
export function inMainRealm(): boolean {
  return Object.getPrototypeOf(process.getBuiltinModule('node:vm').isContext) === Function.prototype
}
