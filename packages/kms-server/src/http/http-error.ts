/** The error codes of the API (README, OpenAPI document): stable, for programs to branch on. */
export type ApiErrorCode =
  | 'invalid_request'
  | 'invalid_key'
  | 'invalid_master_key_id'
  | 'invalid_wrapped_key'
  | 'token_required'
  | 'unknown_token'
  | 'access_denied'
  | 'too_many_failures'
  | 'backend_access_denied'
  | 'key_not_found'
  | 'not_found'
  | 'method_not_allowed'
  | 'body_too_large'
  | 'unsupported_media_type'
  | 'internal_error'
  | 'backend_error'
  | 'kms_unavailable'

/**
 * A refusal with its HTTP status, sent as `{"error": {"code", "message"}}`. Messages name master key
 * ids and operations, never key bytes, wrapped keys or tokens.
 */
export class HttpError extends Error {
  readonly status: number
  readonly code: ApiErrorCode
  readonly headers: Readonly<Record<string, string>>
  /** For the log line only, never sent: what lay behind it (a backend error's code, an exception's name). */
  readonly logDetail: string | undefined

  constructor(
    status: number,
    code: ApiErrorCode,
    message: string,
    options: { headers?: Record<string, string>; logDetail?: string } = {},
  ) {
    super(message)
    this.name = 'HttpError'
    this.status = status
    this.code = code
    this.headers = options.headers ?? {}
    this.logDetail = options.logDetail
  }
}
