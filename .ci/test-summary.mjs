// Sums Vitest's per-package "Tests  ..." lines from a log into one closing line CI readers understand.
import { readFileSync } from 'node:fs'

const totals = { passed: 0, failed: 0, skipped: 0 }
for (const line of readFileSync(process.argv[2], 'utf8').split('\n')) {
  const summary = line.replace(/\x1b\[[0-9;]*m/g, '').match(/^\S*\s*Tests\s+(.*)\(\d+\)\s*$/)
  if (!summary) continue
  for (const [, count, kind] of summary[1].matchAll(/(\d+) (passed|failed|skipped)/g)) totals[kind] += Number(count)
}
console.log(`${process.argv[3] ?? 'tests'}: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`)
