"""Human validation of a run's themes: word intrusion and topic intrusion (oolong's design).

Coherence scores are proxies; whether a reader recognises a theme is measured by asking
readers (Chang et al. 2009, "Reading tea leaves"; the R package oolong). Two tasks:

- **Word intrusion.** A theme's top terms and one *intruder*: a term improbable in this
  theme but among the top terms of another, so it is not odd for being rare. A reader who
  understands the theme spots it; a theme whose intruder nobody finds is not one.
- **Topic intrusion.** A passage of the corpus, in its own language, with the themes it is
  most about and one it is hardly about; the reader names the one that does not belong.

:func:`intrusion_test` draws the items, deterministically from the run's seed, so the
answer key is never stored anywhere a reader could see it: :func:`write_intrusion_page`
writes the items as one offline HTML page (no script from anywhere, every term bilingual,
no answer in it) whose answers the reader saves as a CSV stamped with the run's id, and
:func:`score_intrusion` draws the same items again from the same results to score them:
precision per theme (the share of items whose intruder was found), per task.
"""

from __future__ import annotations

import csv
import html
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from polthemes.corpus.language import HAN_RUN
from polthemes.files import write_text_atomic
from polthemes.settings import AnalysisError

#: Top terms shown with the intruder in a word-intrusion item.
WORDS_PER_ITEM = 5
#: An intruder is among another theme's top this-many terms ...
INTRUDER_FROM_TOP = 10
#: ... and outside this theme's top this-many.
INTRUDER_OUTSIDE_TOP = 50
#: Columns of an answers file.
ANSWER_COLUMNS = ("item", "choice", "run")


class IntrusionError(AnalysisError):
    """An answers or key file cannot be scored; the message names the file and the problem."""


@dataclass(frozen=True)
class IntrusionTest:
    """The items of one test and their answer key."""

    #: One row per item: item, task (word / topic), theme, prompt, options (JSON list of labels).
    items: pd.DataFrame
    #: One row per item: item, task, theme, answer (the intruder's position, from 0).
    key: pd.DataFrame


def intrusion_test(theme_terms: np.ndarray, vocabulary: Sequence[str], term_labels: Sequence[str], theme_labels: Sequence[str],
                   *, passages: pd.DataFrame | None = None, unit_topics: pd.DataFrame | None = None,
                   seed: int = 0, items_per_theme: int = 2) -> IntrusionTest:
    """Word-intrusion items (``items_per_theme`` per theme, each with another intruder) and,
    given ``passages`` (the run's ``passages`` table) and ``unit_topics`` (its
    ``document_topics`` table), one topic-intrusion item per passage."""
    rng = np.random.default_rng(seed)
    k = theme_terms.shape[0]
    if k < 2:
        raise IntrusionError("intrusion needs two or more themes: an intruder comes from another theme")
    order = np.argsort(-np.round(theme_terms, 12), axis=1, kind="stable")
    rows, key = [], []
    for theme in range(k):
        top = list(order[theme, :WORDS_PER_ITEM])
        outside = set(order[theme, :INTRUDER_OUTSIDE_TOP])
        candidates = sorted({int(j) for other in range(k) if other != theme for j in order[other, :INTRUDER_FROM_TOP]} - outside - set(top))
        if not candidates:
            continue
        for intruder in rng.choice(candidates, size=min(items_per_theme, len(candidates)), replace=False):
            options = top + [int(intruder)]
            rng.shuffle(options)
            item = f"w{theme:02d}-{len([r for r in rows if r['theme'] == theme]):02d}"
            rows.append({"item": item, "task": "word", "theme": theme, "prompt": "Which term does not belong with the others?",
                         "options": json.dumps([term_labels[j] or vocabulary[j] for j in options], ensure_ascii=False)})
            key.append({"item": item, "task": "word", "theme": theme, "answer": options.index(int(intruder)),
                        "intruder": vocabulary[int(intruder)]})
    if passages is not None and unit_topics is not None and len(passages):
        columns = [c for c in unit_topics.columns if c.startswith("theme_")]
        mixtures = unit_topics.set_index(["id", "unit"])[columns]
        for n, passage in enumerate(passages.itertuples(index=False)):
            shares = mixtures.loc[(passage.id, int(passage.unit))].to_numpy()
            ranked = list(np.argsort(-shares, kind="stable"))
            shown = ranked[: min(3, k - 1)] + [ranked[-1]]
            rng.shuffle(shown)
            item = f"t{n:03d}"
            rows.append({"item": item, "task": "topic", "theme": int(passage.theme), "prompt": str(passage.text),
                         "options": json.dumps([theme_labels[t] for t in shown], ensure_ascii=False)})
            key.append({"item": item, "task": "topic", "theme": int(passage.theme), "answer": shown.index(ranked[-1]),
                        "intruder": theme_labels[ranked[-1]]})
    return IntrusionTest(pd.DataFrame(rows), pd.DataFrame(key))


def intrusion_test_of(results, *, seed: int | None = None) -> IntrusionTest:
    """:func:`intrusion_test` of a :class:`~polthemes.results.Results` (in memory or loaded)."""
    return intrusion_test(results.theme_terms, results.vocabulary, results.term_labels(), results.labels,
                          passages=results.tables.get("passages"), unit_topics=results.tables.get("document_topics"),
                          seed=results.settings.seed if seed is None else seed)


def run_id(results) -> str:
    """What an answers file is stamped with: the run's corpus hash, K and seed (short)."""
    record = results.manifest
    return f"{record['corpus']['sha256'][:12]}-k{results.k}-s{record['settings']['seed']}"


