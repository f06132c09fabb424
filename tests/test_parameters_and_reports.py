"""Bad parameters are refused up front in one line; every command says what the reading left out.

Crafted corpora are copies of seed articles made in the test's own folder, so a user who
adds articles to ``data/raw/`` changes nothing here.
"""

from __future__ import annotations

import gzip
import json
import math
from pathlib import Path

import pandas as pd
import pytest

from conftest import SEED_IDS, seed_bytes, seed_text
from polthemes.engines.local import run_analysis
from polthemes.cli import main
from polthemes.corpus.reader import read_corpus
from polthemes.modelling.selection import choose_k, k_floor, seed_stability
from polthemes.settings import AnalysisError, AnalysisSettings

#: Two English articles and one Chinese one.
SMALL = SEED_IDS[:3]
FAST = ["--k", "2,3", "--chains", "2", "--bootstrap", "0", "--cross-check", "none", "--quiet"]


@pytest.fixture
def small_corpus(corpus_dir: Path) -> Path:
    for article_id in SMALL:
        (corpus_dir / f"{article_id}.txt").write_bytes(seed_bytes(article_id))
    return corpus_dir


def _fails_before_reading(monkeypatch):
    """Make reading the corpus an error, so a check that passes only after reading is caught."""
    import polthemes.cli

    def refuse(*args, **kwargs):
        raise AssertionError("the corpus was read before the parameter was checked")

    monkeypatch.setattr(polthemes.cli, "read_corpus", refuse)
    monkeypatch.setattr(polthemes.cli, "read_corpus_cached", refuse)


def _fails_before_tokenizing(monkeypatch):
    from polthemes.text import pipeline
    from polthemes.text.pipeline import TokenPipeline

    def refuse(*args, **kwargs):
        raise AssertionError("the corpus was tokenized before the parameter was checked")

    monkeypatch.setattr(TokenPipeline, "transform", refuse)
    monkeypatch.setattr(pipeline, "cached", refuse)  # tokens kept by an earlier test count too


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["fit", "--limit", "-1"], "argument --limit: must be 1 or more, got -1"),
        (["fit", "--limit", "0"], "argument --limit: must be 1 or more, got 0"),
        (["terms", "--limit", "-1"], "argument --limit: must be 1 or more, got -1"),
        (["fit", "--sample", "0"], "argument --sample: must be 1 or more, got 0"),
        (["fit", "--sample", "-2"], "argument --sample: must be 1 or more, got -2"),
        (["fit", "--window-tokens", "0"], "argument --window-tokens: must be 5 or more, got 0"),
        (["fit", "--k", "0"], "argument --k: K must be 2 or more"),
        (["fit", "--k", "1"], "argument --k: K must be 2 or more"),
        (["fit", "--k", "1-4"], "argument --k: K must be 2 or more"),
        (["fit", "--k", "two"], "argument --k: 'two' is not a K range like 2-10 or 3,5,8"),
        (["fit", "--seeds", "0"], "argument --chains/--seeds: must be 1 or more, got 0"),
        (["fit", "--heldout-folds", "-1"], "argument --heldout-folds: must be 0 or more, got -1"),
        (["fit", "--bootstrap", "-1"], "argument --bootstrap: must be 0 or more, got -1"),
        (["fit", "--workers", "0"], "argument --workers: must be 1 or more, got 0"),
        (["coverage", "--top", "0"], "argument --top: must be 1 or more, got 0"),
    ],
)
def test_bad_parameters_are_one_line_before_the_corpus_is_read(small_corpus, argv, message, monkeypatch, capsys):
    _fails_before_reading(monkeypatch)
    with pytest.raises(SystemExit) as stopped:
        main([*argv[:1], str(small_corpus), *argv[1:]])
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err and err.startswith(f"polthemes {argv[0]}: error: ")


