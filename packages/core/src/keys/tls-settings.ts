import { readFileSync } from 'node:fs'
import { UsageError } from '../errors.js'
import type { AdapterSettingsDefinition, AdapterSettingsSchema } from './adapter-settings.js'
import type { KmsAdapterSettings } from './kms-adapter.js'

/** The TLS settings of adapters that talk HTTPS themselves (vault, http); spread them into a schema. */
export const TLS_SETTINGS: AdapterSettingsSchema = {
  caFile: {
    type: 'string',
    description: "PEM file of the CA certificates that sign the server's certificate (instead of the system's)",
  },
  clientCertFile: { type: 'string', description: 'PEM file of a client certificate (with clientKeyFile): mutual TLS' },
  clientKeyFile: { type: 'string', description: "PEM file of the client certificate's private key" },
  serverName: {
    type: 'string',
    description: "the name the server's certificate must hold (and SNI), when it is not the URL's host",
  },
}

/** node:tls client options, as https.Agent and undici take them. */
export interface TlsClientOptions {
  readonly ca?: Buffer
  readonly cert?: Buffer
  readonly key?: Buffer
  readonly servername?: string
}

function pemFile(definition: AdapterSettingsDefinition, settings: KmsAdapterSettings, name: string) {
  const path = definition.string(settings, name)
  if (path === undefined) return undefined
  try {
    return readFileSync(path)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error'
    throw new UsageError(`${definition.adapter} setting ${name}: cannot read ${path} (${code})`)
  }
}

/** TLS_SETTINGS read (the files now, once); undefined when none is set. */
export function tlsClientOptions(
  definition: AdapterSettingsDefinition,
  settings: KmsAdapterSettings,
): TlsClientOptions | undefined {
  const ca = pemFile(definition, settings, 'caFile')
  const cert = pemFile(definition, settings, 'clientCertFile')
  const key = pemFile(definition, settings, 'clientKeyFile')
  const servername = definition.string(settings, 'serverName')
  if (Boolean(cert) !== Boolean(key)) {
    throw new UsageError(`${definition.adapter} settings clientCertFile and clientKeyFile go together`)
  }
  const options = { ca, cert, key, servername }
  const given = Object.entries(options).filter(([, value]) => value !== undefined)
  return given.length === 0 ? undefined : Object.fromEntries(given)
}
