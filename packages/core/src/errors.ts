/** Where in a file an error happened. Every field is optional: fill what is known. */
export interface ErrorLocation {
  file?: string
  rowGroup?: number
  column?: string
  module?: string
  page?: number
}

export type PmeErrorCode =
  | 'PME_INTEGRITY'
  | 'PME_MISSING_KEY'
  | 'PME_INVALID_KEY'
  | 'PME_AAD_PREFIX'
  | 'PME_UNSUPPORTED'
  | 'PME_MALFORMED'
  | 'PME_NOT_ENCRYPTED'
  | 'PME_USAGE'
  | 'PME_KMS'
  | 'PME_KMS_ACCESS_DENIED'
  | 'PME_KMS_KEY_NOT_FOUND'
  | 'PME_KMS_KEY_DISABLED'
  | 'PME_KMS_UNAVAILABLE'

function describe(location: ErrorLocation): string {
  const parts: string[] = []
  if (location.file !== undefined) parts.push(`file ${location.file}`)
  if (location.rowGroup !== undefined) parts.push(`row group ${location.rowGroup}`)
  if (location.column !== undefined) parts.push(`column ${location.column}`)
  if (location.module !== undefined) parts.push(`module ${location.module}`)
  if (location.page !== undefined) parts.push(`page ${location.page}`)
  return parts.join(', ')
}

/** Marks PmeErrors of every copy of the package alike (Symbol.for returns one symbol per key, process-wide). */
const BRAND = Symbol.for('@pme/core.PmeError')

/**
 * Base class of every error this library throws on purpose. `code` is stable; the message says
 * what failed and where. Messages never contain key bytes.
 */
export class PmeError extends Error {
  /**
   * True for a PmeError from any copy of this package. `instanceof` sees only its own copy's class, and
   * an application can hold two (two versions of @pme/core, or a bundled one): the brand is shared
   * through the global symbol registry.
   */
  static is(value: unknown): value is PmeError {
    return typeof value === 'object' && value !== null && (value as { [BRAND]?: unknown })[BRAND] === true
  }

  static {
    Object.defineProperty(PmeError.prototype, BRAND, { value: true })
  }

  readonly code: PmeErrorCode
  /** What failed, without the location. */
  readonly detail: string
  readonly location: ErrorLocation

  constructor(code: PmeErrorCode, detail: string, location: ErrorLocation = {}) {
    const where = describe(location)
    super(where ? `${detail} (${where})` : detail)
    this.name = new.target.name
    this.code = code
    this.detail = detail
    this.location = location
  }

  /** The same error with more location filled in (inner layers know less than outer ones). */
  at(location: ErrorLocation): PmeError {
    const Ctor = this.constructor as new (detail: string, location: ErrorLocation) => PmeError
    return new Ctor(this.detail, { ...location, ...this.location })
  }
}

/** A module failed authentication: the data was tampered with, or the key is wrong. */
export class IntegrityError extends PmeError {
  constructor(message: string, location: ErrorLocation = {}) {
    super('PME_INTEGRITY', message, location)
  }
}

/** No key was supplied (or retrievable) for a footer or column that needs one. */
export class MissingKeyError extends PmeError {
  constructor(message: string, location: ErrorLocation = {}) {
    super('PME_MISSING_KEY', message, location)
  }
}

/** A key of the wrong length or form. */
export class InvalidKeyError extends PmeError {
  constructor(message: string, location: ErrorLocation = {}) {
    super('PME_INVALID_KEY', message, location)
  }
}

/** The AAD prefix is required but missing, or differs from the one stored in the file. */
export class AadPrefixError extends PmeError {
  constructor(message: string, location: ErrorLocation = {}) {
    super('PME_AAD_PREFIX', message, location)
  }
}

/** An encryption algorithm or feature this implementation does not support. */
export class UnsupportedError extends PmeError {
  constructor(message: string, location: ErrorLocation = {}) {
    super('PME_UNSUPPORTED', message, location)
  }
}

/** The bytes are not a well-formed (encrypted) Parquet file. */
export class MalformedFileError extends PmeError {
  constructor(message: string, location: ErrorLocation = {}) {
    super('PME_MALFORMED', message, location)
  }
}

/** An operation that needs an encrypted file was given a plaintext one. */
export class NotEncryptedError extends PmeError {
  constructor(message: string, location: ErrorLocation = {}) {
    super('PME_NOT_ENCRYPTED', message, location)
  }
}

/** The caller passed options that contradict each other or are incomplete. */
export class UsageError extends PmeError {
  constructor(message: string, location: ErrorLocation = {}) {
    super('PME_USAGE', message, location)
  }
}

/** A KMS call failed: unreachable, throttled, unknown master key, malformed wrapped key... */
export class KmsError extends PmeError {
  constructor(message: string, location: ErrorLocation = {}) {
    super('PME_KMS', message, location)
  }
}

/** The KMS refused the call: the access token may not use this master key. */
export class KmsAccessDeniedError extends PmeError {
  constructor(message: string, location: ErrorLocation = {}) {
    super('PME_KMS_ACCESS_DENIED', message, location)
  }
}

/** The KMS does not know the master key (id, ARN, alias or name). */
export class KmsKeyNotFoundError extends PmeError {
  constructor(message: string, location: ErrorLocation = {}) {
    super('PME_KMS_KEY_NOT_FOUND', message, location)
  }
}

/**
 * The KMS has the master key but will not use it in its present state: disabled, scheduled for
 * deletion, awaiting its key material. Retrying does not help; enabling the key (or using another) does.
 */
export class KmsKeyDisabledError extends PmeError {
  constructor(message: string, location: ErrorLocation = {}) {
    super('PME_KMS_KEY_DISABLED', message, location)
  }
}

/** The KMS could not be reached or kept failing (refused, 5xx, throttled, timed out) after the retries. */
export class KmsUnavailableError extends PmeError {
  constructor(message: string, location: ErrorLocation = {}) {
    super('PME_KMS_UNAVAILABLE', message, location)
  }
}
