"""pme_kms: a pyarrow KmsClient for pme's HTTP KMS (`pme kms serve`)."""

from .client import PmeHttpKmsClient
from .errors import KmsAccessDeniedError, KmsError, KmsUnavailableError
from .settings import CA_FILE, RETRY_ATTEMPTS, RETRY_BASE_DELAY_MS, RETRY_MAX_DELAY_MS, TIMEOUT_MS

__all__ = [
    "CA_FILE",
    "KmsAccessDeniedError",
    "KmsError",
    "KmsUnavailableError",
    "PmeHttpKmsClient",
    "RETRY_ATTEMPTS",
    "RETRY_BASE_DELAY_MS",
    "RETRY_MAX_DELAY_MS",
    "TIMEOUT_MS",
]
