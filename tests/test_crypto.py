"""Identifiers at rest: encrypted, found again by a keyed digest, readable after a key rotation."""

import pytest
from cryptography.fernet import Fernet
from django.test import override_settings

from opora.core import crypto


@pytest.fixture(autouse=True)
def _fresh_keys():
    crypto._fernet.cache_clear()
    yield
    crypto._fernet.cache_clear()


def test_an_encrypted_value_reads_back_and_does_not_show_the_plain_text() -> None:
    token = crypto.encrypt("8503150012")
    assert "8503150012" not in token
    assert crypto.decrypt(token) == "8503150012"


def test_encrypting_twice_gives_different_tokens_but_the_same_digest() -> None:
    assert crypto.encrypt("8503150012") != crypto.encrypt("8503150012")
    assert crypto.lookup_digest("8503150012") == crypto.lookup_digest("8503150012")
    assert crypto.lookup_digest("8503150012") != crypto.lookup_digest("8503150013")


def test_the_digest_depends_on_the_key() -> None:
    before = crypto.lookup_digest("8503150012")
    with override_settings(LOOKUP_HASH_KEY="another key of thirty-two characters or more"):
        assert crypto.lookup_digest("8503150012") != before


def test_a_rotated_key_still_reads_old_values_and_rotation_moves_them_to_the_new_key(settings) -> None:
    old_key, new_key = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [old_key]
    crypto._fernet.cache_clear()
    token = crypto.encrypt("8503150012")

    settings.FIELD_ENCRYPTION_KEYS = [new_key, old_key]
    crypto._fernet.cache_clear()
    assert crypto.decrypt(token) == "8503150012"
    rotated = crypto.reencrypt(token)

    settings.FIELD_ENCRYPTION_KEYS = [new_key]
    crypto._fernet.cache_clear()
    assert crypto.decrypt(rotated) == "8503150012"
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(token)
