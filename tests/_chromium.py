"""Debian's chromium for the browser tests: where it is, how it starts, and one browser per test module.

A browser test module skips itself when chromium or Playwright is missing (``require_chromium()`` at import) and
takes the ``browser`` fixture from here (registered for every test module by ``pytest_plugins`` in conftest.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip


def require_chromium() -> Any:
    """Playwright's sync API, or skip the calling module when chromium or Playwright is not installed."""
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)", allow_module_level=True)
    return pytest.importorskip("playwright.sync_api")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One headless chromium per test module (no network use of its own)."""
    with require_chromium().sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()