def write_intrusion_page(test: IntrusionTest, page: str | Path, *, title: str, run: str) -> Path:
    """The items as one offline HTML page with no external resource and no answer in it.

    A "Save answers" button writes ``item,choice,run`` rows (the chosen option's position,
    from 0, and ``run``) to ``answers.csv``, for :func:`score_intrusion`.
    """
    blocks = []
    for row in test.items.itertuples(index=False):
        options = json.loads(row.options)
        choices = "".join(
            f'<label><input type="radio" name="{html.escape(row.item)}" value="{i}"> {html.escape(option)}</label>'
            for i, option in enumerate(options)
        )
        if row.task == "topic":
            language = "zh" if HAN_RUN.search(row.prompt) else "en"
            prompt = (f'<blockquote lang="{language}">{html.escape(row.prompt)}</blockquote>'
                      "<p>Which theme is this passage <em>not</em> about? 哪个主题与这段文字无关？</p>")
        else:
            prompt = "<p>Which term does not belong with the others? 哪个词与其他词不属于同一主题？</p>"
        blocks.append(f'<fieldset data-item="{html.escape(row.item)}"><legend>{html.escape(row.item)}</legend>{prompt}{choices}</fieldset>')
    document = _PAGE.format(title=html.escape(title), items="\n".join(blocks), n=len(test.items), run=html.escape(run))
    return write_text_atomic(page, document)


def score_intrusion(answers: Sequence[str | Path], test: IntrusionTest, *, run: str) -> pd.DataFrame:
    """Precision per task and theme over every answers file (one per coder): the share of
    answered items whose intruder was chosen.

    An answers file of another run, an item the test does not have, a choice that is not an
    option, or a missing column is an error naming the file and the line.
    """
    keyed = test.key.set_index("item")
    options = test.items.set_index("item").options.map(lambda o: len(json.loads(o)))
    rows = []
    for path in map(Path, answers):
        given = _read_csv(path, ANSWER_COLUMNS)
        for line, (item, choice, stamp) in enumerate(zip(given["item"], given["choice"], given["run"]), start=2):
            if stamp != run:
                raise IntrusionError(f"{path}:{line}: answers for run {stamp!r}, but these results are run {run!r} "
                                     "(refitted since the page was written? export the page again)")
            if item not in keyed.index:
                raise IntrusionError(f"{path}:{line}: item {item!r} is not in this run's test")
            try:
                chosen = int(choice)
            except ValueError:
                raise IntrusionError(f"{path}:{line}: choice {choice!r} is not an option number") from None
            if not 0 <= chosen < options[item]:
                raise IntrusionError(f"{path}:{line}: choice {chosen} is not one of the {options[item]} options of {item}")
            entry = keyed.loc[item]
            rows.append({"task": entry.task, "theme": int(entry.theme), "correct": chosen == int(entry.answer)})
    if not rows:
        raise IntrusionError(f"{', '.join(map(str, answers))}: no answers")
    scored = pd.DataFrame(rows)
    table = scored.groupby(["task", "theme"]).correct.agg(answered="size", found="sum").reset_index()
    table["precision"] = table.found / table.answered
    return table


def _read_csv(path: Path, columns: Sequence[str]) -> pd.DataFrame:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise IntrusionError(f"{path}: no such file") from None
    except UnicodeDecodeError:
        raise IntrusionError(f"{path}: not UTF-8 text") from None
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in columns if c not in (reader.fieldnames or [])]
    if missing:
        raise IntrusionError(f"{path}: missing column(s) {', '.join(missing)} (expected {', '.join(columns)})")
    return pd.DataFrame(list(reader), columns=list(reader.fieldnames or []))


_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>
body {{ font-family: "Noto Sans CJK SC", "Noto Sans SC", "PingFang SC", "Microsoft YaHei", sans-serif; max-width: 52em; margin: 2em auto; line-height: 1.5; }}
fieldset {{ margin: 1em 0; border: 1px solid #ccc; }} label {{ display: block; margin: .2em 0; }}
blockquote {{ background: #f6f6f6; padding: .5em 1em; margin: .5em 0; }}
</style></head><body data-run="{run}">
<h1>{title}</h1>
<p>{n} questions. Answer each, then press <b>Save answers</b>: your browser saves <code>answers.csv</code>,
which <code>polthemes score answers.csv</code> scores (the key is drawn again from the results, never stored here).
共 {n} 题。全部作答后点击“Save answers”保存 answers.csv。</p>
<form id="test">
{items}
</form>
<p><button type="button" id="save">Save answers</button> <span id="status"></span></p>
<script>
document.getElementById("save").addEventListener("click", function () {{
  var rows = ["item,choice,run"], missing = 0, run = document.body.dataset.run;
  document.querySelectorAll("fieldset[data-item]").forEach(function (set) {{
    var picked = set.querySelector("input:checked");
    if (picked) {{ rows.push(set.dataset.item + "," + picked.value + "," + run); }} else {{ missing += 1; }}
  }});
  var link = document.createElement("a");
  link.href = URL.createObjectURL(new Blob([rows.join("\\n") + "\\n"], {{type: "text/csv"}}));
  link.download = "answers.csv";
  document.body.appendChild(link); link.click(); link.remove();
  document.getElementById("status").textContent = (rows.length - 1) + " answers saved" + (missing ? ", " + missing + " left blank" : "");
}});
</script>
</body></html>
"""
