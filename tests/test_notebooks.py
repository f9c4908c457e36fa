"""The tutorial notebooks run top to bottom on the bundled data (they hold no logic of their own)."""

from __future__ import annotations

import ast
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("*.ipynb"))


def test_there_are_four_notebooks_and_the_first_is_the_whole_journey_in_public_calls():
    assert [p.name[:2] for p in NOTEBOOKS] == ["01", "02", "03", "04"]
    first = nbformat.read(NOTEBOOKS[0], as_version=4)
    code = "\n".join(c.source for c in first.cells if c.cell_type == "code")
    assert "import ocop_geo as og" in code
    assert "from ocop_geo." not in code and "_layout" not in code  # public API only
    journey = [c for c in first.cells if c.cell_type == "code"][0].source
    statements = [node for node in ast.parse(journey).body if not isinstance(node, ast.Import | ast.ImportFrom)]
    assert 6 <= len(statements) <= 12  # registry -> network -> spec -> plan -> frames -> map -> GPX -> site


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs(path, hcmc_graph):  # hcmc_graph: the network cache is built once per test run
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    client.execute()
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
              if o.get("output_type") == "error"]
    assert not errors
