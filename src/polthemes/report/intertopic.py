"""The interactive intertopic distance map (pyLDAvis), as one self-contained HTML file.

pyLDAvis' HTML loads d3 and LDAvis from a CDN and gives the plot a random id; here the
JavaScript and CSS that ship inside the pyLDAvis wheel are inlined and the id is fixed, so
the file opens offline and regenerates byte for byte.

Every string that goes into the page is escaped for where it goes: the title (which
names the corpus folder, a name the user chose) as HTML text, the term labels inside the
embedded JSON so that no label can close the ``<script>`` element it sits in. A folder
named ``<script>...`` is therefore shown, never run.
"""

from __future__ import annotations

import html as html_text
from importlib import resources
from pathlib import Path

import numpy as np

from polthemes.files import write_text_atomic
from polthemes.results import Results

_PLACEHOLDERS = {"d3": "POLTHEMES-D3", "ldavis": "POLTHEMES-LDAVIS", "css": "POLTHEMES-CSS"}
_ASSETS = {"d3": "d3.v5.min.js", "ldavis": "ldavis.v3.0.0.js", "css": "ldavis.v1.0.0.css"}
#: Decimals kept of the topics' map coordinates (see :func:`intertopic_map_html`).
MAP_DECIMALS = 10


def intertopic_map_html(results: Results, *, title: str = "") -> str:
    """Standalone HTML of pyLDAvis' intertopic map of a run's themes (in memory or loaded).

    Terms are shown with their bilingual labels (党委 · party committee); topics keep the
    run's numbering (``sort_topics=False``) so they match the tables and figures. Needs the
    run's per-unit arrays (``unit_topics``, ``unit_lengths``, ``term_counts``), which the
    local engine keeps and writes.
    """
    import pyLDAvis

    if results.unit_topics is None or results.unit_lengths is None or results.term_counts is None:
        raise ValueError("this run kept no per-unit theme mixtures and lengths, which the intertopic map needs")
    labels = _unique_labels(results.term_labels())
    lengths = np.asarray(results.unit_lengths)
    keep = lengths > 0
    prepared = pyLDAvis.prepare(
        topic_term_dists=results.theme_terms,
        doc_topic_dists=np.asarray(results.unit_topics)[keep],
        doc_lengths=lengths[keep],
        vocab=labels,
        term_frequency=np.asarray(results.term_counts),
        sort_topics=False,
        start_index=0,
        n_jobs=1,
    )
    # The map's coordinates come from an eigendecomposition whose last digits differ between
    # BLAS builds and processors (1e-15 here); ten decimals are far finer than a pixel and
    # keep the file byte-identical from machine to machine.
    prepared.topic_coordinates[["x", "y"]] = prepared.topic_coordinates[["x", "y"]].round(MAP_DECIMALS)
    html = pyLDAvis.prepared_data_to_html(
        prepared,
        d3_url=_PLACEHOLDERS["d3"],
        ldavis_url=_PLACEHOLDERS["ldavis"],
        ldavis_css_url=_PLACEHOLDERS["css"],
        template_type="simple",
        visid="polthemes_intertopic_map",
    )
    data = prepared.to_json()
    html = html.replace(data, script_safe_json(data), 1)
    assets = resources.files("pyLDAvis").joinpath("js")
    for key in ("d3", "ldavis"):
        code = assets.joinpath(_ASSETS[key]).read_text(encoding="utf-8")
        if key == "ldavis":
            code = zero_based_topics(code)
        html = html.replace(f'<script type="text/javascript" src="{_PLACEHOLDERS[key]}"></script>', f'<script type="text/javascript">\n{code}\n</script>')
    css = assets.joinpath(_ASSETS["css"]).read_text(encoding="utf-8")
    html = html.replace(f'<link rel="stylesheet" type="text/css" href="{_PLACEHOLDERS["css"]}">', f"<style>\n{css}\n</style>")
    title = html_text.escape(title)
    heading = f"<h3 style=\"font-family:sans-serif\">{title}</h3>\n" if title else ""
    return f'<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>{title or "intertopic map"}</title></head>\n<body>\n{heading}{html}\n</body></html>\n'


