"""A trigger that keeps decided indicator definitions as they were decided.

Results point to the definition row they used, so an adopted, retired or closed row must never
change, whatever code writes (a service, the admin, a shell). Allowed on such a row, and only:
- retiring an adopted row: status adopted → retired, with its date, author, reason and, when a
  new version replaced it, `superseded_by`;
- forgetting who proposed, adopted, closed or retired it (the account was deleted: NULL), never
  replacing them by someone else.
Deleting a decided row is refused too. Everything else raises an integrity error.
"""

from django.db import migrations

FORWARD = r"""
CREATE FUNCTION indicators_definition_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    mutable text[] := ARRAY['status', 'retired_at', 'retired_by_id', 'retirement_reason',
                            'superseded_by_id'];
    people text[] := ARRAY['proposed_by_id', 'adopted_by_id', 'closed_by_id', 'retired_by_id'];
    person text;
    old_row jsonb;
    new_row jsonb;
BEGIN
    IF OLD.status = 'proposed' THEN
        RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
    END IF;
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'indicator definition % is %: it cannot be deleted', OLD.id, OLD.status
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    old_row := to_jsonb(OLD);
    new_row := to_jsonb(NEW);
    FOREACH person IN ARRAY people LOOP
        IF new_row -> person = 'null'::jsonb THEN
            old_row := old_row - person;
            new_row := new_row - person;
        END IF;
    END LOOP;
    IF OLD.status = 'adopted' AND NEW.status IN ('adopted', 'retired') THEN
        old_row := old_row - mutable;
        new_row := new_row - mutable;
    END IF;
    IF old_row IS DISTINCT FROM new_row THEN
        RAISE EXCEPTION 'indicator definition % is %: it cannot be changed; propose a new version',
            OLD.id, OLD.status
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER indicators_definition_frozen
    BEFORE UPDATE OR DELETE ON indicators_indicatordefinition
    FOR EACH ROW EXECUTE FUNCTION indicators_definition_frozen();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS indicators_definition_frozen ON indicators_indicatordefinition;
DROP FUNCTION IF EXISTS indicators_definition_frozen();
"""


class Migration(migrations.Migration):
    dependencies = [("indicators", "0002_initial")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
