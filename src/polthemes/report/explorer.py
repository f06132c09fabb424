"""The theme explorer: one offline HTML page that steps through a run's themes, from 0.

For each theme (a selector and Previous / Next buttons, numbered from 0 as every table and
figure is) the page shows its label, its top terms by probability and by FREX with their
bilingual labels (党委 · party committee), and the articles' shares of it, each article by
its short title and language, with the bootstrap 5-95% interval where the run has one; a
line says in how many articles the theme is present and how many chains found it. It is
drawn from a run's tables alone (``topic_terms``, ``article_themes``, and
``article_theme_uncertainty``, ``recurring_themes``, ``theme_support`` where present), so a
Spark run, which keeps no per-unit arrays, gets its explorer too.

**Why Plotly, and why beside the page rather than in it.** The charts are Plotly's
(hover, zoom, PNG export, error bars) from the pinned ``plotly`` package, whose wheel ships
plotly.js: nothing is fetched from a CDN. plotly.js is 4.8 MB, more than a hundred times
the page; inlining it would put those megabytes into every committed explorer (and every
results folder drawn with ``--out``). So the page loads ``plotly.min.js`` from its own
folder by a relative ``<script src>``, which works offline from ``file://``: the layout of
Plotly's own ``include_plotlyjs="directory"``. The page and the script are written here
rather than by ``plotly.io.write_html``, because that writes the script only when no
``plotly.min.js`` is there yet (a stale copy from an older plotly would stay beside a page
that expects the new one), writes in place rather than atomically, and gives each plot a
random ``div`` id; here both files are written atomically every time, and the page
regenerates byte for byte. A page of hand-drawn CSS bars would need no file beside it, but
would lose hover, zoom and export and draw its intervals by hand; one copy of plotly.js
shared by the pages of a folder is the smaller cost. The controls, the label and the numbers are plain HTML (a
``<select>``, two buttons, tables), so a reader can copy them, and if ``plotly.min.js`` is
missing (the page copied alone) the page says so and the tables still show everything.
Plotly's logo link and its "Share chart" button (which uploads a chart to Plotly's cloud)
are switched off, so nothing on the page sends its data anywhere.

**Nothing a user named can run.** The page's data (labels, titles, folder names) sits in a
``<script type="application/json">`` with every ``<``, ``>`` and ``&`` written as a JSON
``\\u`` escape, so no string can close that element; the script puts text into the page
only as ``textContent``, never as markup; Plotly, whose text accepts a little HTML
(``<b>``, ``<a href>``), is given every label with ``&``, ``<`` and ``>`` as entities, which
it shows literally; the title is HTML-escaped.
"""

from __future__ import annotations

import html as html_text
import json
import math
from pathlib import Path

import pandas as pd

from polthemes.files import write_text_atomic
from polthemes.results import Results

#: The file the page loads plotly.js from, in its own folder (Plotly's name for it).
PLOTLY_JS = "plotly.min.js"
#: Tables the explorer cannot do without (both engines write them; the theme figures need
#: them too); the others add intervals and summaries, and no per-unit array is needed.
REQUIRED_TABLES = ("topic_terms", "article_themes")
#: Articles shown per theme, those of the largest share (an archive is read through its
#: themes, not article by article).
MAX_ARTICLES = 30
#: Decimals kept of every number, as the results folder's tables store them, so a run in
#: memory and the same run loaded from its folder give the same page.
DECIMALS = 6


def theme_explorer_html(results: Results, *, title: str = "") -> str:
    """The explorer page of ``results`` (in memory or loaded); it expects :data:`PLOTLY_JS`
    beside it (:func:`save_theme_explorer` writes both)."""
    missing = [name for name in REQUIRED_TABLES if name not in results.tables]
    if missing:
        raise ValueError(f"this run has no {' or '.join(missing)} table, which the theme explorer needs")
    data = _json_in_script(_page_data(results))
    title = html_text.escape(title)
    heading = f"<h1>{title}</h1>\n" if title else ""
    return _PAGE.format(title=title or "theme explorer", heading=heading, data=data, plotly=PLOTLY_JS,
                        style=_STYLE, script=_SCRIPT)


