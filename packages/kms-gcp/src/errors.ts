import { KmsAccessDeniedError, KmsError, KmsKeyNotFoundError, KmsUnavailableError, type PmeError } from '@pme/core'

/** gRPC status codes (google.rpc.Code) that the mapping uses. */
export const Code = {
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
} as const

const NAMES: Record<number, string> = Object.fromEntries(Object.entries(Code).map(([name, code]) => [code, name]))

/** A response whose CRC32C checks failed: Google's advice is to discard it and retry a few times. */
export class ChecksumMismatch extends Error {
  constructor(what: string) {
    super(`CRC32C check failed: ${what}`)
    this.name = 'ChecksumMismatch'
  }
}

/** What the client rejects with: a GoogleError / grpc ServiceError (numeric `code`), or anything else. */
interface GrpcErrorShape {
  code?: number | string
  details?: string
  message?: string
  name?: string
}

function shape(error: unknown): GrpcErrorShape {
  return typeof error === 'object' && error !== null ? (error as GrpcErrorShape) : { message: String(error) }
}

const TRANSIENT = new Set<number>([
  Code.UNAVAILABLE,
  Code.DEADLINE_EXCEEDED,
  Code.RESOURCE_EXHAUSTED,
  Code.INTERNAL,
  Code.ABORTED,
])

/** Unavailable, timed out, throttled (RESOURCE_EXHAUSTED), internal errors, CRC32C mismatches: worth another try. */
export function isTransient(error: unknown): boolean {
  if (error instanceof ChecksumMismatch) return true
  const { code } = shape(error)
  return typeof code === 'number' && TRANSIENT.has(code)
}

/** `PERMISSION_DENIED: <first line of the details>`, short; bearer tokens masked. */
export function safeReason(error: unknown): string {
  const e = shape(error)
  if (error instanceof ChecksumMismatch) return error.message
  const name = typeof e.code === 'number' ? (NAMES[e.code] ?? `gRPC status ${e.code}`) : (e.name ?? 'Error')
  const text = (e.details || e.message || '').split('\n')[0]?.trim() ?? ''
  const masked = text
    .replace(/^\d+ [A-Z_]+: /, '')
    .replace(/(bearer\s+)\S+/gi, '$1***')
    .replace(/\bya29\.[\w.-]+/g, 'ya29.***')
    .slice(0, 200)
  return masked ? `${name}: ${masked}` : name
}

/**
 * Maps what a Cloud KMS call threw to the typed errors of @pme/core. `operation` names the call
 * ("wrap with master key projects/.../cryptoKeys/k"); no key bytes or tokens reach a message.
 * Note: Cloud KMS answers PERMISSION_DENIED ("... (or it may not exist)") for a key the caller
 * may not see, so a missing key can surface as KmsAccessDeniedError.
 */
export function mapGcpError(error: unknown, operation: string): PmeError {
  const { code } = shape(error)
  const reason = safeReason(error)
  if (code === Code.NOT_FOUND) return new KmsKeyNotFoundError(`GCP KMS: ${operation}: key not found (${reason})`)
  if (code === Code.PERMISSION_DENIED || code === Code.UNAUTHENTICATED) {
    return new KmsAccessDeniedError(`GCP KMS: ${operation}: access denied (${reason})`)
  }
  if (isTransient(error)) return new KmsUnavailableError(`GCP KMS unavailable: ${operation} failed (last: ${reason})`)
  if (/Could not load the default credentials/i.test(shape(error).message ?? '')) {
    return new KmsError(
      `GCP KMS: ${operation}: no Google credentials found (run \`gcloud auth application-default login\`, set GOOGLE_APPLICATION_CREDENTIALS, or the keyFilename setting)`,
    )
  }
  return new KmsError(`GCP KMS: ${operation} failed (${reason})`)
}