@pytest.mark.parametrize(("unit", "k"), [("article", 40), ("paragraph", 500)])
def test_k_larger_than_the_corpus_is_refused_before_tokenizing(small_corpus, tmp_path, unit, k, monkeypatch, capsys):
    articles = read_corpus(small_corpus).articles
    most = len(articles) if unit == "article" else sum(len(a.paragraphs) for a in articles)
    _fails_before_tokenizing(monkeypatch)
    out = tmp_path / "out"
    assert main(["fit", str(small_corpus), "--k", f"2,{k}", "--unit", unit, "--quiet", "--out", str(out)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err[-1] == (
        f"polthemes: error: K={k} is more than the {most} {unit} units that 3 articles can give at most; "
        f"choose K of {most} or fewer (--k), or another --unit"
    )
    assert not out.exists()


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        (AnalysisSettings(k_values=(1, 2, 3)), "K must be 2 or more"),
        (AnalysisSettings(k_values=(0,)), "K must be 2 or more"),
        (AnalysisSettings(unit="window", window_tokens=0), "window_tokens must be at least min_unit_terms"),
        (AnalysisSettings(min_unit_terms=0), "min_unit_terms must be at least 1"),
    ],
)
def test_the_api_refuses_what_the_command_line_refuses(small_corpus, settings, message, monkeypatch):
    _fails_before_tokenizing(monkeypatch)
    with pytest.raises(AnalysisError, match=message):
        run_analysis(read_corpus(small_corpus).articles, settings)


def test_one_chain_measures_no_stability_and_says_so(small_corpus, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["fit", str(small_corpus), "--out", str(out), *FAST[:2], "--chains", "1", *FAST[4:]]) == 0
    printed = capsys.readouterr().out
    assert "note: stability not measured: one chain per K" in printed
    summary = pd.read_csv(out / "k_selection.csv")
    assert summary.stability.isna().all()  # not 1.0: one run agrees with nothing
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["selection"]["stability_note"].startswith("stability not measured")
    assert manifest["selection"]["unstable"] is False
    assert manifest["selection"]["basis"] == "held-out likelihood"
    # The K chosen is the smallest at or above the floor within one standard error of the best
    # held-out fit there, as the rule says.
    candidates = summary[summary.k >= manifest["selection"]["floor"]].reset_index(drop=True)
    best = candidates.heldout.idxmax()
    within = candidates[candidates.heldout >= candidates.heldout[best] - candidates.heldout_se[best]]
    assert manifest["selection"]["chosen_k"] == int(within.k.min())


def test_stability_of_a_single_run_is_not_a_perfect_score():
    assert math.isnan(seed_stability([]))
    summary = pd.DataFrame({"k": [2, 3, 4], "stability": [float("nan")] * 3,
                            "heldout": [-6.0, -5.5, -5.45], "heldout_se": [0.01, 0.01, 0.1]})
    assert choose_k(summary) == (3, False, "held-out likelihood")


def test_the_rule_takes_the_most_stable_reproduced_k_and_ties_to_the_smaller():
    summary = pd.DataFrame({"k": [2, 3, 4, 5], "stability": [0.95, 0.72, 0.80, 0.795],
                            "heldout": [-6.0, -5.9, -5.8, -5.7], "heldout_se": [0.01] * 4})
    assert choose_k(summary) == (2, False, "stability")
    # The floor for a corpus of fifty articles rules out two and three themes; 4 and 5 tie.
    assert choose_k(summary, floor=k_floor(50)) == (4, False, "stability")
    assert k_floor(5) == 2 and k_floor(100) == 5
    # No K reproduced: held-out likelihood decides, and the answer is flagged.
    unstable = summary.assign(stability=[0.6, 0.5, 0.55, 0.62])
    assert choose_k(unstable, floor=2) == (5, True, "held-out likelihood")