def save_theme_explorer(results: Results, path: str | Path, *, title: str = "") -> Path:
    """Write :func:`theme_explorer_html` of ``results`` to ``path`` and plotly.js to
    :data:`PLOTLY_JS` beside it (each atomically, and always, so the script is the one the
    installed plotly ships); return the page's path."""
    page = theme_explorer_html(results, title=title)
    save_plotly_js(Path(path).parent)
    return write_text_atomic(path, page)


def save_plotly_js(directory: str | Path) -> Path:
    """plotly.js, as the pinned ``plotly`` package ships it, into ``directory`` (atomically)."""
    from plotly.offline import get_plotlyjs

    return write_text_atomic(Path(directory) / PLOTLY_JS, get_plotlyjs())


# --- the page's data ----------------------------------------------------------------------------


def _page_data(results: Results) -> dict:
    from polthemes.report.figures import provenance_stamp
    from polthemes.report.plots import LANGUAGE_COLOURS, LANGUAGE_NAMES, article_name
    from polthemes.themes.shares import PRESENT_SHARE

    tables = results.tables
    terms = tables["topic_terms"]
    articles = tables["article_themes"].reset_index(drop=True)
    uncertainty = tables.get("article_theme_uncertainty")
    intervals = {}
    if uncertainty is not None and not uncertainty.empty:
        intervals = {(str(r.id), int(r.theme)): (_number(r.low_5), _number(r.high_95)) for r in uncertainty.itertuples()}
    titles = articles["title"].fillna("").astype(str) if "title" in articles.columns else pd.Series([""] * len(articles))
    languages = articles["language"].fillna("").astype(str).tolist()
    names = [article_name(str(i), t, lang) for i, t, lang in zip(articles.id, titles, languages)]
    recurring = _rows_by_theme(tables.get("recurring_themes"))
    support = _rows_by_theme(tables.get("theme_support"))
    labels = list(results.labels) + [""] * max(0, results.k - len(results.labels))
    themes = []
    for k in range(results.k):
        rows = terms[terms.theme == k].sort_values("rank")
        by_probability = _ranked(rows, "term_label", "weight", "{:.4f}")
        by_frex = (_ranked(rows, "frex_term_label", "frex", "{:.3f}") if "frex_term_label" in rows.columns
                   else {"label": [], "value": [], "text": []})  # a folder written before FREX
        column = f"theme_{k}"
        shares = [_number(v) for v in articles[column]] if column in articles.columns else [None] * len(articles)
        order = sorted(range(len(articles)), key=lambda i: (-(shares[i] if shares[i] is not None else -1.0), i))[:MAX_ARTICLES]
        shown = {"name": [], "language": [], "share": [], "low": [], "high": [], "text": [], "interval": []}
        for i in order:
            low, high = intervals.get((str(articles.id[i]), k), (None, None))
            shown["name"].append(names[i])
            shown["language"].append(languages[i])
            shown["share"].append(shares[i])
            shown["low"].append(low)
            shown["high"].append(high)
            shown["text"].append("" if shares[i] is None else f"{shares[i]:.3f}")
            shown["interval"].append("" if low is None or high is None else f"{low:.3f}–{high:.3f}")
        themes.append({
            "theme": k,
            "label": str(labels[k]),
            "summary": _summary(recurring.get(k), support.get(k), len(articles)),
            "terms": by_probability,
            "frex": by_frex,
            "articles": shown,
            "articles_note": (f"the {len(order)} articles with the largest share of this theme, of {len(articles):,}"
                              if len(order) < len(articles) else f"all {len(articles):,} articles, by their share of this theme"),
        })
    used = sorted(set(languages))
    return {
        "k": results.k,
        "stamp": provenance_stamp(results.manifest),
        "warning": str((results.manifest.get("selection") or {}).get("warning") or ""),
        "present_share": PRESENT_SHARE,
        "has_intervals": bool(intervals),
        "languages": {code: {"name": LANGUAGE_NAMES.get(code, code or "unknown"), "colour": LANGUAGE_COLOURS.get(code, "#7f8c8d")}
                      for code in used},
        "themes": themes,
    }


