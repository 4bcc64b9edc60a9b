/*
 * Preloaded into a pme process (node --import): counts its file-system steps (copyFile, open, rename:
 * every write of a migration starts with one of them) and kills the process with SIGKILL at step
 * PME_TEST_KILL_AT, before that step runs, as a crash or `kill -9` would. With PME_TEST_COUNT_FILE the
 * number of steps is written there at exit.
 */
import { writeFileSync } from 'node:fs'
import fs from 'node:fs/promises'
import { syncBuiltinESMExports } from 'node:module'

const killAt = Number(process.env.PME_TEST_KILL_AT ?? 0)
const countFile = process.env.PME_TEST_COUNT_FILE
let steps = 0
for (const name of ['copyFile', 'open', 'rename']) {
  const original = fs[name]
  fs[name] = (...args) => {
    steps++
    if (steps === killAt) process.kill(process.pid, 'SIGKILL')
    return original(...args)
  }
}
// The named exports (import { rename } from 'node:fs/promises') follow the patched module object.
syncBuiltinESMExports()
if (countFile) process.on('exit', () => writeFileSync(countFile, String(steps)))
