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

process.on('message', async (message) => {
  const bytes = new Uint8Array(Buffer.from(message.bytes, 'base64'))
  resetPeak()
  const before = rssKb('VmRSS:')
  const result = await runInput(bytes, message.variant)
  const jumpMb = Math.max(0, (rssKb('VmHWM:') - before) / 1024)
  process.send({ id: message.id, ...result, jumpMb })
})
process.send({ ready: true })