def _ranked(rows: pd.DataFrame, label: str, value: str, style: str) -> dict:
    """A ranked list of terms: their labels, values and the values as shown."""
    values = [_number(v) for v in rows[value]]
    return {"label": [str(v) for v in rows[label].fillna("")], "value": values,
            "text": ["" if v is None else style.format(v) for v in values]}


def _rows_by_theme(table: pd.DataFrame | None) -> dict[int, object]:
    if table is None or "theme" not in table.columns:
        return {}
    return {int(row.theme): row for row in table.itertuples()}


def _summary(recurring, support, n_articles: int) -> str:
    """One line on the theme: in how many articles it is present, in which languages, its
    mean share; how many chains found it."""
    from polthemes.themes.shares import PRESENT_SHARE

    parts = []
    if recurring is not None:
        languages = ", ".join(f"{int(n)} {name}" for n, name in ((getattr(recurring, "articles_en", 0), "English"),
                                                                  (getattr(recurring, "articles_zh", 0), "Chinese")) if n and n == n)
        line = f"Present (share ≥ {PRESENT_SHARE:.0%}) in {int(recurring.articles)} of {n_articles} articles"
        line += f" ({languages})" if languages else ""
        mean = _number(getattr(recurring, "mean_share", None))
        parts.append(line + (f"; mean share {mean:.3f}." if mean is not None else "."))
    if support is not None and _number(getattr(support, "chains", None)):
        line = f"Found by {int(support.found_by)} of {int(support.chains)} chains"
        parts.append(line + ("." if bool(getattr(support, "supported", True)) else ": weakly supported."))
    return " ".join(parts)


def _number(value) -> float | None:
    """A table's number as the page stores it: :data:`DECIMALS` decimals, missing as ``None``."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) or math.isinf(number) else round(number, DECIMALS)


def _json_in_script(data: dict) -> str:
    """``data`` as JSON that can sit inside a ``<script>`` element: every ``<``, ``>`` and ``&``
    written as a ``\\u`` escape (the same strings to JSON), so nothing in it can end the
    element, open a comment or start a tag. Keys sorted, no NaN: the same data, the same bytes."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


# --- the page -------------------------------------------------------------------------------------

_STYLE = """\
body { font-family: "Noto Sans CJK SC", "Noto Sans SC", "PingFang SC", "Microsoft YaHei", sans-serif; margin: 1.5em auto; max-width: 78em; padding: 0 1em; line-height: 1.45; color: #222; }
h1 { font-size: 1.3em; } h2 { font-size: 1.15em; margin: .6em 0 .2em; }
#controls { display: flex; gap: .5em; align-items: center; flex-wrap: wrap; position: sticky; top: 0; background: #fff; padding: .5em 0; border-bottom: 1px solid #ddd; }
#controls select { max-width: 40em; font-size: 1em; } #controls button { font-size: 1em; }
.stamp { color: #777; font-size: .8em; } .warning { color: #c0392b; font-weight: bold; } .notice { color: #c0392b; }
.charts { display: flex; flex-wrap: wrap; gap: 1em; } .charts > div { flex: 1 1 30em; min-width: 22em; }
table { border-collapse: collapse; margin: .5em 0 1em; font-size: .9em; } td, th { border-bottom: 1px solid #eee; padding: .15em .6em; text-align: left; }
td.number { text-align: right; font-variant-numeric: tabular-nums; }
"""

