"""The end of general-access use (ЗСУ чл. 12, 2 months from acceptance): a new time limit, given to every existing
organisation at its default as ``0006`` did. Written out, not imported (see ``0002``)."""

from typing import Any

from django.db import migrations, models


def seed(apps: Any, schema_editor: Any) -> None:
    Organisation = apps.get_model("organisation", "Organisation")
    DeadlineRule = apps.get_model("deadlines", "DeadlineRule")
    for organisation in Organisation.objects.all():
        DeadlineRule.objects.get_or_create(
            organisation=organisation,
            code="general_access_use",
            defaults={"amount": 2, "counts_from": "case_accepted"},
        )


class Migration(migrations.Migration):
    dependencies = [
        ("deadlines", "0006_default_grace_of_immediate_tasks"),
    ]

    operations = [
        migrations.AlterField(
            model_name="deadlinerule",
            name="code",
            field=models.CharField(
                choices=[
                    ("needs_assessment", "Needs assessment"),
                    ("support_plan", "Individual support plan"),
                    ("plan_review", "Review of the support plan"),
                    ("reassessment", "Reassessment of needs"),
                    ("foster_family_assessment", "Assessment of a foster-family candidate"),
                    ("notify_child_alone", "Notification of a child who asked for support alone"),
                    ("notify_urgent_crisis", "Notification of an urgent crisis"),
                    ("violence_coordination", "Coordination on a violence signal"),
                    ("general_access_use", "End of the use of a general-access service"),
                ],
                max_length=40,
                verbose_name="time limit",
            ),
        ),
        migrations.RunPython(seed, migrations.RunPython.noop),
    ]
