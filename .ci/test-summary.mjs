// Sums Vitest's per-package summary lines from a log into one closing line CI readers understand.
// A test file that fails before its tests run (a setup error) is a "failed suite": it counts too.
import { readFileSync } from 'node:fs'

const totals = { passed: 0, failed: 0, skipped: 0 }
for (const raw of readFileSync(process.argv[2], 'utf8').split('\n')) {
  const line = raw.replace(/\x1b\[[0-9;]*m/g, '')
  const tests = line.match(/^\S*\s*Tests\s+(.*)\(\d+\)\s*$/)
  if (tests) {
    for (const [, count, kind] of tests[1].matchAll(/(\d+) (passed|failed|skipped)/g)) totals[kind] += Number(count)
  }
  const failedSuites = line.match(/Failed Suites (\d+)/)
  if (failedSuites) totals.failed += Number(failedSuites[1])
}
console.log(`${process.argv[3] ?? 'tests'}: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`)
