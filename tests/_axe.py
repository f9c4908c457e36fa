"""axe-core in a Playwright page: the accessibility checks of the browser tests (no network).

axe-core is vendored for the tests only (``tests/vendor/axe.min.js``, MPL-2.0, see ``tests/vendor/README.md``):
:func:`axe_violations` injects it into an open page and runs it on the WCAG 2.x A / AA rules, and
:func:`format_violations` says what failed and where, for an assertion message.

    >>> bad = axe_violations(page)  # doctest: +SKIP
    >>> assert not bad, format_violations(bad)  # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

AXE_JS = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
#: The rule sets run: WCAG 2.0 / 2.1 / 2.2 levels A and AA (best practices are not gates).
AXE_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa")
#: Impacts that fail a test.
BLOCKING = ("serious", "critical")


def axe_violations(page: Any, *, impacts: tuple[str, ...] = BLOCKING, include: str | None = None) -> list[dict]:
    """Run axe-core on ``page`` (a Playwright page) and return its violations of the given impacts.

    Parameters
    ----------
    page
        An open, loaded Playwright page; axe is injected once per document.
    impacts
        The impacts kept, {"minor", "moderate", "serious", "critical"}; by default serious and critical.
    include
        A CSS selector to check only part of the page (the whole document by default).

    Returns
    -------
    list of dict
        axe's violation objects (``id``, ``impact``, ``help``, ``nodes`` with ``target`` and ``failureSummary``).
    """
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE_JS))
    result = page.evaluate(
        """async ([tags, include]) => await axe.run(include ? {include: [[include]]} : document,
                {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]})""",
        [list(AXE_TAGS), include],
    )
    return [v for v in result["violations"] if v.get("impact") in impacts]


def format_violations(violations: list[dict], *, max_nodes: int = 4) -> str:
    """One line per violation and up to ``max_nodes`` offending elements (their selector and axe's summary)."""
    lines = []
    for v in violations:
        lines.append(f"{v['id']} ({v['impact']}): {v['help']} — {len(v['nodes'])} element(s)")
        for node in v["nodes"][:max_nodes]:
            summary = " ".join(str(node.get("failureSummary", "")).split())
            lines.append(f"    {node.get('target')}: {summary[:300]}")
    return "\n".join(lines)
