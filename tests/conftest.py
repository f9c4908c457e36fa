"""Shared fixtures: road graphs built once per test run through the on-disk network cache.

``hcmc_graph`` is the full-city motorbike graph of the bundled 2018 extract with the bundled
supplement (built cold in a few seconds the first time, then read from ``.cache/`` in under a
second); ``hcmc_graph_for(mode)`` gives the other modes the same way. The small graphs come
from the recent OSM XML fixtures under ``tests/fixtures/osm`` and skip the cache.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import networkx as nx
import pytest

from ocop_geo.network import load_network

#: Debian's chromium as a module-scoped ``browser`` fixture for the browser tests (``tests/_chromium.py``).
pytest_plugins = ["_chromium"]

# The suite reads messages in English (the catalogue's source language); ocop_geo speaks Vietnamese by default and
# tests/test_i18n.py checks that default and the Vietnamese messages (subprocesses inherit this variable).
os.environ.setdefault("OCOP_GEO_LANG", "en")

FIXTURES = Path(__file__).parent / "fixtures"
OSM_FIXTURES = FIXTURES / "osm"


@pytest.fixture(scope="session")
def hcmc_graph_for() -> Callable[[str], nx.MultiDiGraph]:
    """A function ``mode -> full-city graph`` (bundled extract + supplement, cached, memoised)."""
    graphs: dict[str, nx.MultiDiGraph] = {}

    def get(mode: str = "motorbike") -> nx.MultiDiGraph:
        if mode not in graphs:
            graphs[mode] = load_network(mode=mode)
        return graphs[mode]

    return get


@pytest.fixture(scope="session")
def hcmc_graph(hcmc_graph_for: Callable[[str], nx.MultiDiGraph]) -> nx.MultiDiGraph:
    """The full-city motorbike graph, built once per test run (through ``.cache/``)."""
    return hcmc_graph_for("motorbike")


def _small(name: str, mode: str) -> nx.MultiDiGraph:
    return load_network(OSM_FIXTURES / name, mode=mode, supplement=False, cache=False)


@pytest.fixture(scope="session")
def d3_graph() -> nx.MultiDiGraph:
    """Motorbike graph of a few District 3 blocks (OSM 2026, 544 nodes)."""
    return _small("hcmc_d3_2026.osm", "motorbike")


@pytest.fixture(scope="session")
def d3_walk_graph() -> nx.MultiDiGraph:
    """Walking graph of the same District 3 blocks."""
    return _small("hcmc_d3_2026.osm", "walk")


@pytest.fixture(scope="session")
def d5_graph() -> nx.MultiDiGraph:
    """Motorbike graph of Districts 5 / 10 (OSM 2026)."""
    return _small("hcmc_d5_d10_2026.osm", "motorbike")


@pytest.fixture(scope="session")
def thuduc_graph() -> nx.MultiDiGraph:
    """Motorbike graph around HCMUTE, Thủ Đức (OSM 2023)."""
    return _small("hcmc_thuduc_hcmute_2023.osm", "motorbike")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked ``online`` need the internet: skipped unless OCOP_GEO_ONLINE=1, whatever ``-m`` says."""
    import os

    if os.environ.get("OCOP_GEO_ONLINE") == "1":
        return
    skip = pytest.mark.skip(reason="needs the internet: set OCOP_GEO_ONLINE=1 to run")
    for item in items:
        if "online" in item.keywords:
            item.add_marker(skip)
