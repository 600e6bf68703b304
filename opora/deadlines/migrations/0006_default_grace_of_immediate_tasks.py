"""Give every existing organisation the grace of the two tasks the law wants done at once (ЗСУ чл. 87 and чл.
77(3)) at its default, as ``0002`` did for the other limits. Written out, not imported (see ``0002``)."""

from typing import Any

from django.db import migrations

DEFAULTS = [
    # (code, period in hours, counts from)
    ("notify_child_alone", 2, "referral_received"),
    ("notify_urgent_crisis", 2, "referral_received"),
]


def seed(apps: Any, schema_editor: Any) -> None:
    Organisation = apps.get_model("organisation", "Organisation")
    DeadlineRule = apps.get_model("deadlines", "DeadlineRule")
    for organisation in Organisation.objects.all():
        for code, amount, counts_from in DEFAULTS:
            DeadlineRule.objects.get_or_create(
                organisation=organisation, code=code, defaults={"amount": amount, "counts_from": counts_from}
            )


class Migration(migrations.Migration):
    dependencies = [("deadlines", "0005_urgent_crisis_notification")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
