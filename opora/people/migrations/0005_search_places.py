from django.db import migrations

# A name with a settlement ("Мария Иванова Пловдив") is asked of one GIN index over the key's words and a word
# for the settlement, instead of reading the settlement's people (330,000 in a big city at a million children)
# through its B-tree for the name. The same statement as opora.people.search_index.PG_PLACES_INDEX.
PLACES_INDEX = (
    "CREATE INDEX IF NOT EXISTS people_person_search_places ON people_person USING gin "
    "((string_to_array(people_person.search_key, ' ') || ('#' || COALESCE(people_person.settlement_id, 0)::text)))"
)


def places_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PLACES_INDEX)


def no_places_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS people_person_search_places")


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0004_search_words"),
    ]

    operations = [
        migrations.RunPython(places_index, no_places_index),
    ]
