// The file users name in `setupFiles` (the testkit() plugin adds it for them). The build emits it as
// the same two lines importing dist/setup-runtime.js, so that Vitest loads that module natively.
import { installVitestScopes } from '../src/vitest/setup.js'

installVitestScopes()
