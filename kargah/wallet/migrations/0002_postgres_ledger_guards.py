"""On PostgreSQL the database itself keeps the ledger honest: a transaction whose entries do
not sum to zero, or that leaves a family wallet below zero, is refused at commit (deferred
constraint triggers), and ledger rows can be neither updated nor deleted."""

from django.db import migrations

FORWARD = """
CREATE FUNCTION kargah_ledger_check() RETURNS trigger AS $$
DECLARE
    total bigint;
    wallet_total bigint;
BEGIN
    SELECT COALESCE(SUM(amount), 0) INTO total
      FROM wallet_ledgerentry WHERE transaction_id = NEW.transaction_id;
    IF total <> 0 THEN
        RAISE EXCEPTION 'ledger transaction % is unbalanced by %', NEW.transaction_id, total
            USING ERRCODE = 'check_violation';
    END IF;
    SELECT COALESCE(SUM(e.amount), 0) INTO wallet_total
      FROM wallet_ledgerentry e JOIN wallet_account a ON a.id = e.account_id
     WHERE e.account_id = NEW.account_id AND a.kind = 'family_wallet';
    IF wallet_total < 0 THEN
        RAISE EXCEPTION 'family wallet account % would go below zero', NEW.account_id
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE CONSTRAINT TRIGGER kargah_ledger_balanced
    AFTER INSERT ON wallet_ledgerentry
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION kargah_ledger_check();

CREATE FUNCTION kargah_ledger_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'ledger rows are append-only' USING ERRCODE = 'check_violation';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER kargah_ledgerentry_append_only
    BEFORE UPDATE OR DELETE ON wallet_ledgerentry
    FOR EACH ROW EXECUTE FUNCTION kargah_ledger_append_only();
CREATE TRIGGER kargah_ledgertransaction_append_only
    BEFORE UPDATE OR DELETE ON wallet_ledgertransaction
    FOR EACH ROW EXECUTE FUNCTION kargah_ledger_append_only();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS kargah_ledgertransaction_append_only ON wallet_ledgertransaction;
DROP TRIGGER IF EXISTS kargah_ledgerentry_append_only ON wallet_ledgerentry;
DROP FUNCTION IF EXISTS kargah_ledger_append_only();
DROP TRIGGER IF EXISTS kargah_ledger_balanced ON wallet_ledgerentry;
DROP FUNCTION IF EXISTS kargah_ledger_check();
"""


def forward(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD, params=None)


def backward(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD, params=None)


class Migration(migrations.Migration):
    dependencies = [("wallet", "0001_initial")]
    operations = [migrations.RunPython(forward, backward)]
