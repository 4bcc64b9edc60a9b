"""The errors of the client. Messages name the server, the operation, the master key id and the
server's error code; never a key, a wrapped key or the token."""


class KmsError(Exception):
    """A wrap or unwrap failed. `master_key_id`, `status` (HTTP, or None) and `code` (the server's
    error code, or None) tell which and why."""

    def __init__(self, message, master_key_id=None, status=None, code=None):
        super().__init__(message)
        self.master_key_id = master_key_id
        self.status = status
        self.code = code


class KmsAccessDeniedError(KmsError):
    """The server refused the caller: HTTP 401 (token_required, unknown_token) or 403 (access_denied,
    backend_access_denied)."""


class KmsUnavailableError(KmsError):
    """No usable answer after every attempt: refused or reset connections, timeouts, HTTP 429 or 5xx."""
