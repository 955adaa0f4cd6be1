"""Browser tests: Debian's Chromium driven by Playwright against Django's live server."""

from __future__ import annotations

from typing import Any


def serious_violations(page: Any) -> list[str]:
    """axe-core's serious and critical violations on the current page, one line each."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']]}"
        for v in results.response["violations"]
        if v["impact"] in {"serious", "critical"}
    ]
