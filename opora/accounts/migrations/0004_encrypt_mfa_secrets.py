"""Encrypts the TOTP secrets and recovery-code seeds stored in the clear before OporaMFAAdapter."""

from django.db import migrations

from opora.core import crypto

_SECRET_FIELDS = ("secret", "seed")


def _is_encrypted(value: str) -> bool:
    try:
        crypto.decrypt(value)
    except crypto.DecryptionError:
        return False
    return True


def encrypt_secrets(apps, schema_editor) -> None:  # type: ignore[no-untyped-def]
    Authenticator = apps.get_model("mfa", "Authenticator")
    for authenticator in Authenticator.objects.filter(type__in=["totp", "recovery_codes"]):
        changed = False
        for field in _SECRET_FIELDS:
            value = authenticator.data.get(field)
            if isinstance(value, str) and not _is_encrypted(value):
                authenticator.data[field] = crypto.encrypt(value)
                changed = True
        if changed:
            authenticator.save(update_fields=["data"])


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_used_totp_code"), ("mfa", "0003_authenticator_type_uniq")]

    operations = [migrations.RunPython(encrypt_secrets, migrations.RunPython.noop)]
