"""The 29 document types of Decree 30/2020/NĐ-CP (Phụ lục III)."""

from django.db import migrations


def add_types(apps, schema_editor):
    from documents.types import ensure_document_types

    ensure_document_types(apps.get_model("documents", "DocumentType"))


class Migration(migrations.Migration):
    dependencies = [("documents", "0001_initial")]
    operations = [migrations.RunPython(add_types, migrations.RunPython.noop)]
