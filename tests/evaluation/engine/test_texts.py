"""French number formats used in rationales."""

from __future__ import annotations

import datetime as dt

from evaluation.engine import texts
from evaluation.engine.texts import MINUS, NBSP


def test_french_numbers():
    assert texts.signed_percent(12.34) == f"+12,3{NBSP}%"
    assert texts.signed_percent(-4.0) == f"{MINUS}4,0{NBSP}%"
    assert texts.signed_percent(-0.01) == f"0,0{NBSP}%"
    assert texts.rating(3.44) == "3,4/5"
    assert texts.share(0.425) == f"42{NBSP}%"
    assert texts.quantity(1234.4, "vélos/jour") == f"1{NBSP}234{NBSP}vélos/jour"
    assert texts.metres(300) == f"300{NBSP}m"
    assert texts.date(dt.date(2020, 5, 1)) == "1er mai 2020"
    assert texts.date(dt.date(2020, 5, 25)) == "25 mai 2020"
    assert texts.weeks(1) == "1 semaine"
    assert texts.weeks(3) == "3 semaines"
