"""Executing the project's notebooks, in place or for comparison with what is committed.

Notebook outputs are committed, so a reader sees results on opening them; they are only
ever produced by :func:`execute_notebook` (``make`` runs it), never by hand. Execution is
made reproducible: no timing metadata, a fixed kernel, cells run top to bottom in a fresh
kernel. :func:`outputs_differ` lets the tests fail when a committed output is stale.
"""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from polthemes.config import PROJECT_ROOT
from polthemes.files import write_text_atomic

NOTEBOOKS_DIR = PROJECT_ROOT / "notebooks"
#: Seconds a single cell may run (the extending notebook models an archive sample).
CELL_TIMEOUT_S = 1200


def notebook_paths(directory: Path = NOTEBOOKS_DIR) -> list[Path]:
    """The numbered notebooks, in reading order."""
    return sorted(directory.glob("[0-9][0-9]-*.ipynb"))


def missing_requirements(path: str | Path) -> list[Path]:
    """Files outside the repository a notebook needs (its ``polthemes.requires`` metadata,
    relative to the project root) that are absent on this machine."""
    notebook = nbformat.read(Path(path), as_version=4)
    required = notebook.metadata.get("polthemes", {}).get("requires", [])
    return [PROJECT_ROOT / r for r in required if not (PROJECT_ROOT / r).exists()]


def execute_notebook(path: str | Path, *, write: bool = True, kernel_name: str = "python3") -> nbformat.NotebookNode:
    """Run every cell of ``path`` top to bottom in a fresh kernel; write it back if asked.

    ``python3`` is the kernel of the interpreter running this code (the project's .venv
    under ``make``), so notebooks always run the code in ``src/``.
    """
    path = Path(path)
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(
        notebook,
        kernel_name=kernel_name,
        timeout=CELL_TIMEOUT_S,
        record_timing=False,
        resources={"metadata": {"path": str(path.parent)}},
    )
    # No progress bars in the kernel: their timings would make the outputs differ on every
    # run (a researcher running the notebook by hand sees them).
    client.execute(env={**os.environ, "POLTHEMES_PROGRESS": "0"})
    notebook.metadata.pop("widgets", None)
    if write:
        write_text_atomic(path, nbformat.writes(notebook) + "\n")
    return notebook


def comparable_outputs(notebook: nbformat.NotebookNode) -> list[str]:
    """Each code cell's outputs as canonical JSON (execution counts dropped)."""
    cells = []
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        outputs = copy.deepcopy(cell.get("outputs", []))
        for output in outputs:
            output.pop("execution_count", None)
        cells.append(json.dumps(outputs, sort_keys=True, ensure_ascii=False))
    return cells


def outputs_differ(committed: nbformat.NotebookNode, executed: nbformat.NotebookNode) -> list[int]:
    """Indices of code cells whose outputs differ between two versions of a notebook."""
    a, b = comparable_outputs(committed), comparable_outputs(executed)
    return [i for i, (x, y) in enumerate(zip(a, b)) if x != y] + list(range(min(len(a), len(b)), max(len(a), len(b))))
