import { readFileSync, statSync } from 'node:fs'
import { UsageError } from '../errors.js'

const ENV_REFERENCE = /^\$env:([A-Za-z_][A-Za-z0-9_]*)$/
const FILE_REFERENCE = /^\$file:(.+)$/

/** A secret file is a token or a key list: anything larger is the wrong file. */
const MAX_SECRET_FILE_BYTES = 1024 * 1024

/**
 * A secret file's contents, surrounding white space (the final line feed) removed. Messages name
 * `where` and the path, never what the file holds; an empty file is an error, never an empty secret.
 */
export function readSecretFile(path: string, where: string): string {
  let text: string
  try {
    if (statSync(path).size > MAX_SECRET_FILE_BYTES) {
      throw new UsageError(`${where}: the file ${path} is larger than 1 MiB, not a secret`)
    }
    text = readFileSync(path, 'utf8')
  } catch (error) {
    if (error instanceof UsageError) throw error
    throw new UsageError(`${where}: cannot read the file ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`)
  }
  const secret = text.trim()
  if (secret === '') throw new UsageError(`${where}: the file ${path} is empty`)
  return secret
}

/**
 * A configured value: as written, or read from where it points. `"$env:NAME"` is the environment
 * variable NAME, `"$file:/path"` the file's contents (for secrets mounted as files, Kubernetes and
 * Docker secrets). An unset variable or an unreadable file is an error naming `where`.
 */
export function resolveSecretReference(raw: string, where: string, env: NodeJS.ProcessEnv = process.env): string {
  const file = FILE_REFERENCE.exec(raw)
  if (file?.[1]) return readSecretFile(file[1], where)
  const variable = ENV_REFERENCE.exec(raw)?.[1]
  if (!variable) return raw
  const value = env[variable]
  if (value === undefined || value === '') {
    throw new UsageError(`${where} is read from the environment variable ${variable}, which is not set`)
  }
  return value
}
