"""One notification per item and person (and per moment: due soon, overdue) instead of one per day."""

from typing import Any

from django.conf import settings
from django.db import migrations, models


def keep_the_first_of_each_item(apps: Any, schema_editor: Any) -> None:
    """The daily repeats of an item say again what its first notification said: keep the first, which was
    the one the person was e-mailed first, and drop the repeats so that the new constraint holds."""
    notification = apps.get_model("deadlines", "Notification")
    seen: set[tuple[int, str]] = set()
    repeats: list[int] = []
    for pk, user_id, key in notification.objects.order_by("pk").values_list("pk", "user_id", "item_key"):
        if (user_id, key) in seen:
            repeats.append(pk)
        seen.add((user_id, key))
    for start in range(0, len(repeats), 500):
        notification.objects.filter(pk__in=repeats[start : start + 500]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("deadlines", "0003_deadline_rule_edit_version"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="notification", name="notification_once_per_item_per_day"),
        migrations.AddField(
            model_name="notification",
            name="is_overdue",
            field=models.BooleanField(default=False, editable=False, verbose_name="overdue"),
        ),
        migrations.RunPython(keep_the_first_of_each_item, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="notification",
            constraint=models.UniqueConstraint(
                fields=("user", "item_key", "is_overdue"), name="notification_once_per_item_and_person"
            ),
        ),
    ]