#: LDAvis numbers topics from 1 and takes 0 for "no topic selected"; the project numbers
#: themes from 0. These edits of its page script make -1 (an empty box) "none", so theme 0
#: can be selected, typed and stepped to, and "Next Topic" stops at the last theme, K - 1.
#: Each edit must apply exactly as often as listed, in order (the last matches text the
#: second wrote): another LDAvis version fails loudly. tests/test_browser.py drives them.
ZERO_BASED_TOPIC_EDITS = (
    ("topic: 0,", "topic: -1,", 1),
    ("vis_state.topic > 0", "vis_state.topic >= 0", 7),
    ('topicInput.max = K;', 'topicInput.max = K - 1;', 1),
    ('topicInput.value = "0"; // a value of 0 indicates no topic is selected', 'topicInput.value = ""; // empty: no topic selected', 1),
    ("Math.min(K, +value_old + 1).toFixed(0)", '(value_old === "" ? 0 : Math.min(K - 1, +value_old + 1)).toFixed(0)', 1),
    ("Math.max(0, +value_old - 1).toFixed(0)", '(value_old === "" ? 0 : Math.max(0, +value_old - 1)).toFixed(0)', 1),
    ("if (!isNaN(value_new) && value_new > 0) {", 'if (value_new !== "" && !isNaN(value_new) && value_new >= 0) {', 1),
    ("value_new = Math.min(K, Math.max(1, value_new));", "value_new = Math.min(K - 1, Math.max(0, Math.round(value_new)));", 1),
    ("Math.round(Math.min(K, Math.max(0, vis_state.topic)))", "Math.round(Math.min(K - 1, Math.max(-1, vis_state.topic)))", 1),
    ("document.getElementById(topicID).value = vis_state.topic = 0;",
     'vis_state.topic = -1;\n            document.getElementById(topicID).value = "";', 1),
    # Reopened on the address a cleared map wrote (#topic=-1), the box is empty, not "-1".
    ("document.getElementById(topicID).value = vis_state.topic;\n                if (vis_state.topic >= 0) {",
     'document.getElementById(topicID).value = vis_state.topic >= 0 ? vis_state.topic : "";\n                if (vis_state.topic >= 0) {', 1),
)


def zero_based_topics(code: str) -> str:
    """LDAvis' page script with :data:`ZERO_BASED_TOPIC_EDITS` applied (see there)."""
    for old, new, count in ZERO_BASED_TOPIC_EDITS:
        found = code.count(old)
        if found != count:
            raise RuntimeError(f"pyLDAvis' ldavis script has {found} copies of {old!r}, expected {count}: "
                               "this pyLDAvis version is not the one the intertopic map was adapted to")
        code = code.replace(old, new)
    return code


def script_safe_json(data: str) -> str:
    """JSON text that can sit inside a ``<script>`` element: ``</`` and ``<!--`` cannot end or
    comment out the element (``<\\/`` and ``\\u003c!--`` are the same strings to JSON)."""
    return data.replace("</", "<\\/").replace("<!--", "\\u003c!--")


def save_intertopic_map(results: Results, path: str | Path, *, title: str = "") -> Path:
    """Write :func:`intertopic_map_html` of ``results`` to ``path`` (atomically)."""
    return write_text_atomic(path, intertopic_map_html(results, title=title))


def _unique_labels(labels: list[str]) -> list[str]:
    """pyLDAvis needs distinct term names; a repeated label gets a counter."""
    seen: dict[str, int] = {}
    out = []
    for label in labels:
        seen[label] = seen.get(label, 0) + 1
        out.append(label if seen[label] == 1 else f"{label} ({seen[label]})")
    return out
