import { defineConfig } from 'vitest/config'

// Tests spawn processes (the CLI, Python) and run next to other packages' suites: the default 5 s
// is a guard too tight for a loaded 2-core machine. Speed is measured in bench/, not here.
export default defineConfig({ test: { testTimeout: 60_000, hookTimeout: 60_000 } })
