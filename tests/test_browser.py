"""The interactive pages work in a real browser, offline: the theme explorer and the
intertopic map, opened from ``file://`` in headless Chromium and stepped through every
theme with their own controls, each step showing the theme the tables number so.

Needs Debian's Chromium and its driver (``apt-get install chromium chromium-driver``), driven
by the pinned ``selenium`` through ``/usr/bin/chromedriver`` (so Selenium Manager never
downloads a browser or a driver). Where they are missing the tests skip and say how to
install them, unless ``POLTHEMES_REQUIRE_BROWSER=1`` (as CI sets it): then they fail.
They are marked ``slow`` (about 20 s together, a small fit and the browser's start included),
so ``make test-fast`` leaves them out and ``make test`` runs them.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import time
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np
import pytest

from conftest import SEED_IDS, copy_seeds
from polthemes.corpus.reader import read_corpus
from polthemes.engines.local import run_analysis
from polthemes.report.explorer import PLOTLY_JS, save_theme_explorer
from polthemes.report.intertopic import save_intertopic_map
from polthemes.report.plots import article_name
from polthemes.settings import AnalysisSettings

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
INSTALL = "apt-get install chromium chromium-driver"
#: What this machine (and CI's) needs for Chromium to start headless and stay offline.
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync", "--window-size=1300,1600")
#: The map's fixed id (see polthemes.report.intertopic); its controls' ids derive from it.
VISID = "polthemes_intertopic_map"
#: LDAvis' colour of the selected topic's circle (color2 of ldavis.v3.0.0.js).
SELECTED = "rgb(214, 39, 40)"
#: Seconds a page gets to show what a control asked for.
WAIT_S = 5


def _browser_problem() -> str | None:
    missing = [path for path in (CHROMIUM, CHROMEDRIVER) if not (os.path.isfile(path) and os.access(path, os.X_OK))]
    if missing:
        return f"{' and '.join(missing)} not found: install Chromium and its driver with `{INSTALL}`"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed: `pip install -r requirements.txt`"
    return None


def require_browser() -> None:
    """Skip, saying how to install what is missing, or fail under POLTHEMES_REQUIRE_BROWSER=1."""
    problem = _browser_problem()
    if problem:
        if os.environ.get("POLTHEMES_REQUIRE_BROWSER") == "1":
            pytest.fail(f"POLTHEMES_REQUIRE_BROWSER=1 but the browser tests cannot run: {problem}")
        pytest.skip(f"no headless browser for the browser tests: {problem}")


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    """Headless Chromium with a fresh profile, its console and network logged, and every
    request that would leave the machine blocked (the tests also fail on it)."""
    require_browser()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        driver.execute_cdp_cmd("Network.enable", {})
        driver.execute_cdp_cmd("Network.setBlockedURLs", {"urls": ["http://*", "https://*", "ws://*", "wss://*", "ftp://*"]})
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    """A small real run: three seed articles in both languages, K = 3, a bootstrap for intervals."""
    corpus = copy_seeds(tmp_path_factory.mktemp("corpus") / "seeds", ids=SEED_IDS[:3])
    settings = AnalysisSettings(k_values=(3,), chains=1, heldout_folds=0, n_boot=3, cross_check=())
    return run_analysis(read_corpus(corpus).articles, settings, corpus_name="seeds")


def open_page(driver, path: Path, fragment: str = "") -> str:
    """Open ``path`` by ``file://`` (with ``#fragment``), the console and network logs emptied
    first; its URL without the fragment."""
    driver.get("about:blank")
    driver.get_log("browser"), driver.get_log("performance")
    url = path.resolve().as_uri()
    driver.get(url + (f"#{fragment}" if fragment else ""))
    return url


def settle(read, expected, what: str):
    """``read()`` once it gives ``expected`` (pages update on events, charts a moment later),
    else its last value, for the assertion to show."""
    deadline = time.monotonic() + WAIT_S
    while True:
        value = read()
        if value == expected or time.monotonic() > deadline:
            assert value == expected, f"{what}: the page shows {value!r}, expected {expected!r}"
            return value
        time.sleep(0.05)


def assert_offline_and_quiet(driver, url: str, *, expected_errors=()) -> None:
    """No error in the console (beyond ``expected_errors``, substrings of ones expected) and
    no request of the page that left its file: only file:, data: and blob: URLs, and none
    at all to a network address from anything in the browser."""
    errors = [entry["message"] for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]
    unexpected = [message for message in errors if not any(part in message for part in expected_errors)]
    assert not unexpected, f"JavaScript errors on {url}: {unexpected}"
    for part in expected_errors:
        assert any(part in message for message in errors), f"no error naming {part} on {url}: {errors}"
    requests = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            requests.append((message["params"].get("documentURL", ""), message["params"]["request"]["url"]))
    ours = [target for document, target in requests if document.split("#")[0] == url]
    assert ours, f"no request of {url} was logged, so the network check saw nothing"
    assert all(urlsplit(target).scheme in ("file", "data", "blob") for target in ours), ours
    outside = [target for _, target in requests if urlsplit(target).scheme in ("http", "https", "ws", "wss", "ftp")]
    assert not outside, f"requests that left the machine: {outside}"


def texts(driver, selector: str) -> list[str]:
    return driver.execute_script("return Array.from(document.querySelectorAll(arguments[0])).map(e => e.textContent)", selector)


def first_text(driver, selector: str) -> str | None:
    """The first match's text, or None while the page has not drawn it yet (charts are drawn a
    moment after the page loads, so a reader passed to :func:`settle` must not fail on none)."""
    found = texts(driver, selector)
    return found[0] if found else None


# --- the theme explorer -------------------------------------------------------------------------


def expected_theme(results, k: int) -> dict:
    """What the explorer must show for theme ``k``, from the run's tables."""
    terms = results.tables["topic_terms"]
    rows = terms[terms.theme == k].sort_values("rank")
    articles = results.tables["article_themes"].reset_index(drop=True)
    shares = articles[f"theme_{k}"].round(6).tolist()
    order = sorted(range(len(articles)), key=lambda i: (-shares[i], i))
    uncertainty = results.tables["article_theme_uncertainty"]
    bounds = {r.id: (round(r.low_5, 6), round(r.high_95, 6)) for r in uncertainty[uncertainty.theme == k].itertuples()}
    return {
        "heading": f"Theme {k}: {results.labels[k]}",
        "terms": rows.term_label.tolist(),
        "frex": rows.frex_term_label.tolist(),
        "articles": [article_name(articles.id[i], articles.title[i], articles.language[i]) for i in order],
        "rows": [[article_name(articles.id[i], articles.title[i], articles.language[i]),
                  {"en": "English", "zh": "Chinese"}[articles.language[i]], f"{shares[i]:.3f}",
                  "{:.3f}–{:.3f}".format(*bounds[articles.id[i]])] for i in order],
    }


