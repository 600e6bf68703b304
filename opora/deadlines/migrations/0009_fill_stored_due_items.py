from django.db import migrations


def fill(apps, schema_editor):
    # The engine is code, not a historical model: the rows are worked out by the same functions the signals
    # call (``manage.py sync_due_items`` does the same at any later time).
    from opora.deadlines.stored import sync_organisation

    sync_organisation(None)


class Migration(migrations.Migration):
    dependencies = [
        ("deadlines", "0008_stored_due_items"),
        ("cases", "0006_intake_corrections_and_links"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
