// The file users name in `setupFiles` (the testkit() plugin adds it for them).
import { installVitestScopes } from '../src/vitest/setup.js'

installVitestScopes()
