import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'kms/**/*.test.ts'],
    globalSetup: ['./setup/global-setup.ts', './setup/java-global-setup.ts', './kms/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
})
