"""axe-core in the browser tests: the WCAG 2.1 A and AA rules run on a page as Chromium drew it.

axe-core is vendored (`tests/e2e/vendor/axe-core/`, see its README): Playwright evaluates it in
the page (Chrome's DevTools protocol is not bound by the page's Content-Security-Policy, so no
inline script is added to the site's pages), then `axe.run` checks the whole document.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
# RGAA 4 follows WCAG 2.1 AA: the rules tagged for those levels.
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = {"serious", "critical"}


@cache
def _source() -> str:
    return AXE.read_text(encoding="utf-8")


def violations(page, *, impacts: set[str] = BLOCKING) -> list[dict]:
    """The axe violations of `impacts` on the page as it is now: one dict per rule with the
    rule id, impact, help text and the CSS targets of the offending elements."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(_source())
    found = json.loads(
        page.evaluate(
            """async (tags) => JSON.stringify((await axe.run(document, {
                runOnly: {type: "tag", values: tags}, resultTypes: ["violations"],
            })).violations)""",
            WCAG_21_AA,
        )
    )
    return [
        {
            "rule": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "targets": [n["target"] for n in v["nodes"]][:5],
            "html": [n["html"][:160] for n in v["nodes"]][:3],
        }
        for v in found
        if v["impact"] in impacts
    ]