_SCRIPT = r"""
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("explorer-data").textContent);
  var select = document.getElementById("theme-select");
  var previous = document.getElementById("previous-theme");
  var next = document.getElementById("next-theme");
  var K = data.themes.length;
  var charts = typeof Plotly !== "undefined";
  // No Plotly logo link and no "Share chart" button (it uploads the chart to Plotly's cloud):
  // nothing on the page can send the data anywhere.
  var config = {displaylogo: false, showSendToCloud: false, plotlyServerURL: "", responsive: true,
                modeBarButtonsToRemove: ["select2d", "lasso2d"]};

  function byId(id) { return document.getElementById(id); }
  // Plotly reads a little HTML in its text; entities make every label show as written.
  function literal(text) { return String(text).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;"); }
  function range(n) { var out = []; for (var i = 0; i < n; i++) { out.push(i); } return out; }
  function cell(row, text, number) {
    var td = document.createElement("td");
    td.textContent = text;
    if (number) { td.className = "number"; }
    row.appendChild(td);
  }
  function fill(tbody, rows) {
    tbody.textContent = "";
    rows.forEach(function (cells) {
      var row = document.createElement("tr");
      cells.forEach(function (c) { cell(row, c[0], c[1]); });
      tbody.appendChild(row);
    });
  }

  function termChart(id, terms, title, axis, colour) {
    var n = terms.label.length;
    Plotly.react(byId(id), [{
      type: "bar", orientation: "h", x: terms.value, y: range(n), marker: {color: colour},
      hovertext: terms.label.map(function (label, i) { return literal(label) + ": " + terms.text[i]; }), hoverinfo: "text"
    }], {
      title: {text: literal(title)}, height: 90 + 22 * n, margin: {l: 10, r: 20, t: 40, b: 45}, showlegend: false,
      xaxis: {title: {text: axis}, rangemode: "tozero", fixedrange: true},
      yaxis: {tickmode: "array", tickvals: range(n), ticktext: terms.label.map(literal), autorange: "reversed", automargin: true, fixedrange: true}
    }, config);
  }

  function articleChart(articles) {
    var n = articles.name.length, traces = [];
    Object.keys(data.languages).forEach(function (code) {
      var rows = range(n).filter(function (i) { return articles.language[i] === code; });
      if (!rows.length) { return; }
      traces.push({
        type: "bar", orientation: "h", name: data.languages[code].name, marker: {color: data.languages[code].colour},
        x: rows.map(function (i) { return articles.share[i]; }), y: rows, width: 0.7,  // else a language's bars widen to its gaps
        hovertext: rows.map(function (i) {
          return literal(articles.name[i]) + ": " + articles.text[i] + (articles.interval[i] ? " [" + articles.interval[i] + "]" : "");
        }), hoverinfo: "text"
      });
    });
    var xs = [], ys = [];
    range(n).forEach(function (i) {
      if (articles.low[i] !== null && articles.high[i] !== null) { xs.push(articles.low[i], articles.high[i], null); ys.push(i, i, null); }
    });
    if (xs.length) {
      traces.push({type: "scatter", mode: "lines", name: "bootstrap 5–95% interval", x: xs, y: ys, hoverinfo: "skip",
                   line: {color: "#2c3e50", width: 2}});
    }
    Plotly.react(byId("article-chart"), traces, {
      title: {text: "Share of each article's tokens"}, height: 130 + 26 * n, margin: {l: 10, r: 20, t: 40, b: 45}, barmode: "overlay",
      legend: {orientation: "h", y: -0.12 - 6 / (n + 4)},
      xaxis: {title: {text: "share (present at ≥ " + Math.round(100 * data.present_share) + "%)"}, range: [0, 1], fixedrange: true},
      yaxis: {tickmode: "array", tickvals: range(n), ticktext: articles.name.map(literal), autorange: "reversed", automargin: true, fixedrange: true},
      shapes: [{type: "line", xref: "x", yref: "paper", x0: data.present_share, x1: data.present_share, y0: 0, y1: 1,
                line: {color: "#7f8c8d", dash: "dash", width: 1}}]
    }, config);
  }

  function show(index) {
    var i = Math.max(0, Math.min(K - 1, Math.round(+index)));
    if (isNaN(i)) { i = 0; }
    var theme = data.themes[i];
    select.value = String(i);
    previous.disabled = i === 0;
    next.disabled = i === K - 1;
    byId("theme-heading").textContent = "Theme " + theme.theme + ": " + theme.label;
    byId("theme-position").textContent = "theme " + theme.theme + " of themes 0–" + (K - 1);
    byId("theme-summary").textContent = theme.summary;
    byId("articles-note").textContent = "Articles: " + theme.articles_note + ".";
    var rows = [];
    for (var r = 0; r < Math.max(theme.terms.label.length, theme.frex.label.length); r++) {
      rows.push([[String(r + 1), true], [theme.terms.label[r] || "", false], [theme.terms.text[r] || "", true],
                 [theme.frex.label[r] || "", false], [theme.frex.text[r] || "", true]]);
    }
    fill(byId("terms-table").tBodies[0], rows);
    fill(byId("articles-table").tBodies[0], theme.articles.name.map(function (name, j) {
      var code = theme.articles.language[j];
      return [[name, false], [data.languages[code] ? data.languages[code].name : code, false], [theme.articles.text[j], true],
              [theme.articles.interval[j], true]];
    }));
    document.body.setAttribute("data-theme", String(theme.theme));
    if (charts) {
      termChart("terms-chart", theme.terms, "By probability in theme " + theme.theme, "probability", "#2e86c1");
      termChart("frex-chart", theme.frex, "By FREX (frequent and exclusive)", "FREX", "#8e44ad");
      articleChart(theme.articles);
    }
  }

  data.themes.forEach(function (theme, i) {
    var option = document.createElement("option");
    option.value = String(i);
    option.textContent = "Theme " + theme.theme + ": " + theme.label;
    select.appendChild(option);
  });
  byId("stamp").textContent = data.k + " themes, numbered 0 to " + (K - 1) + " as in every table and figure · " + data.stamp;
  byId("run-warning").textContent = data.warning;
  if (!data.has_intervals) { byId("intervals-note").textContent = "This run has no bootstrap intervals."; }
  if (!charts) {
    byId("no-charts").textContent = "plotly.min.js was not found beside this page, so the charts are not drawn; the tables hold the same numbers.";
    Array.prototype.forEach.call(document.querySelectorAll("details"), function (d) { d.open = true; });
  }
  select.addEventListener("change", function () { show(select.value); });
  previous.addEventListener("click", function () { show(+select.value - 1); });
  next.addEventListener("click", function () { show(+select.value + 1); });
  document.addEventListener("keydown", function (event) {
    if (event.target === select || event.altKey || event.ctrlKey || event.metaKey) { return; }
    if (event.key === "ArrowLeft") { show(+select.value - 1); }
    if (event.key === "ArrowRight") { show(+select.value + 1); }
  });
  show(0);
})();
"""

