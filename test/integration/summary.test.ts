import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect, test } from 'vitest'
import { runVitest } from './run-vitest.js'

const fixture = 'fixtures/vitest/basic'

test("with --reporter=json to stdout, stdout is Vitest's JSON alone: testkit's summary and annotations go to stderr", async () => {
  const run = await runVitest(fixture, ['--reporter=json'], { GITHUB_ACTIONS: 'true' })

  expect(run.code).toBe(1)
  expect(JSON.parse(run.stdout)).toMatchObject({ numTotalTests: 3, numFailedTests: 1 })
  expect(run.stderr).toContain('testkit 1 error, 0 warnings')
  expect(run.stderr).toMatch(/^::error file=basic\.test\.ts,line=32,title=testkit%3A cleanup failed::/m)
})

test("with the JSON in a file (--outputFile), and junit to stdout, the summary follows the other reporter's choice", async () => {
  const work = mkdtempSync(join(tmpdir(), 'testkit-summary-'))
  const json = join(work, 'vitest.json')
  try {
    const toFile = await runVitest(fixture, ['--reporter=json', `--outputFile=${json}`])
    expect(JSON.parse(readFileSync(json, 'utf8'))).toMatchObject({ numTotalTests: 3 })
    expect(toFile.stdout).toContain('testkit 1 error, 0 warnings')

    // A per-reporter outputFile names the json reporter's file only: junit still writes to stdout.
    const junit = await runVitest(fixture, [
      '--reporter=junit',
      '--reporter=json',
      `--outputFile.json=${json}`,
    ])
    expect(junit.stdout).toContain('</testsuites>')
    expect(junit.stdout).not.toContain('testkit 1 error')
    expect(junit.stderr).toContain('testkit 1 error, 0 warnings')
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
})
