// The reporter users name in `reporters` (the testkit() plugin adds it for them).
export { default } from '../src/vitest/reporter.js'
