"""The paying family on each place and waiting-list entry (one child, two guardians):
added empty, filled from the learner's own family (the only family that could register
before), then required."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def backfill(apps, schema_editor):
    Learner = apps.get_model("accounts", "Learner")
    owner = Subquery(Learner.objects.filter(pk=OuterRef("learner_id")).values("family_id")[:1])
    for name in ("Enrollment", "WaitingListEntry"):
        apps.get_model("enrollment", name).objects.filter(family__isnull=True).update(
            family_id=owner
        )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_learner_links"),
        ("enrollment", "0002_enrollment_payment_waiting_list"),
    ]

    operations = [
        migrations.AddField(
            model_name="enrollment",
            name="family",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="enrollments",
                to="accounts.family",
                verbose_name="paying family",
            ),
        ),
        migrations.AddField(
            model_name="waitinglistentry",
            name="family",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="waiting_list_entries",
                to="accounts.family",
                verbose_name="family",
            ),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="enrollment",
            name="family",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="enrollments",
                to="accounts.family",
                verbose_name="paying family",
            ),
        ),
        migrations.AlterField(
            model_name="waitinglistentry",
            name="family",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="waiting_list_entries",
                to="accounts.family",
                verbose_name="family",
            ),
        ),
    ]
