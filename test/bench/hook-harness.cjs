// Drives dist/setup-runtime.cjs (loaded as the setup entry loads it) through its hooks with a stand-in for Vitest's API, in a fresh
// process: `node hook-harness.cjs <tests>` prints the CPU ms of loading it and of running that many
// trivial tests through its per-test hook. TESTKIT_MONITOR / TESTKIT_LEAKS choose what runs.
const { join } = require('node:path')

const tests = Number(process.argv[2] ?? 100)
const start = process.cpuUsage()
const cpuMs = () => {
  const used = process.cpuUsage(start)
  return (used.user + used.system) / 1000
}
const hooks = {}
const vitest = {
  inject: () => undefined,
  beforeEach() {},
  afterAll() {},
  aroundEach() {},
  TestRunner: { getCurrentSuite: () => ({ on: (name, hook) => (hooks[name] = hook) }) },
}
// As a test worker loads it: with V8's code cache, which the first run writes at its end.
const dist = join(__dirname, '..', '..', 'dist')
const runtime = require(join(dist, 'runtime-loader.cjs')).loadWithCodeCache(join(dist, 'setup-runtime.cjs'))
runtime.exports.installVitestScopes(vitest, { at: performance.now(), heap: 0 })
const loadMs = cpuMs()
const file = { meta: {}, filepath: '/bench/f.test.mjs', fullName: 'f.test.mjs' }
hooks
  .aroundAll(async () => {
    for (let i = 0; i < tests; i++) {
      const task = { meta: {}, fullName: `f.test.mjs > t${i}`, fullTestName: `t${i}`, file }
      await hooks.aroundEach(async () => {}, { task })
    }
  }, file)
  .then(() => {
    const testsMs = cpuMs() - loadMs
    runtime.saveCache()
    console.log(JSON.stringify({ loadMs, testsMs, usedCache: runtime.usedCache }))
  })