_PAGE = """\
<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
{style}</style>
<script charset="utf-8" src="{plotly}"></script>
</head>
<body>
{heading}<p class="stamp" id="stamp"></p>
<p class="warning" id="run-warning"></p>
<div id="controls">
<button type="button" id="previous-theme" title="previous theme (←)">◀ Previous</button>
<label for="theme-select">Theme</label> <select id="theme-select"></select>
<button type="button" id="next-theme" title="next theme (→)">Next ▶</button>
<span class="stamp" id="theme-position"></span>
</div>
<h2 id="theme-heading"></h2>
<p id="theme-summary"></p>
<p class="notice" id="no-charts"></p>
<h2>Top terms</h2>
<div class="charts"><div id="terms-chart"></div><div id="frex-chart"></div></div>
<details><summary>Top terms as a table</summary>
<table id="terms-table"><thead><tr><th>#</th><th>by probability</th><th>probability</th><th>by FREX</th><th>FREX</th></tr></thead><tbody></tbody></table>
</details>
<h2>Articles</h2>
<p id="articles-note"></p>
<p class="stamp" id="intervals-note"></p>
<div id="article-chart"></div>
<details><summary>Articles as a table</summary>
<table id="articles-table"><thead><tr><th>article</th><th>language</th><th>share</th><th>5–95% interval</th></tr></thead><tbody></tbody></table>
</details>
<script type="application/json" id="explorer-data">{data}</script>
<script>{script}</script>
</body></html>
"""
