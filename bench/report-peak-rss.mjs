// Preloaded (node --import) into a measured process: writes its peak RSS in KB to $PME_BENCH_RSS_OUT
// when it exits. VmHWM, not resourceUsage().maxRSS: Linux keeps ru_maxrss across fork and exec, so a
// child spawned by a large parent would report the parent's size.
import { readFileSync, writeFileSync } from 'node:fs'

process.on('exit', () => {
  if (!process.env.PME_BENCH_RSS_OUT) return
  const status = readFileSync('/proc/self/status', 'utf8')
  const peak = status.match(/VmHWM:\s+(\d+)/)?.[1] ?? String(process.resourceUsage().maxRSS)
  writeFileSync(process.env.PME_BENCH_RSS_OUT, peak)
})
