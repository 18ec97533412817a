import { execFileSync } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'

const root = join(import.meta.dirname, '..', '..')

function newestSource(dir: string): number {
  let newest = 0
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    newest = Math.max(newest, entry.isDirectory() ? newestSource(path) : statSync(path).mtimeMs)
  }
  return newest
}

/** Integration tests run the built package as users do: build it first unless dist/ is up to date. */
export default function setup(): void {
  const built = join(root, 'dist', 'index.js')
  if (existsSync(built) && statSync(built).mtimeMs >= newestSource(join(root, 'src'))) return
  execFileSync('npx', ['tsup', '--silent'], { cwd: root, stdio: 'inherit' })
}
