"""The two curation roles. Curators add and edit listings and send them to review;
Editors may also publish, archive and restore them."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

CURATED = [
    "organization", "organizationidentifier", "program", "issue", "keyfact", "focusarea",
    "source",
]  # fmt: skip
MODERATED = ["suggestion", "correction"]


def create_groups(apps, schema_editor):
    # Permissions are normally created after all migrations; make sure ours exist now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    mine = Permission.objects.filter(content_type__app_label="directory")
    curating = [f"{action}_{model}" for model in CURATED for action in ("add", "change", "view")]
    curating += [f"{action}_{model}" for model in MODERATED for action in ("change", "view")]
    curating += ["view_country", "view_linkcheck"]
    curators, _ = Group.objects.get_or_create(name="Curators")
    curators.permissions.set(mine.filter(codename__in=curating))
    editors, _ = Group.objects.get_or_create(name="Editors")
    editing = [*curating, "publish_organization", "delete_program", "delete_keyfact"]
    editors.permissions.set(mine.filter(codename__in=[*editing, "delete_organizationidentifier"]))


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=["Curators", "Editors"]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("directory", "0009_contributions_and_publish_permission"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
