"""PmeHttpKmsClient: pyarrow's KmsClient over pme's HTTP KMS API, with the standard library's HTTP."""

import base64
import binascii
import http.client
import json
import random
import re
import ssl
import time
import urllib.error
import urllib.request
from urllib.parse import quote

import pyarrow.parquet.encryption as pe

from .errors import KmsAccessDeniedError, KmsError, KmsUnavailableError
from .settings import CA_FILE, Settings

_CODE = re.compile(r"^[a-z_]{1,40}$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A KMS answer is never a redirect, and the token must not follow one to another host: a 3xx is
    returned as it is (and fails as an unexpected answer)."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


class _Transient(Exception):
    """No answer, a timeout, HTTP 429 or 5xx: worth another attempt. Holds what happened, for the message."""


class PmeHttpKmsClient(pe.KmsClient):
    """A pyarrow KmsClient for `pme kms serve`:
    ``pe.CryptoFactory(lambda config: PmeHttpKmsClient(config))``.

    wrap_key is ``POST <url>/v1/keys/<id>/wrap {"key": base64}``, unwrap_key is
    ``POST <url>/v1/keys/<id>/unwrap {"wrappedKey": ...}``. The URL is the config's kms_instance_url,
    the token its key_access_token, sent as x-api-key (none for "DEFAULT": the PUBLIC caller).
    custom_kms_conf may hold pme.kms.tls.ca.file (a PEM file of CA certificates to trust instead of
    the system's), pme.kms.request.timeout.ms (10000), pme.kms.retry.attempts (4),
    pme.kms.retry.base.delay.ms (100) and pme.kms.retry.max.delay.ms (2000).

    Refusals (HTTP 401, 403) raise KmsAccessDeniedError; other failures KmsError, or
    KmsUnavailableError once the retries are spent.
    """

    def __init__(self, config):
        super().__init__()
        self._settings = Settings(config.kms_instance_url, config.key_access_token, config.custom_kms_conf)
        tls = ssl.create_default_context(cafile=self._settings.ca_file) if self._settings.ca_file else None
        self._opener = urllib.request.build_opener(_NoRedirect, urllib.request.HTTPSHandler(context=tls))

    def wrap_key(self, key_bytes, master_key_identifier):
        body = {"key": base64.b64encode(bytes(key_bytes)).decode("ascii")}
        return self._field(self._call("wrap", master_key_identifier, body), "wrappedKey", "wrap", master_key_identifier)

    def unwrap_key(self, wrapped_key, master_key_identifier):
        answer = self._call("unwrap", master_key_identifier, {"wrappedKey": wrapped_key})
        encoded = self._field(answer, "key", "unwrap", master_key_identifier)
        try:
            key = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            raise self._unexpected("unwrap", master_key_identifier) from None
        if len(key) not in (16, 24, 32):
            raise self._unexpected("unwrap", master_key_identifier)
        return key

    def _what(self, operation, master_key_id):
        return f'pme KMS {self._settings.base_url}: {operation} with master key "{master_key_id}"'

    def _unexpected(self, operation, master_key_id):
        return KmsError(f"{self._what(operation, master_key_id)} returned an unexpected answer", master_key_id)

    def _field(self, answer, name, operation, master_key_id):
        value = answer.get(name) if isinstance(answer, dict) else None
        if not isinstance(value, str) or value == "":
            raise self._unexpected(operation, master_key_id)
        return value

    def _call(self, operation, master_key_id, body):
        if not master_key_id:
            raise KmsError("pme KMS: the master key id is empty")
        what = self._what(operation, master_key_id)
        url = f"{self._settings.base_url}/v1/keys/{quote(master_key_id, safe='')}/{operation}"
        data = json.dumps(body).encode("utf-8")
        last = None
        for attempt in range(1, self._settings.attempts + 1):
            if attempt > 1:
                self._backoff(attempt - 1)
            try:
                status, answer = self._post(url, data, what)
            except _Transient as transient:
                last = str(transient)
                continue
            if status == 200:
                return answer
            code = _code(answer)
            if status == 429 or status >= 500:
                last = f"HTTP {status}{' ' + code if code else ''}"
                continue
            raise self._failure(status, code, answer, what, master_key_id)
        raise KmsUnavailableError(
            f"{what} failed: KMS unavailable, {self._settings.attempts} attempts (last: {last})", master_key_id
        )

    def _post(self, url, data, what):
        headers = {"content-type": "application/json", "accept": "application/json"}
        if self._settings.token is not None:
            headers["x-api-key"] = self._settings.token
        request = urllib.request.Request(url, data=data, headers=headers, method="POST")
        try:
            with self._opener.open(request, timeout=self._settings.timeout_ms / 1000) as answer:
                return answer.status, _json(answer.read())
        except urllib.error.HTTPError as error:
            return error.code, _json(error.read())
        except urllib.error.URLError as error:
            if isinstance(error.reason, ssl.SSLError):
                # A certificate that does not verify is not worth a retry.
                raise KmsError(
                    f"{what} failed: TLS ({error.reason}); a private CA is trusted through {CA_FILE}"
                ) from None
            raise _Transient(type(error.reason).__name__) from None
        except (OSError, http.client.HTTPException) as error:
            # Timeouts, resets, a connection cut mid-answer: no usable answer.
            raise _Transient(type(error).__name__) from None

    def _failure(self, status, code, answer, what, master_key_id):
        suffix = f" {code}" if code else ""
        if status in (401, 403):
            return KmsAccessDeniedError(f"{what} refused (HTTP {status}{suffix})", master_key_id, status, code)
        if status == 404 and code == "key_not_found":
            return KmsError(f"{what}: no such master key (HTTP 404 key_not_found)", master_key_id, status, code)
        if status == 404 and not code:
            return KmsError(f"{what}: no pme KMS API at this URL (HTTP 404)", master_key_id, status, code)
        return KmsError(f"{what} failed (HTTP {status}{suffix}{self._message(answer)})", master_key_id, status, code)

    def _message(self, answer):
        """": <server message>", control characters out, cut at 200, the token removed if echoed."""
        error = answer.get("error") if isinstance(answer, dict) else None
        message = error.get("message") if isinstance(error, dict) else None
        if not isinstance(message, str):
            return ""
        clean = _CONTROL.sub(" ", message)
        if self._settings.token:
            clean = clean.replace(self._settings.token, "<token>")
        return ": " + (clean[:200] + "..." if len(clean) > 200 else clean)

    def _backoff(self, retry):
        """Exponential backoff with full jitter: a random wait up to min(max, base * 2^(retry-1))."""
        ceiling = min(self._settings.max_delay_ms, self._settings.base_delay_ms * 2 ** min(retry - 1, 20))
        time.sleep(random.uniform(0, ceiling) / 1000)


def _json(raw):
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None


def _code(answer):
    error = answer.get("error") if isinstance(answer, dict) else None
    code = error.get("code") if isinstance(error, dict) else None
    return code if isinstance(code, str) and _CODE.match(code) else None
