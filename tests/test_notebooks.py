"""Every notebook runs top to bottom, and its committed outputs are what the code produces now.

The tests run each notebook on a corpus they own, never on ``data/raw/`` (the researcher's)
or ``../shared/``: the parameter cell's ``CORPUS`` is pointed at the tests' copy of the seeds
(``tests/fixtures/seeds/``, the articles the committed outputs of notebooks 01-04 and 06 were made
from) in a copy of the notebook; nothing else in it changes.
"""

from __future__ import annotations

import re

import nbformat
import pytest

from conftest import SEEDS_DIR, skip_unless_committed_inputs
from polthemes.notebooks import execute_notebook, notebook_paths, outputs_differ

NOTEBOOKS = notebook_paths()
#: The corpus each notebook's parameter cell names, and whether its committed outputs were made
#: from the seeds (05 models a sample of the Xinwen Lianbo archive in ../shared/, which tests never read).
CORPUS_LINE = re.compile(r"^CORPUS = .*$", re.MULTILINE)
#: Notebooks that fit or read a results folder name it here; the copy writes to its own.
RESULTS_LINE = re.compile(r"^RESULTS = None(.*)$", re.MULTILINE)
FROM_THE_SEEDS = {"01-corpus", "02-tfidf", "03-lda", "04-recurring-themes", "06-named-themes"}
#: The notebooks that model the free themes of params.toml's settings: one results folder for
#: them, as ``make notebooks`` shares ``results/seeds/`` (05 and 06 write named themes elsewhere).
FREE_THEMES = {"03-lda", "04-recurring-themes"}


def test_notebooks_are_numbered_in_reading_order():
    numbers = [int(path.name[:2]) for path in NOTEBOOKS]
    assert numbers == list(range(1, len(NOTEBOOKS) + 1)) and len(NOTEBOOKS) == 6
    assert FROM_THE_SEEDS < {path.stem for path in NOTEBOOKS}


@pytest.fixture(scope="module")
def results_folder(tmp_path_factory, default_analysis):
    """The results folder of the :data:`FREE_THEMES` notebooks, holding the suite's default
    analysis of the seeds, as ``make notebooks`` finds ``results/seeds/`` written by ``make
    figures``: a notebook whose parameters are the defaults reads it (``results_for``), as the
    committed outputs were made, and one whose parameters differ fits its own into it."""
    from polthemes.results import write_results

    folder = tmp_path_factory.mktemp("notebook-results") / "results"
    write_results(default_analysis, folder)
    return folder


def on_the_seeds(path, folder, results):
    """A copy of the notebook at ``path`` in ``folder`` whose parameter cell reads the tests'
    seeds and fits into ``results``; returns (committed notebook, the copy's path, the
    parameter line replaced)."""
    committed = nbformat.read(path, as_version=4)
    assert committed.cells[0].cell_type == "markdown"
    parameters = committed.cells[1]
    assert parameters.source.startswith("# Parameters"), "the first code cell holds the parameters"
    [line] = CORPUS_LINE.findall(parameters.source)
    copy = nbformat.from_dict(committed)
    source = CORPUS_LINE.sub(f"CORPUS = __import__('pathlib').Path({str(SEEDS_DIR)!r})", parameters.source)
    # Never the project's results/: the copy fits into a folder of the test's own.
    copy.cells[1].source = RESULTS_LINE.sub(f"RESULTS = {str(results)!r}", source)
    target = folder / path.name
    nbformat.write(copy, target)
    return committed, target, line


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_executes_and_its_committed_outputs_are_current(path, tmp_path, results_folder):
    committed, copy, line = on_the_seeds(path, tmp_path, results_folder if path.stem in FREE_THEMES else tmp_path / "results")
    executed = execute_notebook(copy, write=False)
    errors = [o for cell in executed.cells if cell.cell_type == "code" for o in cell.outputs if o.output_type == "error"]
    assert errors == []
    images = [o for cell in executed.cells if cell.cell_type == "code" for o in cell.outputs if "image/png" in o.get("data", {})]
    assert images, "a notebook that draws nothing is not showing its analysis"
    if path.stem not in FROM_THE_SEEDS:
        pytest.skip(f"ran on the seeds; its committed outputs come from `{line.strip()}` (../shared/), which tests never read")
    # The notebook reads params.toml's corpus, data/raw/, whose five seeds the tests own a copy of.
    assert "RAW_DIR" in line or ".corpus" in line
    skip_unless_committed_inputs("notebook outputs", "make notebooks")
    stale = outputs_differ(committed, executed)
    assert stale == [], f"{path.name}: outputs of code cells {stale} are stale; run `make notebooks`"
