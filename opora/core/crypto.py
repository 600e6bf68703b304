"""Encryption of identifiers at rest, and the keyed hash that finds them again.

An ЕГН is stored twice: encrypted (Fernet, so only the application with the key can read it) and as
an HMAC digest (so an exact lookup is an index search, without decrypting every row). The keys come
from the environment; MultiFernet lets a new encryption key be added in front of the old ones and
the rows be re-encrypted at leisure.
"""

import hashlib
import hmac
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


class DecryptionError(Exception):
    """The stored value cannot be read with any of the configured keys."""


@cache
def _fernet() -> MultiFernet:
    return MultiFernet([Fernet(key) for key in settings.FIELD_ENCRYPTION_KEYS])


def encrypt(plain: str) -> str:
    return _fernet().encrypt(plain.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken as error:
        raise DecryptionError("the value was encrypted with a key that is not configured") from error


def reencrypt(token: str) -> str:
    """The same value encrypted with the newest key (for key rotation)."""
    return _fernet().rotate(token.encode()).decode()


def lookup_digest(plain: str) -> str:
    """A keyed hash for exact lookup: equal values give equal digests; without the key it reveals nothing."""
    return hmac.new(settings.LOOKUP_HASH_KEY.encode(), plain.encode(), hashlib.sha256).hexdigest()
