"""The client's settings: the connection's URL and token, and custom_kms_conf (the same names as the
Java client's Hadoop properties)."""

import re
from urllib.parse import urlsplit

CA_FILE = "pme.kms.tls.ca.file"
TIMEOUT_MS = "pme.kms.request.timeout.ms"
RETRY_ATTEMPTS = "pme.kms.retry.attempts"
RETRY_BASE_DELAY_MS = "pme.kms.retry.base.delay.ms"
RETRY_MAX_DELAY_MS = "pme.kms.retry.max.delay.ms"

# (default, min, max)
_NUMBERS = {
    TIMEOUT_MS: (10_000, 1, 600_000),
    RETRY_ATTEMPTS: (4, 1, 20),
    RETRY_BASE_DELAY_MS: (100, 0, 60_000),
    RETRY_MAX_DELAY_MS: (2_000, 0, 600_000),
}
_KNOWN = set(_NUMBERS) | {CA_FILE}
# pyarrow's and parquet-java's "no value" for the URL and the token.
_DEFAULT = "DEFAULT"
_HEADER_SAFE = re.compile(r"^[\x21-\x7e]+$")


class Settings:
    def __init__(self, kms_instance_url, key_access_token, custom_kms_conf):
        self.base_url = _base_url(kms_instance_url)
        token = key_access_token or ""
        # None: no x-api-key header, the anonymous (PUBLIC) caller.
        self.token = None if token in ("", _DEFAULT) else _checked_token(token)
        conf = dict(custom_kms_conf or {})
        unknown = sorted(name for name in conf if name.startswith("pme.") and name not in _KNOWN)
        if unknown:
            raise ValueError(f"pme KMS: unknown setting {unknown[0]!r} in custom_kms_conf")
        self.ca_file = conf.get(CA_FILE) or None
        self.timeout_ms, self.attempts, self.base_delay_ms, self.max_delay_ms = (
            _number(conf, name) for name in (TIMEOUT_MS, RETRY_ATTEMPTS, RETRY_BASE_DELAY_MS, RETRY_MAX_DELAY_MS)
        )


def _base_url(url):
    if not url or url == _DEFAULT:
        raise ValueError(
            "pme KMS: set kms_instance_url to the URL of `pme kms serve` (e.g. https://kms.example:8001)"
        )
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("pme KMS: kms_instance_url must be an http or https URL with a host")
    if parts.username or parts.password or parts.query or parts.fragment:
        raise ValueError(
            "pme KMS: kms_instance_url may not hold credentials, a query or a fragment "
            "(the token goes in key_access_token)"
        )
    return url.rstrip("/")


def _checked_token(token):
    if not _HEADER_SAFE.match(token):
        raise ValueError(
            "pme KMS: the access token holds a character that cannot be sent in the x-api-key header "
            "(a space, a control character or non-ASCII)"
        )
    return token


def _number(conf, name):
    default, low, high = _NUMBERS[name]
    raw = str(conf.get(name, "")).strip()
    if raw == "":
        return default
    if re.fullmatch(r"\d+", raw) and low <= int(raw) <= high:
        return int(raw)
    raise ValueError(f"pme KMS: {name} must be a whole number from {low} to {high}, got {raw!r}")
