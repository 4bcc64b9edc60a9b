// Per backend and mode, what the KMS contract and end-to-end suites did, from Vitest JSON reports:
//   node kms-suite-counts.mjs <report.json> [...]
// prints `<mode>/<backend>: N passed, N failed, N skipped` for every registered backend (those
// PME_IT_BACKENDS names, when set) and mode
// found, then a closing `kms-suites: N passed, N failed, N skipped`. Exits 1 when a test failed or
// was skipped (except the skips EXPECTED_SKIPS lists, counted apart), a test file failed before its
// tests ran, or a registered backend ran no test in a mode.
import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const backendsDir = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'kms', 'backends')
const selected = (process.env.PME_IT_BACKENDS ?? '')
  .split(',')
  .map((name) => name.trim())
  .filter(Boolean)
const backends = readdirSync(backendsDir)
  .filter((file) => file.endsWith('.ts'))
  .map((file) => file.slice(0, -3))
  .filter((name) => selected.length === 0 || selected.includes(name))
  .sort()
const SUITE = /^KMS (?:contract|end to end): (\S+) \((\w+) mode\)$/
/** Skips by design, per backend or `<mode>/<backend>`: the test (title start) and why. */
const NO_IAM = 'LocalStack community edition enforces no IAM; the aws backend on moto (IAM auth on) runs this test'
const EXPECTED_SKIPS = {
  localstack: [['fails with KmsAccessDeniedError', NO_IAM]],
  // CI's external run of the aws backend is against LocalStack (setup/external-suites.sh)
  'external/aws': [['fails with KmsAccessDeniedError', NO_IAM]],
}
const expectedSkip = (mode, backend, title) =>
  [...(EXPECTED_SKIPS[backend] ?? []), ...(EXPECTED_SKIPS[`${mode}/${backend}`] ?? [])].find(([start]) =>
    title.startsWith(start),
  )?.[1]

const counts = new Map()
const modes = new Set()
let brokenFiles = 0
for (const report of process.argv.slice(2)) {
  const { testResults } = JSON.parse(readFileSync(report, 'utf8'))
  for (const file of testResults) {
    if (file.status === 'failed' && file.assertionResults.length === 0) {
      brokenFiles++
      console.log(`${path.basename(file.name)}: failed before its tests ran: ${file.message}`)
    }
    for (const test of file.assertionResults) {
      const match = SUITE.exec(test.ancestorTitles[0] ?? '')
      if (!match) continue
      const [, backend, mode] = match
      modes.add(mode)
      const key = `${mode}/${backend}`
      const count = counts.get(key) ?? { passed: 0, failed: 0, skipped: 0, expected: [] }
      if (test.status === 'passed') count.passed++
      else if (test.status === 'failed') count.failed++
      else if (expectedSkip(mode, backend, test.title)) count.expected.push(expectedSkip(mode, backend, test.title))
      else count.skipped++
      counts.set(key, count)
    }
  }
}

const total = { passed: 0, failed: brokenFiles, skipped: 0 }
let incomplete = false
for (const mode of [...modes].sort()) {
  for (const backend of backends) {
    const count = counts.get(`${mode}/${backend}`) ?? { passed: 0, failed: 0, skipped: 0, expected: [] }
    const expected = count.expected.map((why) => `, 1 skipped as expected (${why})`).join('')
    console.log(
      `${mode}/${backend}: ${count.passed} passed, ${count.failed} failed, ${count.skipped} skipped${expected}`,
    )
    if (count.passed === 0) incomplete = true
    for (const kind of ['passed', 'failed', 'skipped']) total[kind] += count[kind]
  }
}
console.log(`kms-suites: ${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`)
process.exit(total.failed > 0 || total.skipped > 0 || incomplete || modes.size === 0 ? 1 : 0)