#: What the explorer shows, read in one call: its heading, the tick labels of its three charts
#: (top terms by probability, by FREX, the articles) and the rows of its articles table.
SHOWN = """
const ticks = id => Array.from(document.querySelectorAll('#' + id + ' .ytick text')).map(e => e.textContent);
return {heading: document.getElementById('theme-heading').textContent, terms: ticks('terms-chart'), frex: ticks('frex-chart'),
        articles: ticks('article-chart'),
        rows: Array.from(document.querySelectorAll('#articles-table tbody tr')).map(r => Array.from(r.cells).map(c => c.textContent))};
"""


def shown_theme(driver) -> dict:
    return driver.execute_script(SHOWN)


@pytest.mark.slow
def test_the_explorer_steps_through_every_theme_with_its_own_controls(browser, results, tmp_path):
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import Select

    page = save_theme_explorer(results, tmp_path / "figures" / "theme_explorer.html", title="Theme explorer: 3 themes of seeds")
    url = open_page(browser, page)
    K = results.k
    select = Select(browser.find_element("id", "theme-select"))
    previous, next_ = browser.find_element("id", "previous-theme"), browser.find_element("id", "next-theme")
    # One option per theme, numbered from 0, labelled as the tables label them.
    assert [o.text for o in select.options] == [f"Theme {k}: {results.labels[k]}" for k in range(K)]
    assert [o.get_attribute("value") for o in select.options] == [str(k) for k in range(K)]

    def check(k: int, how: str) -> None:
        settle(lambda: shown_theme(browser), expected_theme(results, k), f"theme {k} after {how}")
        assert select.first_selected_option.get_attribute("value") == str(k), how
        assert browser.find_element("tag name", "body").get_attribute("data-theme") == str(k)
        assert previous.is_enabled() == (k > 0) and next_.is_enabled() == (k < K - 1), how

    check(0, "opening the page")
    for k in range(1, K):
        next_.click()
        check(k, "Next")
    # Past the last theme there is none: the button is disabled and neither it nor the
    # arrow key goes further.
    browser.execute_script("arguments[0].click()", next_)
    browser.find_element("tag name", "body").send_keys(Keys.ARROW_RIGHT)
    check(K - 1, "Next past the last theme")
    for k in range(K - 2, -1, -1):
        previous.click()
        check(k, "Previous")
    browser.execute_script("arguments[0].click()", previous)
    check(0, "Previous before theme 0")
    for k in [K - 1, 0, *range(1, K)]:
        select.select_by_value(str(k))
        check(k, f"choosing theme {k} in the selector")
    browser.find_element("tag name", "body").send_keys(Keys.ARROW_LEFT)
    check(K - 2, "the left arrow key")
    # Charts drawn by the plotly.js beside the page, with no button that uploads them.
    assert browser.execute_script("return typeof Plotly") == "object"
    titles = browser.execute_script("return Array.from(document.querySelectorAll('.modebar-btn')).map(b => b.getAttribute('data-title'))")
    assert titles and not any("Share" in t or "Cloud" in t or "plotly" in t.lower() for t in titles), titles
    assert_offline_and_quiet(browser, url)


