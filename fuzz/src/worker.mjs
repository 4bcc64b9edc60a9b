import { readFileSync, writeFileSync } from 'node:fs'
import { runInput } from './target.mjs'

/*
 * A child process that runs inputs for run.mjs, one at a time: the parent's watchdog can kill it on
 * a hang or a runaway allocation, which no in-process timer could interrupt. Before each input it
 * resets the kernel's peak-RSS mark, so each answer carries that input's own memory jump.
 */
function rssKb(field) {
  const status = readFileSync('/proc/self/status', 'utf8')
  const line = status.split('\n').find((l) => l.startsWith(field))
  return Number(line?.split(/\s+/)[1] ?? 0)
}

function resetPeak() {
  try {
    writeFileSync('/proc/self/clear_refs', '5')
  } catch {
    // not Linux, or not allowed: the jump is then measured against the run's peak so far
  }
}

// A rejection no one awaits (it would end a user's process) fails the input that caused it: each
// answer waits one macrotask so that such rejections surface while their input is still current.
let unhandled
process.on('unhandledRejection', (error) => {
  unhandled ??= error
})

process.on('message', async (message) => {
  const bytes = new Uint8Array(Buffer.from(message.bytes, 'base64'))
  resetPeak()
  const before = rssKb('VmRSS:')
  unhandled = undefined
  let result = await runInput(bytes, message.variant)
  await new Promise((resolve) => setTimeout(resolve, 0))
  if (unhandled !== undefined) {
    const stack = String(unhandled?.stack ?? unhandled)
      .split('\n')
      .slice(0, 6)
      .join('\n')
    result = { outcome: 'untyped', error: `unhandled rejection: ${stack}` }
  }
  const jumpMb = Math.max(0, (rssKb('VmHWM:') - before) / 1024)
  process.send({ ...result, jumpMb })
})
process.send({ ready: true })
