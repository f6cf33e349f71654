"""On PostgreSQL, `kargah_lock_keys(keys, timeout_ms)` takes transaction-scoped advisory locks
in the order given (kargah.core.locks sorts them) with a lock timeout, in one round trip."""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION kargah_lock_keys(keys bigint[], timeout_ms integer) RETURNS void AS $$
DECLARE
    k bigint;
BEGIN
    PERFORM set_config('lock_timeout', timeout_ms::text, true);
    FOREACH k IN ARRAY keys LOOP
        PERFORM pg_advisory_xact_lock(k);
    END LOOP;
END;
$$ LANGUAGE plpgsql;
"""

BACKWARD = "DROP FUNCTION IF EXISTS kargah_lock_keys(bigint[], integer);"


def forward(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD, params=None)


def backward(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD, params=None)


class Migration(migrations.Migration):
    dependencies = [("core", "0002_idempotencykey")]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
