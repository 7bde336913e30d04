"""The 29 document types of Decree 30/2020/NĐ-CP (Phụ lục III)."""

from django.db import migrations


def add_types(apps, schema_editor):
    from documents.types import DOCUMENT_TYPES

    DocumentType = apps.get_model("documents", "DocumentType")
    for code, name, abbreviation, rank in DOCUMENT_TYPES:
        DocumentType.objects.update_or_create(
            code=code,
            defaults={"name": name, "abbreviation": abbreviation, "rank": rank},
        )


class Migration(migrations.Migration):
    dependencies = [("documents", "0001_initial")]
    operations = [migrations.RunPython(add_types, migrations.RunPython.noop)]
