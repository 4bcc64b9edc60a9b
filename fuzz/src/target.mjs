import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { decryptFile, encryptFile, ParquetFile, PmeError, readParquet, readParquetRowGroups } from '@pme/core'
import { decryptionProperties, FOOTER_KEY } from './keys.mjs'

/*
 * One fuzz input through the library's read paths. The outcome is "ok", the code of a typed error,
 * or "untyped" with the error: the only failure a damaged file may cause is a PmeError.
 */
const ascii = (text) => new TextEncoder().encode(text)

const reencryption = { footerKey: { key: FOOTER_KEY, keyMetadata: ascii('kf') }, algorithm: 'AES_GCM_CTR_V1' }

/**
 * Decrypts (or encrypts a plain file) into a fresh folder, which must hold only the output after,
 * success or failure: anything else left there fails the input, whatever error the rewrite raised.
 */
async function rewrite(bytes, props) {
  const dir = mkdtempSync(join(tmpdir(), 'pme-fuzz-'))
  const output = join(dir, 'out.parquet')
  const failure = await (async () => {
    const file = await ParquetFile.open(bytes, props, { name: 'input' })
    if (file.encryption) await decryptFile(bytes, output, { ...props, name: 'input' })
    else await encryptFile(bytes, output, reencryption, { name: 'input' })
  })().then(
    () => undefined,
    (error) => error,
  )
  const left = readdirSync(dir).filter((name) => name !== 'out.parquet')
  rmSync(dir, { recursive: true, force: true })
  if (left.length > 0) throw new Error(`left behind after the rewrite: ${left.join(', ')}`)
  if (failure) throw failure
}

/** The read path `variant` (0..3) picks: full read, unsigned footer, projection, or rewrite. */
async function exercise(bytes, variant) {
  const props = decryptionProperties()
  switch (variant) {
    case 0:
      await readParquet(bytes, { ...props, name: 'input' })
      return
    case 1: {
      const file = await ParquetFile.open(bytes, { ...props, checkFooterSignature: false }, { name: 'input' })
      await readParquet(file)
      return
    }
    case 2: {
      const file = await ParquetFile.open(bytes, props, { name: 'input' })
      const first = file.leaves[0]?.path[0]
      for await (const _ of readParquetRowGroups(file, { columns: first === undefined ? [] : [first] })) {
        // each row group is decoded; the rows themselves do not matter here
      }
      return
    }
    default:
      await rewrite(bytes, props)
  }
}

export async function runInput(bytes, variant) {
  try {
    await exercise(bytes, variant)
    return { outcome: 'ok' }
  } catch (error) {
    if (error instanceof PmeError) return { outcome: error.code }
    const stack = String(error?.stack ?? error)
      .split('\n')
      .slice(0, 6)
      .join('\n')
    return { outcome: 'untyped', error: stack }
  }
}
