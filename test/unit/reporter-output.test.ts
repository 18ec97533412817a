import { expect, test } from 'vitest'
import { machineReadableOnStdout } from '../../src/vitest/reporter.js'

type Config = Parameters<typeof machineReadableOnStdout>[0]
const onStdout = (reporters: unknown[], outputFile?: Config['outputFile']) =>
  machineReadableOnStdout({ reporters, outputFile } as Config)

test('json and junit write to stdout unless an outputFile, theirs or the shared one, takes them to a file', () => {
  expect(onStdout([['json', {}]])).toBe(true)
  expect(onStdout([['junit', {}]])).toBe(true)
  expect(onStdout([['json', {}]], 'out.json')).toBe(false)
  expect(onStdout([['json', { outputFile: 'out.json' }]])).toBe(false)
  expect(onStdout([['json', {}]], { json: 'out.json' })).toBe(false)
  // A file for the json reporter says nothing of junit's output.
  expect(
    onStdout(
      [
        ['json', {}],
        ['junit', {}],
      ],
      { json: 'out.json' },
    ),
  ).toBe(true)
})

test('tap and tap-flat always write to stdout; the human reporters never count', () => {
  expect(onStdout([['tap', {}]], 'out.tap')).toBe(true)
  expect(onStdout([['tap-flat', {}]])).toBe(true)
  expect(onStdout([['default', {}], ['verbose', {}], ['github-actions', {}], { onInit() {} }])).toBe(false)
})