@pytest.mark.slow
def test_the_explorer_without_plotly_beside_it_still_shows_every_number(browser, results, tmp_path):
    """A page copied alone (no plotly.min.js) says so and shows the tables, not nothing."""
    page = save_theme_explorer(results, tmp_path / "theme_explorer.html", title="alone")
    (tmp_path / PLOTLY_JS).unlink()
    url = open_page(browser, page)
    settle(lambda: browser.find_element("id", "theme-heading").text, f"Theme 0: {results.labels[0]}", "heading")
    assert "plotly.min.js was not found" in browser.find_element("id", "no-charts").text
    expected = expected_theme(results, 0)
    assert shown_theme(browser)["rows"] == expected["rows"]
    shown_terms = texts(browser, "#terms-table tbody tr td:nth-child(2)")
    assert shown_terms == expected["terms"]
    browser.find_element("id", "next-theme").click()
    settle(lambda: browser.find_element("id", "theme-heading").text, f"Theme 1: {results.labels[1]}", "heading after Next")
    assert_offline_and_quiet(browser, url, expected_errors=(PLOTLY_JS,))


@pytest.mark.slow
def test_markup_in_names_and_labels_is_shown_in_the_browser_never_run(browser, results, tmp_path):
    """Hostile strings in the title (a folder name), a term label and an article title are
    shown as written, by the explorer and by the map, and none of them runs."""
    title = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>'
    label = '</script><script>window.__pwned=3</script><b onmouseover="window.__pwned=4">&amp;</b>'
    story = '<svg onload="window.__pwned=5">'
    tables = dict(results.tables)
    terms = tables["topic_terms"].copy()
    top = terms[(terms.theme == 0) & (terms["rank"] == 1)].term.iloc[0]
    terms.loc[terms.term == top, "term_label"] = label
    terms.loc[terms.frex_term == top, "frex_term_label"] = label
    vocabulary = tables["vocabulary"].copy()
    vocabulary.loc[vocabulary.term == top, "label"] = label
    articles = tables["article_themes"].copy()
    articles.loc[0, "title"] = story
    tables.update(topic_terms=terms, vocabulary=vocabulary, article_themes=articles)
    hostile = dataclasses.replace(results, tables=tables)

    page = save_theme_explorer(hostile, tmp_path / "theme_explorer.html", title=title)
    url = open_page(browser, page)
    settle(lambda: first_text(browser, "#terms-chart .ytick text"), label, "the top term's label in the chart")
    assert browser.find_element("tag name", "h1").get_attribute("textContent") == title
    settle(lambda: first_text(browser, "#terms-table tbody tr td:nth-child(2)"), label, "the top term's label in the table")
    settle(lambda: any(story in name for name in texts(browser, "#article-chart .ytick text")), True,
           "the hostile title among the article chart's names")
    assert browser.execute_script("return window.__pwned") is None
    assert_offline_and_quiet(browser, url)

    page = save_intertopic_map(hostile, tmp_path / "intertopic_map.html", title=title)
    url = open_page(browser, page)
    settle(lambda: browser.find_element("tag name", "h3").get_attribute("textContent"), title, "the map's title")
    browser.find_element("id", f"{VISID}-topic-up").click()
    settle(lambda: label in texts(browser, f"#{VISID} .terms"), True, "the hostile label among theme 0's terms")
    assert browser.execute_script("return window.__pwned") is None
    assert_offline_and_quiet(browser, url)


