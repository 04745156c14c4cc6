"""Load Japan's 1,788 local governments. Idempotent: creates only the rows that are missing.
Later updates of the list go through `manage.py load_local_governments --file`."""

from django.db import migrations


def load(apps, schema_editor):
    from municipalities.codes import read_default

    Prefecture = apps.get_model("municipalities", "Prefecture")
    LocalGovernment = apps.get_model("municipalities", "LocalGovernment")
    rows = read_default()
    for row in rows:
        if row.kind == "prefecture":
            Prefecture.objects.get_or_create(
                code=row.prefecture_code, defaults={"name": row.prefecture}
            )
    existing = set(LocalGovernment.objects.values_list("code", flat=True))
    LocalGovernment.objects.bulk_create(
        [
            LocalGovernment(
                code=row.code,
                prefecture_id=row.prefecture_code,
                name=row.name,
                name_kana=row.name_kana,
                kind=row.kind,
                lat=row.lat,
                lng=row.lng,
            )
            for row in rows
            if row.code not in existing
        ]
    )


class Migration(migrations.Migration):
    dependencies = [("municipalities", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
