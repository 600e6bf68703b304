"""Give every existing organisation its time limits at their defaults (``opora.deadlines.rules``), so that the
administrator finds them on the settings page and the audit trail shows every later change.

The values are written out here, not imported: a migration must do the same thing whenever it runs, even
after the defaults in code change. An organisation created later has no rows and gets the defaults from the
code until its administrator saves the page.
"""

from typing import Any

from django.db import migrations

DEFAULTS = [
    # (code, period, counts from)
    ("needs_assessment", 20, "case_accepted"),
    ("support_plan", 20, "case_accepted"),
    ("plan_review", 6, "support_started"),
    ("reassessment", 12, "assessment_completed"),
    ("foster_family_assessment", 4, "foster_assessment_started"),
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
    dependencies = [("deadlines", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