def _truncated_collection(folder: Path, n_records: int = 12) -> tuple[Path, int]:
    """A gzip JSON Lines collection of real paragraphs, cut short mid-stream; returns the file
    and how many whole records a reader can still get out of it."""
    paragraphs = [p.strip() for p in seed_text(SEED_IDS[3]).split("\n") if len(p.strip()) > 200]
    records = [
        json.dumps({"id": f"r{i:02d}", "title": f"Report {i}", "text": f"Report {i}\n\n{paragraphs[i % len(paragraphs)]} (part {i})"})
        for i in range(n_records)
    ]
    whole = gzip.compress(("\n".join(records) + "\n").encode("utf-8"), mtime=0)
    cut = whole[: len(whole) * 2 // 3]
    path = folder / "collection.jsonl.gz"
    path.write_bytes(cut)
    readable = 0
    try:
        with gzip.open(path, "rb") as handle:
            for line in handle:
                readable += line.endswith(b"\n")
    except EOFError:
        pass
    assert 0 < readable < n_records
    return path, readable


@pytest.fixture
def corpus_with_problems(small_corpus: Path) -> dict:
    (small_corpus / "empty.txt").write_bytes(b"")
    (small_corpus / "copy.txt").write_bytes(seed_bytes(SMALL[0]))
    gz, readable = _truncated_collection(small_corpus)
    return {"folder": small_corpus, "gz": gz, "readable": readable}


def _expected_lines(folder: Path, gz: Path) -> list[str]:
    return [f"skipped {folder / 'empty.txt'}: empty file", f"duplicate {folder / 'copy.txt'} (id copy) = {SMALL[0]}"]


@pytest.mark.parametrize("command", ["terms", "coverage", "fit", "inspect"])
def test_every_command_prints_what_the_reading_left_out(corpus_with_problems, command, tmp_path, capsys):
    folder, gz = corpus_with_problems["folder"], corpus_with_problems["gz"]
    extra = ["--out", str(tmp_path / "out"), *FAST] if command == "fit" else []
    assert main([command, str(folder), *extra]) == 0
    err = capsys.readouterr().err.splitlines()
    report = read_corpus(folder)
    assert len(report.articles) == 3 + corpus_with_problems["readable"]
    assert err[0].startswith(
        f"{len(report.articles)} articles ({len(report.articles) - 1} en, 1 zh); {len(report.skipped)} skipped; "
        f"1 exact duplicates counted once; {len(report.warnings)} warnings"
    )
    for line in _expected_lines(folder, gz):
        assert line in err
    # The cut stream is said on the command's own output, naming the file and where it ended.
    truncated = [line for line in err if str(gz) in line]
    assert len(truncated) == 1 and f"after line {corpus_with_problems['readable']}" in truncated[0]


def test_the_manifest_lists_every_skip_duplicate_and_warning(corpus_with_problems, tmp_path, capsys):
    folder, gz = corpus_with_problems["folder"], corpus_with_problems["gz"]
    out = tmp_path / "out"
    assert main(["fit", str(folder), "--out", str(out), *FAST]) == 0
    capsys.readouterr()
    reading = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["reading"]
    report = read_corpus(folder)
    assert reading["articles_read"] == len(report.articles) == 3 + corpus_with_problems["readable"]
    assert {"location": str(folder / "empty.txt"), "reason": "empty file"} in reading["skipped"]
    assert reading["duplicates"] == [{"id": "copy", "origin": str(folder / "copy.txt"), "duplicate_of": SMALL[0]}]
    problems = reading["skipped"] + reading["warnings"]
    assert sum(str(gz) == p["location"] for p in problems) == 1


def test_a_long_list_of_problems_is_cut_for_modelling_commands_but_not_for_inspect(small_corpus, capsys):
    for i in range(25):
        (small_corpus / f"empty{i:02d}.txt").write_bytes(b"")
    assert main(["terms", str(small_corpus), "--top", "1", "--quiet"]) == 0
    err = capsys.readouterr().err.splitlines()
    assert sum(line.startswith("skipped ") for line in err) == 20
    assert "... and 5 more (polthemes inspect lists every one)" in err
    assert main(["inspect", str(small_corpus)]) == 0
    assert sum(line.startswith("skipped ") for line in capsys.readouterr().err.splitlines()) == 25


# --- Every bad input at once, through the command a researcher runs ----------------------------


def _every_bad_input(folder: Path) -> dict[str, str]:
    """A corpus folder with three good seeds and one of each kind of bad input; returns the
    expected (file name -> start of its reason) for what must be reported."""
    import os

    for article_id in SMALL:
        (folder / f"{article_id}.txt").write_bytes(seed_bytes(article_id))
    (folder / "empty.txt").write_bytes(b"")
    (folder / "binary.txt").write_bytes(bytes(range(256)) * 20)
    (folder / "notes.docx").write_bytes(b"PK\x03\x04")
    (folder / "fr.txt").write_text(
        "Le comité du parti a organisé une réunion pour étudier l'esprit du congrès et renforcer "
        "la discipline des cadres dans toute la province.\n", encoding="utf-8")
    (folder / "shell.txt").write_text("Home » News\n\nLeave a Reply\n\nYour email address will not be published.\n")
    (folder / "copy.txt").write_bytes(seed_bytes(SMALL[0]).replace(b"\n", b"\r\n"))
    (folder / "script.txt").write_text("<!DOCTYPE html><html><head><script>var a = 1;</script></head><body></body></html>\n")
    (folder / "dump.txt").write_text("党委 " * 600_000, encoding="utf-8")
    with open(os.path.join(os.fsencode(folder), b"bad\xff.txt"), "wb") as handle:
        handle.write(seed_bytes(SEED_IDS[4]))
    records = [
        json.dumps({"id": "good", "text": seed_text(SEED_IDS[3])}),
        "{not json",
        '{"id": "half-pair", "text": "党委书记\\ud800讲话"}',
        '{"id": "big", "views": ' + "7" * 5000 + ', "text": "x"}',
        '{"id": "deep", "text": "x", "more": ' + "[" * 100_000 + "]" * 100_000 + "}",
        json.dumps({"id": "good", "text": "the same id again"}),
    ]
    (folder / "records.jsonl").write_text("\n".join(records) + "\n", encoding="utf-8")
    _truncated_collection(folder)
    (folder / "metadata.csv").write_text("id,title\nnobody,A title for no article\n", encoding="utf-8")
    return {
        "empty.txt": "empty file",
        "binary.txt": "binary file",
        "notes.docx": "unsupported file type",
        "fr.txt": "unsupported language 'fr'",
        "shell.txt": "no article text left after removing boilerplate",
        "script.txt": "HTML page with no text",
        "dump.txt": "4,200,000 bytes: longer than any article",  # 600,000 x (3 + 3 + 1) bytes
        "records.jsonl:2": "malformed JSON",
        "records.jsonl:3": "field 'text' is not valid Unicode",
        "records.jsonl:4": "unreadable JSON (Exceeds the limit",
        "records.jsonl:5": "unreadable JSON (nested deeper",
        "records.jsonl:6": "id 'good' already used by",
    }


def test_one_run_over_every_bad_input_reports_each_and_changes_nothing_but_its_output(tmp_path, capsys):
    from conftest import tree_snapshot

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    skipped = _every_bad_input(corpus)
    decoy = tmp_path / "my_notes"  # a researcher's own folder beside the corpus
    decoy.mkdir()
    (decoy / "draft.md").write_text("notes on theme education\n", encoding="utf-8")
    (decoy / "manifest.json").write_text('{"mine": true}\n', encoding="utf-8")
    before = {"corpus": tree_snapshot(corpus), "decoy": tree_snapshot(decoy)}
    out = tmp_path / "out"

    assert main(["fit", str(corpus), "--out", str(out), *FAST]) == 0
    stdout, err = capsys.readouterr()
    report = read_corpus(corpus)
    lines = err.splitlines()
    assert lines[0].startswith(f"{len(report.articles)} articles (") and f"; {len(report.skipped)} skipped; " in lines[0]
    reasons = {Path(s.location).name: s.reason for s in report.skipped}
    assert {name: reasons.get(name, "")[: len(start)] for name, start in skipped.items()} == skipped
    assert len(report.skipped) == len(skipped)
    assert [d.id for d in report.duplicates] == ["copy"]
    warned = sorted(w.reason.split(" ")[0] for w in report.warnings)
    assert warned == ["cut", "file", "no"]  # the cut stream, the file name, the metadata row
    # Every one of them on the command's own output (20 at most, then a pointer) ...
    problems = [line for line in lines if line.startswith(("skipped ", "warning ", "duplicate "))]
    assert len(problems) == min(20, len(report.skipped) + len(report.duplicates) + len(report.warnings))
    assert "note: reading the corpus gave 3 warning(s) and 12 skip(s)" in stdout
    # ... and every one in the manifest.
    reading = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["reading"]
    assert reading == json.loads(json.dumps(report.problems_record()))
    # Nothing outside the output folder changed: not the corpus, not the researcher's folder.
    assert {"corpus": tree_snapshot(corpus), "decoy": tree_snapshot(decoy)} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["corpus", "my_notes", "out"]


def test_a_notebook_that_does_not_exist_is_named_and_nothing_runs(monkeypatch, capsys):
    """``polthemes notebooks`` takes a name, a stem or a path; one that names no notebook is an
    error naming it (it once ran nothing and said nothing), and no notebook is executed."""
    import polthemes.notebooks

    executed = []
    monkeypatch.setattr(polthemes.notebooks, "execute_notebook", lambda path, **_: executed.append(path))
    assert main(["notebooks", "notebooks/03-lda.ipynb", "99-nothing"]) == 2
    err = capsys.readouterr().err
    assert "no notebook 99-nothing.ipynb" in err and "03-lda.ipynb" in err.split("the notebooks are")[1]
    assert executed == []
    assert main(["notebooks", "notebooks/03-lda.ipynb", "04-recurring-themes"]) == 0
    assert [path.name for path in executed] == ["03-lda.ipynb", "04-recurring-themes.ipynb"]
