"""Results that reload, and the one parameters file: what a run writes is what a later
reader gets back, figures drawn from a folder are the figures of the fit, and the main job
fits only when its corpus, settings, data files, parameters file or code changed."""

from __future__ import annotations

import json
import numpy as np
import pandas as pd
import pytest

from conftest import SEED_IDS, SEEDS_DIR, copy_seeds
from polthemes import read_corpus
from polthemes.engines.local import run_analysis
from polthemes.jobs import draw_figures, regenerate_figures, results_for
from polthemes.params import ParamsError, load_params
from polthemes.report.figures import THEME_FIGURES, save_figure, theme_figures
from polthemes.report.explorer import theme_explorer_html
from polthemes.report.intertopic import intertopic_map_html
from polthemes.results import ResultsFolderError, load_results, write_results
from polthemes.settings import AnalysisSettings

#: Small but real: three seeds (both languages), two K, chains, a bootstrap, one cross-check.
SMALL = AnalysisSettings(k_values=(2, 3), chains=3, heldout_folds=0, n_boot=3, cross_check=("nmf",))

PARAMS = """\
[corpus]
path = "corpus"
results = "results/main"

[analysis]
k = "{k}"
chains = 2
heldout_folds = 0
bootstrap = 0
cross_check = []
"""


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    """A small run in memory and the folder it wrote."""
    root = tmp_path_factory.mktemp("results")
    corpus = copy_seeds(root / "corpus", ids=SEED_IDS[:3])
    report = read_corpus(corpus)
    result = run_analysis(report.articles, SMALL, root / "out", corpus_name="corpus", report=report)
    return result, root / "out", report


def test_a_loaded_folder_gives_back_every_table_the_manifest_and_the_themes(written):
    result, folder, _ = written
    loaded = load_results(folder)
    assert sorted(loaded.tables) == sorted(result.tables)
    for name, table in result.tables.items():
        pd.testing.assert_frame_equal(loaded.tables[name], table, check_dtype=False, check_exact=False, rtol=0, atol=5e-7, obj=name)
    assert loaded.manifest == json.loads(json.dumps(result.manifest, default=str))
    assert loaded.labels == result.labels and len(loaded.labels) == result.k
    assert loaded.settings == result.settings
    assert loaded.vocabulary == result.vocabulary
    np.testing.assert_array_equal(loaded.theme_terms, result.theme_terms)
    np.testing.assert_array_equal(loaded.unit_topics, result.unit_topics)
    assert loaded.top_terms(10) == result.top_terms(10)
    assert loaded.model is None and loaded.tokens is None  # no live model: what a folder cannot hold


@pytest.mark.slow  # draws every figure twice
def test_figures_from_a_loaded_folder_are_byte_identical_to_the_fits(written, tmp_path):
    result, folder, report = written
    loaded = load_results(folder)
    live, again, parallel = tmp_path / "live", tmp_path / "loaded", tmp_path / "parallel"
    for name, figure in theme_figures(result).items():
        save_figure(figure, name, live)
    names = sorted(p.name for p in live.iterdir())
    # Every figure and page of the loaded folder, drawn in this process and by two forked workers.
    one = draw_figures(loaded, report, again, workers=1)
    two = draw_figures(loaded, report, parallel, workers=2)
    assert names and set(names) <= {p.name for p in one}
    for name in names:
        assert (live / name).read_bytes() == (again / name).read_bytes(), name
    assert intertopic_map_html(result, title="t") == intertopic_map_html(loaded, title="t")
    assert theme_explorer_html(result, title="t") == theme_explorer_html(loaded, title="t")
    # The workers write the same files, byte for byte, and return them in the same order.
    assert [p.name for p in two] == [p.name for p in one]
    assert [p.name for p in one if p.suffix == ".png"] == [f"{name}.png" for name in ("corpus_overview", *THEME_FIGURES)]
    assert {p.name for p in one} >= {"intertopic_map.html", "theme_explorer.html", "plotly.min.js", "intrusion_test.html"}
    assert sorted(p.name for p in parallel.iterdir()) == sorted(p.name for p in two)
    for path in one:
        assert path.read_bytes() == (parallel / path.name).read_bytes(), path.name