# --- the intertopic map (pyLDAvis, patched to number topics from 0) --------------------------------


def map_state(driver) -> dict:
    """What the map shows: the topic box, the topic its bar chart's title names ("none" for
    the corpus-wide title, else the whole title), which circles are highlighted."""
    circles = driver.execute_script(
        "return Array.from(document.querySelectorAll('#' + arguments[0] + ' circle.dot')).map(c => [c.id, c.style.fill])", VISID)
    title = driver.execute_script("var t = document.querySelector('#' + arguments[0] + ' .bubble-tool'); return t && t.textContent", VISID)
    named = re.fullmatch(r"Top-30 Most Relevant Terms for Topic (\S+) \([0-9.]+% of tokens\)", title or "")
    return {
        "box": driver.find_element("id", f"{VISID}-topic").get_attribute("value"),
        "title": named[1] if named else "none" if (title or "").startswith("Top-30 Most Salient Terms") else title,
        "highlighted": sorted(c[0] for c in circles if c[1] == SELECTED),
    }


def topic_shown(k: int) -> dict:
    """:func:`map_state` when topic ``k`` is selected."""
    return {"box": str(k), "title": str(k), "highlighted": [f"{VISID}-topic{k}"]}


def most_probable_labels(results, k: int) -> set[str]:
    """Labels of theme ``k``'s most probable terms (all of them, if several tie at the four
    decimals of log-probability LDAvis ranks by): what its bar chart lists first at λ = 1."""
    logprob = np.round(np.log(results.theme_terms[k]), 4)
    labels = results.term_labels()
    return {labels[j] for j in np.flatnonzero(logprob == logprob.max())}


