import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { masterKeyIdOf, READERS } from './privileges.js'

/** The KMS configuration the dataset folder keeps, for `pme kms serve --config` after the demo. */
export const CONFIG_NAME = 'pme.config.json'

/** The `server` section of pme.config.json: one master key per level, the level names as tokens. */
function serverSection(masterKeys: ReadonlyMap<string, Uint8Array>): object {
  const keys: Record<string, string[]> = {}
  const tokens: Record<string, string> = {}
  for (const { level, token } of READERS) {
    keys[level] = [masterKeyIdOf(level)]
    if (token !== undefined) tokens[level] = token
  }
  const list = [...masterKeys].map(([id, key]) => `${id}: ${Buffer.from(key).toString('base64')}`).join(', ')
  return { masterKeys: list, privileges: { levels: { keys, tokens } } }
}

/**
 * Writes `<folder>/pme.config.json`: the demo's master keys and levels, readable by the owner only.
 * Demo keys on disk, as the seed's server holds them: deleting the folder destroys them.
 */
export async function writeDemoConfig(folder: string, masterKeys: ReadonlyMap<string, Uint8Array>): Promise<string> {
  const path = join(folder, CONFIG_NAME)
  await writeFile(path, `${JSON.stringify({ server: serverSection(masterKeys) }, null, 2)}\n`, { mode: 0o600 })
  return path
}