def test_a_run_without_per_unit_arrays_still_gets_its_theme_explorer(written, tmp_path, capsys):
    """The explorer is drawn from tables alone: a run that kept no per-unit arrays (as Spark
    keeps none) has no intertopic map, said in a warning, but its explorer."""
    import dataclasses

    _, folder, report = written
    loaded = load_results(folder)
    bare = dataclasses.replace(loaded, unit_topics=None, unit_lengths=None, term_counts=None)
    drawn = {p.name for p in draw_figures(bare, report, tmp_path / "bare")}
    assert "intertopic_map.html" not in drawn and {"theme_explorer.html", "plotly.min.js"} <= drawn
    assert capsys.readouterr().err == f"polthemes: warning: {folder}: no per-unit theme mixtures, so no intertopic map\n"


def test_a_folder_that_is_not_a_results_folder_is_one_clear_error(tmp_path, written):
    with pytest.raises(ResultsFolderError, match=f"{tmp_path / 'none'}: no such results folder"):
        load_results(tmp_path / "none")
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.csv").write_text("a\n1\n", encoding="utf-8")
    with pytest.raises(ResultsFolderError, match="is not a results folder polthemes wrote"):
        load_results(mine)
    result, _, _ = written
    broken = tmp_path / "broken"
    write_results(result, broken)
    (broken / "manifest.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(ResultsFolderError, match="cannot be read as part of a results folder"):
        load_results(broken)


def test_the_parameters_file_sets_the_main_jobs_settings_and_refuses_what_cannot_work(tmp_path):
    path = tmp_path / "params.toml"
    path.write_text(PARAMS.format(k="3,5"), encoding="utf-8")
    params = load_params(path)
    assert params.settings.k_values == (3, 5) and params.settings.chains == 2 and params.settings.cross_check == ()
    assert params.corpus == tmp_path / "corpus" and params.results == tmp_path / "results" / "main"
    assert len(params.sha256) == 64
    for text, problem in [
        (PARAMS.format(k="3") + "chain = 4\n", r"unknown key\(s\) chain in \[analysis\]"),
        (PARAMS.format(k="1-3"), r"\[analysis\] k: K must be 2 or more"),
        (PARAMS.format(k="3").replace("chains = 2", 'chains = "many"'), r'chains: must be "auto" or a whole number'),
        (PARAMS.format(k="3").replace('[corpus]', '[copus]'), r"unknown section\(s\) copus"),
        ("k = [", "cannot be read as TOML"),
    ]:
        path.write_text(text, encoding="utf-8")
        with pytest.raises(ParamsError, match=f"{path}: .*{problem}"):
            load_params(path)


@pytest.mark.slow  # the main job end to end, several times
def test_the_main_job_fits_once_and_refits_only_when_something_changed(tmp_path, monkeypatch):
    corpus = copy_seeds(tmp_path / "corpus", ids=SEED_IDS[:3])
    path = tmp_path / "params.toml"
    path.write_text(PARAMS.format(k="3"), encoding="utf-8")
    params = load_params(path)
    first = results_for(params=params)
    assert first.manifest["params"] == {"file": "params.toml", "sha256": params.sha256}
    assert (params.results / "manifest.json").is_file()

    import polthemes.engines.local

    def no_fit(*args, **kwargs):
        raise AssertionError("fitted although the results folder is current")

    with monkeypatch.context() as patch:
        patch.setattr(polthemes.engines.local, "run_analysis", no_fit)
        again = results_for(params=params)
    assert again.folder == params.results and again.model is None  # read back, not refitted
    pd.testing.assert_frame_equal(again.tables["article_themes"], load_results(params.results).tables["article_themes"])

    # Another K in the parameters file: refitted, and the figures follow.
    before = regenerate_figures(directory=tmp_path / "figures_k3", params=params)
    path.write_text(PARAMS.format(k="4"), encoding="utf-8")
    changed = load_params(path)
    after = regenerate_figures(directory=tmp_path / "figures_k4", params=changed)
    assert load_results(changed.results).k == 4
    assert load_results(changed.results).manifest["params"]["sha256"] == changed.sha256
    by_name = {p.name: p for p in after}
    assert any(p.read_bytes() != by_name[p.name].read_bytes() for p in before if p.name.startswith("theme_top_terms"))

    # A new article in the corpus: refitted on all four.
    (corpus / f"{SEED_IDS[3]}.txt").write_bytes((SEEDS_DIR / f"{SEED_IDS[3]}.txt").read_bytes())
    grown = results_for(params=changed)
    assert grown.manifest["corpus"]["articles"] == 4 and grown.model is not None
