"""The command line a newcomer uses, and figures that regenerate byte for byte."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

from conftest import SEED_IDS, SEEDS_DIR, reuse_default_analysis, skip_unless_committed_inputs
from polthemes.cli import main
from polthemes.config import FIGURES_DIR, RAW_DIR
from polthemes.jobs import regenerate_figures
from polthemes.files import ReadOnlyInputError, write_text_atomic


def test_inspect_prints_one_row_per_article_and_a_summary(capsys):
    assert main(["inspect", str(SEEDS_DIR)]) == 0
    out, err = capsys.readouterr()
    header, rule, *rows = out.strip().split("\n")
    assert header.split() == ["id", "lang", "title", "date", "source", "author", "paras", "chars", "removed"]
    assert [row.split()[0] for row in rows] == list(SEED_IDS)
    assert "2021-07-02  中国电力网" in rows[4]
    assert rows[4].split()[-3:] == ["12", "2991", "10"]
    assert err.startswith("5 articles (3 en, 2 zh); 0 skipped; 0 exact duplicates counted once; 0 warnings; read in ")


def test_inspect_json_carries_paragraphs_and_removed_lines():
    # Through the installed entry point, as a script would call it.
    result = subprocess.run(
        [sys.executable, "-m", "polthemes", "inspect", "--json", str(SEEDS_DIR)],
        capture_output=True, text=True, check=True,
    )
    records = json.loads(result.stdout)
    articles = records["articles"]
    assert [a["language"] for a in articles] == ["en", "en", "zh", "en", "zh"]
    assert sorted(a["date"] for a in articles if a["date"]) == ["2017-07-25", "2021-07-02", "2023-07-15"]
    dated = articles[3]
    assert dated["removed"][4] == {"line_no": 9, "text": "Date: July 15, 2023", "rule": "metadata"}
    assert dated["paragraphs"][0].startswith("Since the initiation of the theme education")
    assert dated["n_paragraphs"] == len(dated["paragraphs"]) == len(dated["paragraph_lines"]) == 12
    assert records["skipped"] == records["duplicates"] == records["warnings"] == []


def test_inspect_reports_skips_after_the_table(tmp_path, capsys):
    (tmp_path / "good.txt").write_bytes((SEEDS_DIR / f"{SEED_IDS[3]}.txt").read_bytes())
    (tmp_path / "empty.txt").write_bytes(b"")
    assert main(["inspect", str(tmp_path)]) == 0
    _, err = capsys.readouterr()
    assert f"skipped {tmp_path / 'empty.txt'}: empty file" in err.split("\n")


@pytest.mark.parametrize("argv", [["inspect", "no/such/folder"], ["figures", "--corpus", "no/such/folder"]])
def test_user_errors_are_one_line_and_exit_2(argv, capsys):
    assert main(argv) == 2
    _, err = capsys.readouterr()
    assert err == "polthemes: error: no/such/folder: no such file or folder\n"


def test_help_explains_the_commands(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    assert "inspect" in out and "figures" in out and "data/raw/" in out


FIGURE_NAMES = {
    "corpus_overview", "tfidf_top_terms_by_article", "article_similarity", "k_selection_dashboard", "theme_top_terms",
    "theme_by_article_heatmap", "theme_prevalence_by_language_and_source", "theme_cooccurrence_network", "themes_over_time",
    "named_theme_shares", "named_theme_effects", "named_themes_over_time",
}
#: The interactive pages, and the plotly.js the theme explorer loads from beside it.
PAGE_NAMES = ("intertopic_map.html", "theme_explorer.html", "plotly.min.js", "intrusion_test.html")


@pytest.fixture(scope="module")
def regenerated(default_analysis, tmp_path_factory):
    """``regenerate_figures`` on the seeds twice, each answered by the session's one default
    fit (it asks for exactly that run: the default settings on the seeds)."""
    folders = []
    with pytest.MonkeyPatch.context() as patch:
        reused = reuse_default_analysis(patch, default_analysis)
        for name in ("a", "b"):
            root = tmp_path_factory.mktemp(f"figures_{name}")
            folders.append((regenerate_figures(SEEDS_DIR, root / "figures", results_dir=root / "results"), root))
    assert reused == ["seeds", "seeds"]
    return folders


@pytest.mark.slow
def test_figures_regenerate_byte_identical(regenerated):
    (first, root), (second, _) = regenerated
    expected = {f"{n}.{ext}" for n in FIGURE_NAMES for ext in ("png", "svg")} | set(PAGE_NAMES)
    assert {p.name for p in first} == expected
    for a, b in zip(first, second):
        assert a.read_bytes() == b.read_bytes(), a.name
    assert (root / "results" / "manifest.json").exists()  # the tables behind the figures are written too
    html = (root / "figures" / "intertopic_map.html").read_text(encoding="utf-8")
    assert "<script src=" not in html and "polthemes_intertopic_map" in html  # offline, fixed id
    # Map coordinates rounded past the last digits that differ between BLAS builds.
    coordinates = re.search(r'"mdsDat": \{"x": \[([^\]]*)\], "y": \[([^\]]*)\]', html)
    values = [v.strip() for v in f"{coordinates[1]},{coordinates[2]}".split(",")]
    assert len(values) >= 4  # x and y of every theme (K >= 2)
    assert all(len(v.split(".")[1]) <= 10 for v in values if "." in v and "e" not in v)
    # The explorer loads plotly.js from beside it, the copy the pinned plotly ships, and nothing else.
    from plotly.offline import get_plotlyjs

    explorer = (root / "figures" / "theme_explorer.html").read_text(encoding="utf-8")
    assert re.findall(r"<script[^>]*\bsrc=\"([^\"]*)\"", explorer) == ["plotly.min.js"] and "://" not in explorer
    assert (root / "figures" / "plotly.min.js").read_text(encoding="utf-8") == get_plotlyjs()


@pytest.mark.slow
def test_the_committed_figures_are_what_the_seeds_give_now(regenerated):
    """figures/ is made by `make figures` from data/raw/ (the five seeds) and the committed
    resources; regenerated from the tests' copy of the seeds, every file is byte-identical."""
    skip_unless_committed_inputs("figures", "make figures")
    first, _ = regenerated[0]
    for path in first:
        committed = FIGURES_DIR / path.name
        assert committed.read_bytes() == path.read_bytes(), f"{committed} is stale: run `make figures`"


