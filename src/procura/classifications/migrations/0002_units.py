"""The units of measure every database has: UN/CEFACT Recommendation 20 codes and their names.

The list is written out here, not imported, so this migration does the same thing forever.
Codes already present keep their row; a later migration adds more.
"""

import uuid

from django.db import migrations

UNITS = [
    ("C62", "unit (one)"),
    ("H87", "piece"),
    ("SET", "set"),
    ("PR", "pair"),
    ("BX", "box"),
    ("E48", "service unit"),
    ("LS", "lump sum"),
    ("GRM", "gram"),
    ("KGM", "kilogram"),
    ("TNE", "tonne (metric ton)"),
    ("MLT", "millilitre"),
    ("LTR", "litre"),
    ("MTR", "metre"),
    ("KMT", "kilometre"),
    ("MTK", "square metre"),
    ("MTQ", "cubic metre"),
    ("HUR", "hour"),
    ("DAY", "day"),
    ("WEE", "week"),
    ("MON", "month"),
    ("ANN", "year"),
    ("KWH", "kilowatt hour"),
    ("MWH", "megawatt hour"),
]


def add_units(apps, schema_editor):  # type: ignore[no-untyped-def]
    Unit = apps.get_model("classifications", "Unit")
    existing = set(Unit.objects.values_list("code", flat=True))
    Unit.objects.bulk_create(
        [Unit(id=uuid.uuid4(), code=code, name=name) for code, name in UNITS if code not in existing]
    )


def remove_units(apps, schema_editor):  # type: ignore[no-untyped-def]
    apps.get_model("classifications", "Unit").objects.filter(code__in=[code for code, _ in UNITS]).delete()


class Migration(migrations.Migration):
    dependencies = [("classifications", "0001_initial")]
    operations = [migrations.RunPython(add_units, remove_units)]
