"""Every notebook runs top to bottom, and its committed outputs are what the code produces now."""

from __future__ import annotations

import nbformat
import pytest

from polthemes.notebooks import execute_notebook, missing_requirements, notebook_paths, outputs_differ

NOTEBOOKS = notebook_paths()


def test_notebooks_are_numbered_in_reading_order():
    numbers = [int(path.name[:2]) for path in NOTEBOOKS]
    assert numbers == list(range(1, len(NOTEBOOKS) + 1)) and len(NOTEBOOKS) == 5


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_executes_and_its_committed_outputs_are_current(path):
    committed = nbformat.read(path, as_version=4)
    assert committed.cells[0].cell_type == "markdown"
    assert committed.cells[1].source.startswith("# Parameters"), "the first code cell holds the parameters"
    executed = execute_notebook(path, write=False)
    errors = [o for cell in executed.cells if cell.cell_type == "code" for o in cell.outputs if o.output_type == "error"]
    assert errors == []
    missing = missing_requirements(path)
    if missing:
        pytest.skip(f"{missing[0]} is absent: the notebook ran (and said so); its committed outputs need it")
    images = [o for cell in executed.cells if cell.cell_type == "code" for o in cell.outputs if "image/png" in o.get("data", {})]
    assert images, "a notebook that draws nothing is not showing its analysis"
    stale = outputs_differ(committed, executed)
    assert stale == [], f"{path.name}: outputs of code cells {stale} are stale; run `make notebooks`"
