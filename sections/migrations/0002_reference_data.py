from django.db import migrations


def load(apps, schema_editor):
    from sections.reference import load as load_reference

    load_reference(apps.get_model("sections", "Department"), apps.get_model("sections", "Section"))


class Migration(migrations.Migration):
    dependencies = [("sections", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
