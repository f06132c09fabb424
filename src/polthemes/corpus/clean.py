"""One scraped document to one article draft: metadata read, boilerplate cut, body kept.

The order matters and is the one a careful reader follows: first strike what is
obviously page furniture (navigation, comment forms), then read the header (headline,
metadata lines), then drop repeats of the headline, then split a closing by-line off the
last paragraph. Every line ends up either in ``paragraphs`` or in ``removed`` with a
rule, never silently lost.

The header never takes a page's only text: a one-line article is not a headline (when
the headline rule, or a given title the line repeats, would take the last line left, the
line stays text and is also the title), and a field line whose last value runs on into
the body keeps that run-on as text (see :func:`_read_header`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from polthemes.corpus.boilerplate import BoilerplateRules, default_rules, find_boilerplate, normalise_line
from polthemes.config import HEADER_WINDOW_LINES
from polthemes.corpus.metadata import (
    FieldLineReader,
    field_line_reader,
    looks_like_headline,
    looks_like_source_name,
    normalise_given_date,
    parse_date,
    split_trailing_byline,
)
from polthemes.corpus.records import RemovedLine

#: Field lines (``Source: Xinhua``) are also recognised outside the header when this short.
MAX_FIELD_LINE_CHARS = 120


@dataclass
class RawDocument:
    """Decoded text plus whatever metadata its container gave (JSON/CSV columns)."""

    id: str
    text: str
    origin: str
    encoding: str = "utf-8"
    given: dict[str, str] = field(default_factory=dict)
    #: Key that groups articles of one outlet for the repeated-line rule.
    source_group: str = ""
    #: Line number in the file of each line of ``text``, when ``text`` is not the file's own
    #: lines (text taken out of HTML); empty means line i of ``text`` is line i + 1.
    line_numbers: tuple[int, ...] = ()
    #: Line index -> rule, for lines already known not to be article text (a page's ``<nav>``).
    verdicts: dict[int, str] = field(default_factory=dict)
    #: A title to use when the text states none (an HTML page's ``<title>``).
    fallback_title: str = ""
    #: Notes for ``removed`` about what was dropped before ``text`` (an HTML page's scripts).
    notes: tuple[RemovedLine, ...] = ()


@dataclass
class ArticleDraft:
    """An article before corpus-level rules and language detection.

    ``paragraphs`` holds ``(line_no, text)`` so later rules can still report where a
    line came from.
    """

    id: str
    origin: str
    encoding: str
    source_group: str
    fields: dict[str, str]
    paragraphs: list[tuple[int, str]]
    removed: list[RemovedLine]


@dataclass(frozen=True)
class CleaningRules:
    """The resource files that cleaning reads, loaded once: a reader passes one to every
    :func:`draft_article` of a corpus, so a corpus is cleaned with one version of them
    (not a mix, should a file be edited mid-read), and their freshness is checked once per
    corpus, not per article (on the archive 1.8 s of ``stat`` calls)."""

    boilerplate: BoilerplateRules
    fields: FieldLineReader

    @classmethod
    def current(cls) -> CleaningRules:
        """The rules as the resource files say now."""
        return cls(default_rules(), field_line_reader())


def draft_article(document: RawDocument, rules: CleaningRules | None = None) -> ArticleDraft:
    """Split ``document`` into metadata, body paragraphs and removed lines."""
    rules = rules or CleaningRules.current()
    lines = document.text.split("\n")
    verdicts: dict[int, str] = {**find_boilerplate(lines, rules.boilerplate), **document.verdicts}
    numbers = document.line_numbers or range(1, len(lines) + 1)
    fields = {key: value for key, value in document.given.items() if value}
    if "date" in fields:
        fields["date"] = normalise_given_date(fields["date"])

    split: dict[int, tuple[str, str]] = {}
    stated = _read_header(lines, verdicts, split, rules.fields, find_headline="title" not in fields)
    if "title" in fields:
        _mark_headline_repeats(lines, verdicts, fields["title"], rule="duplicate_headline")
    else:
        headline = stated.pop("_headline", "")
        stated_title = stated.get("title", "")
        if headline or stated_title:
            fields["title"] = stated_title or headline
            _mark_headline_repeats(lines, verdicts, headline, rule="duplicate_headline")
            if stated_title and stated_title != headline:
                _mark_headline_repeats(lines, verdicts, stated_title, rule="duplicate_headline")
    stated.pop("_headline", None)
    for key, value in stated.items():
        fields.setdefault(key, value)
    if "title" not in fields and document.fallback_title:
        fields["title"] = document.fallback_title
    _keep_last_line(lines, verdicts, split)

    paragraphs = []
    removed = list(document.notes)
    for i, line in enumerate(lines):
        if i in split:
            cut, kept = split[i]
            removed.append(RemovedLine(numbers[i], cut, "metadata"))
            paragraphs.append((numbers[i], kept))
        elif i in verdicts:
            removed.append(RemovedLine(numbers[i], line.strip(), verdicts[i]))
        elif line.strip():
            paragraphs.append((numbers[i], line.strip()))

    if paragraphs:
        line_no, last = paragraphs[-1]
        byline = split_trailing_byline(last)
        if byline is not None:
            removed.append(RemovedLine(line_no, byline.removed_text, "byline"))
            if byline.remaining_text:
                paragraphs[-1] = (line_no, byline.remaining_text)
            else:
                paragraphs.pop()
            if byline.author:
                fields.setdefault("author", byline.author)
            if byline.source:
                fields.setdefault("source", byline.source)
    removed.sort(key=lambda line: (line.line_no, line.rule))

    return ArticleDraft(
        id=document.id,
        origin=document.origin,
        encoding=document.encoding,
        source_group=document.source_group,
        fields=fields,
        paragraphs=paragraphs,
        removed=removed,
    )


def _read_header(
    lines: list[str], verdicts: dict[int, str], split: dict[int, tuple[str, str]], reader: FieldLineReader, *,
    find_headline: bool,
) -> dict[str, str]:
    """Metadata stated in the text; marks the lines it consumed in ``verdicts``.

    Returns fields plus ``_headline`` (the page headline, if the header has one and
    ``find_headline`` is set: when the collection gives the title, a short first line is
    a sub-heading of the body, not the page headline). A field line whose last value runs
    on into the body (an article stored as one line: ``Title: ... Author: Wang Yan Since
    the initiation ...``) gives the fields before that label, and the rest of the line,
    from that label on, stays text: ``split`` maps its index to (cut part, kept part).
    """
    stated: dict[str, str] = {}
    kept = [i for i in range(len(lines)) if lines[i].strip() and i not in verdicts]
    header = kept[:HEADER_WINDOW_LINES]

    # "Label: value" lines: anywhere in the header, and short ones anywhere at all
    # ("来源：人民网" often closes a Chinese article).
    for i in kept:
        if i not in header and len(lines[i].strip()) > MAX_FIELD_LINE_CHARS:
            continue
        found = reader.read_line(lines[i])
        if found is None:
            continue
        verdicts[i] = "metadata"
        if found.remaining_text:
            split[i] = (found.removed_text, found.remaining_text)
        for key, value in found.fields.items():
            if key == "date":
                value = parse_date(value) or value
            stated.setdefault(key, value)

    # A bare date line in the header, and an outlet name right beside it.
    for position, i in enumerate(header):
        if i in verdicts or not parse_date(lines[i], whole=True):
            continue
        stated.setdefault("date", parse_date(lines[i], whole=True))
        verdicts[i] = "metadata"
        for neighbour in header[max(position - 1, 0): position + 2]:
            if neighbour not in verdicts and looks_like_source_name(lines[neighbour]):
                stated.setdefault("source", lines[neighbour].strip())
                verdicts[neighbour] = "metadata"
        break

    # The headline: the first remaining line of the page, if it reads as one.
    remaining = [i for i in header if i not in verdicts]
    if find_headline and remaining and looks_like_headline(lines[remaining[0]]):
        verdicts[remaining[0]] = "headline"
        stated["_headline"] = lines[remaining[0]].strip()
    return stated


def _keep_last_line(lines: list[str], verdicts: dict[int, str], split: dict[int, tuple[str, str]]) -> None:
    """A page's only line of text is never taken for its headline alone: when the headline
    rule (or a given title it repeats) took the last line that was left, that line is text
    too (and stays the title). A one-line record is an article, not a headline."""
    if split or any(line.strip() and i not in verdicts for i, line in enumerate(lines)):
        return
    for rule in ("headline", "duplicate_headline"):
        taken = [i for i, verdict in verdicts.items() if verdict == rule]
        if taken:
            del verdicts[min(taken)]
            return


def _mark_headline_repeats(lines: list[str], verdicts: dict[int, str], headline: str, *, rule: str) -> None:
    """Mark lines that repeat the headline (scrapers often capture it twice)."""
    target = normalise_line(headline)
    if not target:
        return
    for i, line in enumerate(lines):
        if i not in verdicts and line.strip() and normalise_line(line) == target:
            verdicts[i] = rule