def test_outputs_are_never_written_into_data_raw(tmp_path):
    with pytest.raises(ReadOnlyInputError, match="data/raw/ is read-only input"):
        write_text_atomic(RAW_DIR / "notes.txt", "x")
    with pytest.raises(ReadOnlyInputError):
        regenerate_figures(RAW_DIR, RAW_DIR / "figures")
    assert not (RAW_DIR / "notes.txt").exists()
    written = write_text_atomic(tmp_path / "sub" / "table.csv", "a,b\n")
    assert written.read_text() == "a,b\n"
    assert [p.name for p in written.parent.iterdir()] == ["table.csv"]  # no temporary left behind


@pytest.mark.slow  # regenerates every figure
def test_no_cache_means_no_cache_for_every_command(tmp_path, monkeypatch):
    """``--no-cache`` and ``cache=False`` reach the reader and the tokenizer: nothing is written
    to the cache folder; by default the seeds' reading, segmentations and tokens are kept there."""
    import polthemes.engines.local as local
    from polthemes.settings import AnalysisSettings

    cache = tmp_path / "cache"
    monkeypatch.setenv("POLTHEMES_CACHE_DIR", str(cache))
    # The figures' fit is cut to one K and one chain: what is checked is where the tokenizer
    # stores its segmentations, which the size of the model does not change.
    real, asked = local.run_analysis, []

    def small_run(articles, settings=AnalysisSettings(), *args, **kwargs):
        asked.append(kwargs["cache_dir"])
        return real(articles, AnalysisSettings(k_values=(3,), chains=1, n_boot=0, cross_check=()), *args, **kwargs)

    monkeypatch.setattr(local, "run_analysis", small_run)
    regenerate_figures(SEEDS_DIR, tmp_path / "figures", tmp_path / "results", workers=1, cache=False)
    assert asked == [None]
    assert main(["coverage", str(SEEDS_DIR), "--no-cache", "--workers", "1"]) == 0
    assert not cache.exists() or not any(cache.iterdir())
    assert main(["coverage", str(SEEDS_DIR), "--workers", "1"]) == 0
    # jieba's dictionary, the reading, the segmentations, the tokens
    assert sorted(p.name.split("-")[0] for p in cache.iterdir()) == ["jieba", "reading", "segments", "tokens"]
