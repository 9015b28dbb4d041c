"""Reading counters files (no database)."""

import io

from usage.importing import messages as m
from usage.importing.counters import counters_read
from usage.importing.formats import CountersFormat


def test_a_counters_file_rejects_bad_positions_and_repeated_ids():
    text = "id,name,lon,lat\nA,Alpha,4.8,45.7\nB,Beta,480,45.7\nA,Again,4.9,45.8\nC,,4.8,north\n"
    read_ = counters_read(io.BytesIO(text.encode()), CountersFormat())
    assert [c.external_id for c in read_.counters] == ["A"]
    assert [(r.line, r.reason) for r in read_.rejects] == [
        (3, m.REJECT_BAD_LONGITUDE % {"value": "480"}),
        (4, m.REJECT_DUPLICATE_COUNTER % {"value": "A", "line": 2}),
        (5, m.REJECT_BAD_LATITUDE % {"value": "north"}),
    ]
