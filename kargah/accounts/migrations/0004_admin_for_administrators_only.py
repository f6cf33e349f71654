"""Takes the Django admin away from every staff role but the administrator (issue 11 item 11):
their desks are the only way they change anything, so that every change is audited."""

from django.db import migrations


def close_admin(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    User.objects.filter(is_staff=True, is_superuser=False).exclude(role="administrator").update(
        is_staff=False
    )


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_reference_provinces_centers")]

    operations = [migrations.RunPython(close_admin, migrations.RunPython.noop)]
