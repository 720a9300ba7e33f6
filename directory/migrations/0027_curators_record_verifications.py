"""Curators and Editors record verifications of the listings they curate."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

MODELS = ["verification"]


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    codenames = [f"{action}_{model}" for model in MODELS for action in ("add", "change", "view")]
    permissions = Permission.objects.filter(
        content_type__app_label="directory", codename__in=codenames
    )
    for group in Group.objects.filter(name__in=["Curators", "Editors"]):
        group.permissions.add(*permissions)


class Migration(migrations.Migration):
    dependencies = [("directory", "0026_single_line_names")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
