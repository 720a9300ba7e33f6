"""Load the ISO 3166-1 country list from django-countries."""

from django.db import migrations
from django.utils import translation


def load_countries(apps, schema_editor):
    from django_countries import countries

    Country = apps.get_model("directory", "Country")
    with translation.override("en"):
        rows = [Country(code=code, name=str(name)) for code, name in countries]
    Country.objects.bulk_create(rows, ignore_conflicts=True)


class Migration(migrations.Migration):
    dependencies = [("directory", "0001_initial")]

    operations = [migrations.RunPython(load_countries, migrations.RunPython.noop)]
