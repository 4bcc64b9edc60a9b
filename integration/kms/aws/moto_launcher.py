"""moto server for the pme KMS suites, with two documented adjustments to stock moto.

Usage: python moto_launcher.py -H 127.0.0.1 -p <port>   (the same arguments as `moto_server`)

1. Decrypt with a KeyId that is not the key the ciphertext was made with: AWS KMS answers
   IncorrectKeyException; moto 5.2 answers AccessDeniedException (with no message). The patch
   makes moto answer as AWS does, so the suites check the adapter against AWS's behaviour.
2. IAM auth mode (enabled by the harness through POST /moto-api/reset-auth) checks which IAM user
   an access key belongs to and that user's policies, but the SigV4 signature check is skipped: the
   suites' fault-injecting proxy forwards requests with its own Host header, which would break a
   signature made for the proxy's address. Authorization, not signing, is what the suites test.

Nothing else is changed; every other answer is moto's own.

The launcher also exits when the process that started it is gone (a test worker killed hard),
so no emulator outlives its test run.
"""

import os
import sys
import threading
import time

from moto.core.exceptions import JsonRESTError
from moto.iam.access_control import IAMRequest
from moto.kms.models import KmsBackend
from moto.server import main


class IncorrectKeyException(JsonRESTError):
    code = 400

    def __init__(self) -> None:
        super().__init__(
            "IncorrectKeyException",
            "The key ID in the request does not identify a KMS key that can perform this operation.",
        )


_stock_decrypt = KmsBackend.decrypt


def _decrypt(self, ciphertext_blob, encryption_context, key_id=None):  # type: ignore[no-untyped-def]
    plaintext, arn = _stock_decrypt(self, ciphertext_blob, encryption_context, None)
    if key_id is not None and self.any_id_to_key_id(key_id) != self.any_id_to_key_id(arn):
        raise IncorrectKeyException()
    return plaintext, arn


def _check_signature(self) -> None:  # noqa: ARG001 - see point 2 above
    return None


KmsBackend.decrypt = _decrypt  # type: ignore[method-assign]
IAMRequest.check_signature = _check_signature  # type: ignore[method-assign]


def _exit_with_parent() -> None:
    parent = os.getppid()
    while True:
        time.sleep(1)
        if os.getppid() != parent:
            os._exit(0)


if __name__ == "__main__":
    threading.Thread(target=_exit_with_parent, daemon=True).start()
    main(sys.argv[1:])
