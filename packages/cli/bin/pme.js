#!/usr/bin/env node
// AWS SDK releases from late 2026 print a "NodeVersionSupportWarning" on Node 20 (which pme
// supports); it would break the one-line stderr of a command. This is pme's own process, so it is
// set here, not by the adapter library; a user's explicit setting is respected.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'
const { main } = await import('../dist/index.js')

process.exitCode = await main(process.argv.slice(2))
