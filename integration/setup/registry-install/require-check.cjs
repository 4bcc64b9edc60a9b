// A CommonJS consumer: require() of @pme/core and an adapter, a ZSTD-compressed encrypted file
// written and read back (zstd loads on the first write), and a typed error from the adapter that
// core's PmeError recognises by instanceof (one shared copy) and by its brand.
const assert = require('node:assert/strict')
const { rmSync } = require('node:fs')
const core = require('@pme/core')
const aws = require('@pme/kms-aws')

async function main() {
  const key = new Uint8Array(16).fill(9)
  const columns = [{ name: 'n', data: Int32Array.from([1, 2, 3]), type: 'INT32', nullable: false }]
  await core.writeParquet('require-check.parquet', { columns }, { codec: 'ZSTD', encryption: { footerKey: { key } } })
  const rows = await core.readParquet('require-check.parquet', { footerKey: key })
  assert.deepEqual(rows, [{ n: 1 }, { n: 2 }, { n: 3 }])
  rmSync('require-check.parquet')

  assert.equal(typeof aws.createKmsClientFactory, 'function')
  let error
  try {
    await aws.createKmsClientFactory({ encryptionContext: 'not json' })
  } catch (caught) {
    error = caught
  }
  assert.ok(core.PmeError.is(error), `expected a PmeError, got ${error}`)
  assert.ok(error instanceof core.PmeError, 'the adapter and this script share one @pme/core')
  assert.equal(error.code, 'PME_USAGE')
  console.log(`require(): core and kms-aws work from CommonJS (${error.name}: ${error.message})`)
}

main().catch((error) => {
  console.error(error)
  process.exitCode = 1
})