@pytest.mark.slow
def test_the_intertopic_map_steps_through_every_topic_from_zero(browser, results, tmp_path):
    page = save_intertopic_map(results, tmp_path / "intertopic_map.html", title="Intertopic map: 3 themes of seeds")
    url = open_page(browser, page)
    K = results.k
    up = browser.find_element("id", f"{VISID}-topic-up")
    down = browser.find_element("id", f"{VISID}-topic-down")
    box = browser.find_element("id", f"{VISID}-topic")
    settle(lambda: sorted(texts(browser, f"#{VISID} .txt")), [str(k) for k in range(K)], "the circles' numbers")
    nothing = {"box": "", "title": "none", "highlighted": []}
    assert map_state(browser) == nothing  # none selected yet
    assert box.get_attribute("min") == "0" and box.get_attribute("max") == str(K - 1)
    circle(browser, 1, "mouseover")
    circle(browser, 1, "mouseout")
    settle(lambda: map_state(browser), nothing, "hovering a circle with no topic selected")

    def check(k: int, how: str) -> None:
        settle(lambda: map_state(browser), topic_shown(k), f"topic {k} after {how}")
        first = first_text(browser, f"#{VISID} .terms")  # drawn with the title map_state read
        assert first in most_probable_labels(results, k), f"{how}: topic {k} lists {first!r} first"
        assert urlsplit(browser.current_url).fragment.startswith(f"topic={k}&")

    down.click()  # with no topic selected, Previous too selects the first
    check(0, "Previous Topic with no topic selected")
    browser.find_element("id", f"{VISID}-topic-clear").click()
    settle(lambda: map_state(browser), nothing, "Clear Topic")
    for k in range(K):
        up.click()  # from no topic to 0, then on
        check(k, "Next Topic")
    up.click()
    check(K - 1, "Next Topic past the last topic")
    for k in range(K - 2, -1, -1):
        down.click()
        check(k, "Previous Topic")
    down.click()
    check(0, "Previous Topic before topic 0")
    for k in [K - 1, 0, *range(1, K)]:
        box.clear()
        box.send_keys(str(k))
        check(k, f"typing {k}")
    box.clear()
    box.send_keys(str(K))  # a topic that does not exist: the last one instead
    check(K - 1, f"typing {K}")
    # The circles are controls too: clicking one selects its topic (and only it), hovering
    # another shows that one until the pointer leaves, then the selected topic again.
    for k in [0, *range(1, K), 0]:
        circle(browser, k, "click")
        check(k, f"clicking circle {k}")
    for k in range(1, K):
        circle(browser, k, "mouseover")
        settle(lambda: map_state(browser)["title"], str(k), f"hovering circle {k}")
        circle(browser, k, "mouseout")
        check(0, f"leaving circle {k} with topic 0 selected")
    browser.find_element("id", f"{VISID}-topic-clear").click()
    settle(lambda: map_state(browser), nothing, "Clear Topic from topic 0")
    assert_offline_and_quiet(browser, url)


def circle(driver, k: int, event: str) -> None:
    """A mouse ``event`` on topic ``k``'s circle (dispatched to it, since circles may overlap)."""
    driver.execute_script("document.getElementById(arguments[0]).dispatchEvent(new MouseEvent(arguments[1], {bubbles: true}))",
                          f"{VISID}-topic{k}", event)


def test_without_chromium_the_tests_skip_naming_the_install_or_fail_when_required(monkeypatch):
    monkeypatch.setattr(os.path, "isfile", lambda path: False)
    monkeypatch.delenv("POLTHEMES_REQUIRE_BROWSER", raising=False)
    with pytest.raises(pytest.skip.Exception, match=f"{CHROMIUM} and {CHROMEDRIVER} not found: install Chromium and its driver with `{INSTALL}`"):
        require_browser()
    monkeypatch.setenv("POLTHEMES_REQUIRE_BROWSER", "1")
    with pytest.raises(pytest.fail.Exception, match=f"POLTHEMES_REQUIRE_BROWSER=1 but .*`{INSTALL}`"):
        require_browser()


@pytest.mark.slow
def test_the_intertopic_map_opens_on_the_topic_its_address_names(browser, results, tmp_path):
    """The map writes the selected topic into the page's address (``#topic=k&...``) and
    reopens on it: theme 0 too; -1 (what Clear Topic writes) is none, K is the last."""
    page = save_intertopic_map(results, tmp_path / "intertopic_map.html")
    K = results.k
    for written, k in [*((str(k), k) for k in range(K)), (str(K), K - 1), ("-1", None)]:
        url = open_page(browser, page, f"topic={written}&lambda=1&term=")
        expected = topic_shown(k) if k is not None else {"box": "", "title": "none", "highlighted": []}
        settle(lambda: map_state(browser), expected, f"opening #topic={written}")
        assert_offline_and_quiet(browser, url)
