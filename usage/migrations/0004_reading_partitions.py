"""The readings partitioned by month: `usage_reading` becomes a table `PARTITION BY RANGE
(start)`, one partition per UTC calendar month, plus a DEFAULT partition.

The rows are kept: the partitions the existing rows need are created, the rows moved, the
names swapped, then the primary key and the two indexes are built on the parent, so that every
partition has them (and every partition created later gets them). The months are UTC ones:
[YYYY-MM-01 00:00 UTC, first of the next month 00:00 UTC), named `usage_reading_YYYY_MM`, the
rule `usage.importing.partitions` follows for the months imports create. Django's model state
does not change (a partitioned table is the same table to the ORM): only the database does.

The reverse puts the rows back into one plain table with the same constraints and indexes.
"""

from django.db import migrations

# The columns in Django's order (migration 0001), with the checks of the positive fields.
COLUMNS = """
    start timestamptz NOT NULL,
    length smallint NOT NULL CONSTRAINT usage_reading_length_check CHECK (length >= 0),
    count integer NOT NULL CONSTRAINT usage_reading_count_check CHECK (count >= 0),
    counter_id bigint NOT NULL
"""

# Built after the rows are in: faster than maintaining them row by row.
INDEXES = """
ALTER TABLE usage_reading
    ADD CONSTRAINT usage_reading_pkey PRIMARY KEY (counter_id, start, length);
CREATE INDEX reading_start_brin ON usage_reading USING brin (start);
CREATE INDEX reading_month_idx ON usage_reading (counter_id, start) WHERE length = 3;
ANALYZE usage_reading;
"""

FORWARD = f"""
CREATE TABLE usage_reading_partitioned ({COLUMNS}) PARTITION BY RANGE (start);
DO $$
DECLARE
    month timestamptz;
BEGIN
    FOR month IN
        SELECT DISTINCT date_trunc('month', start, 'UTC') FROM usage_reading
    LOOP
        EXECUTE format(
            'CREATE TABLE %I PARTITION OF usage_reading_partitioned FOR VALUES FROM (%L) TO (%L)',
            'usage_reading_' || to_char(month AT TIME ZONE 'UTC', 'YYYY_MM'),
            month,
            (month AT TIME ZONE 'UTC' + interval '1 month') AT TIME ZONE 'UTC'
        );
    END LOOP;
END
$$;
CREATE TABLE usage_reading_default PARTITION OF usage_reading_partitioned DEFAULT;
INSERT INTO usage_reading_partitioned (start, length, count, counter_id)
    SELECT start, length, count, counter_id FROM usage_reading;
DROP TABLE usage_reading;
ALTER TABLE usage_reading_partitioned RENAME TO usage_reading;
{INDEXES}
"""

BACKWARD = f"""
CREATE TABLE usage_reading_unpartitioned ({COLUMNS});
INSERT INTO usage_reading_unpartitioned (start, length, count, counter_id)
    SELECT start, length, count, counter_id FROM usage_reading;
DROP TABLE usage_reading;
ALTER TABLE usage_reading_unpartitioned RENAME TO usage_reading;
{INDEXES}
"""


class Migration(migrations.Migration):
    dependencies = [
        ("usage", "0003_import_job_status"),
    ]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
