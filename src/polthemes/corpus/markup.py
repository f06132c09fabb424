"""An HTML page saved as an article: recognised, and its text taken out of the markup.

Scrapers often save the page itself under ``.txt``, or put it in a collection's ``text``
field. Modelled as it is, its ``div``, ``href`` and ``var`` become terms. Such a text is
recognised by a document marker (``<!DOCTYPE html``, ``<html``, ``<head``, ``<body``)
near its start, or by many common tags (at least :data:`MIN_TAGS`, one per
:data:`MAX_CHARS_PER_TAG` characters, :data:`MIN_BLOCK_TAGS` of them block-level), and read with the standard library's
:class:`html.parser.HTMLParser` (maintained with CPython; no new dependency):

* the content of ``script``, ``style``, ``noscript``, ``template``, ``svg``, ``head`` (but
  its ``<title>``), ``iframe``, ``object``, ``canvas``, ``select``, ``button`` and
  ``textarea`` is dropped, and listed in one ``html_markup`` note;
* block-level elements (``p``, ``div``, ``br``, ``li``, ``h1``-``h6``, ``tr``, ``section``,
  ``article``, ``header``, ``footer``, ``nav``, ``aside``, ``blockquote``, ``pre``,
  ``table`` ...), and blank lines of the source, end a line, so the line rules of :mod:`polthemes.corpus.boilerplate` (menus,
  comment forms, copyright lines) work on the page as on a plain-text scrape; entities
  are unescaped and whitespace folded as a browser does (kept inside ``pre``);
* lines inside ``<nav>`` are navigation by the page's own word (rule ``navigation``), and a
  run of at least :data:`MIN_LINK_LIST` lines that are each nothing but one link's text is a
  menu or a list of links (rule ``link_list``);
* ``<title>`` is offered as the title when the page has no headline of its own.

Every extracted line keeps the number of the line of the file it starts on, so the
article's ``paragraph_lines`` and ``removed`` still point into the raw file.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from html.parser import HTMLParser

from polthemes.corpus.language import HAN_CHARACTERS

#: Rule recorded (in ``removed``) for the note listing what the markup held besides text.
HTML_RULE = "html_markup"
#: Rule for the lines of a ``<nav>`` element.
NAV_RULE = "navigation"
#: Rule for a run of lines that are each one link's text (a menu, a list of links).
LINK_LIST_RULE = "link_list"

#: A text with no document marker is HTML if it has at least this many common tags ...
MIN_TAGS = 5
#: ... and at least one per this many characters (a Markdown note quoting a ``<br>`` is not),
MAX_CHARS_PER_TAG = 500
#: ... and this many of them block-level (``<p>``, ``<div>``, ``<br>`` ...): a few ``<b>`` in
#: prose are formatting, and the prose's own lines are its paragraphs.
MIN_BLOCK_TAGS = 2
#: Consecutive link-only lines needed to call them a list of links.
MIN_LINK_LIST = 3
#: Markers are looked for in this many leading characters; tags are counted in this many.
_MARKER_WINDOW = 4096
_TAG_WINDOW = 200_000

_MARKER = re.compile(r"<!doctype\s+html|<html[\s>]|<head[\s>]|<body[\s>]", re.IGNORECASE)
_COMMON_TAG = re.compile(
    r"</?(p|div|span|a|br|li|ul|ol|table|tr|td|th|h[1-6]|script|style|img|meta|link|section|article|header|"
    r"footer|nav|aside|blockquote|pre|strong|em|b|i|form|input|iframe|noscript|font|center)(?:\s[^<>]{0,2000})?/?>",
    re.IGNORECASE,
)

#: Elements whose content is not text of the page.
DROPPED = frozenset(
    {"script", "style", "noscript", "template", "svg", "head", "iframe", "object", "canvas", "select", "button", "textarea"}
)
#: Elements that may sit inside ``<head>``; any other start tag closes an unclosed head.
_HEAD_CONTENT = frozenset({"title", "meta", "link", "style", "script", "base", "noscript", "template"})
#: Elements that end a line before and after them.
BLOCKS = frozenset(
    {
        "address", "article", "aside", "blockquote", "body", "br", "caption", "dd", "details", "dialog", "div", "dl",
        "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr",
        "html", "label", "legend", "li", "main", "menu", "nav", "ol", "option", "p", "pre", "section", "summary",
        "table", "tbody", "td", "tfoot", "th", "thead", "title", "tr", "ul",
    }
)
_VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr"})
_HTML_SPACE = re.compile(r"[ \t\n\r\f]+")
_CJK = "\u3000-\u303f" + HAN_CHARACTERS + "\uff00-\uffef"  # Han, CJK punctuation, full-width forms
_CJK_BREAK = re.compile(rf"(?<=[{_CJK}])[ \t\r\f]*\n[ \t\r\f]*(?=[{_CJK}])")
_BLANK_LINE = re.compile(r"\n[ \t\r\f]*\n[ \t\n\r\f]*")


def looks_like_html(text: str) -> bool:
    """Whether ``text`` is an HTML page (or a fragment with many tags) rather than prose."""
    if _MARKER.search(text, 0, _MARKER_WINDOW):
        return True
    window = text[:_TAG_WINDOW]
    tags = [match[1].lower() for match in _COMMON_TAG.finditer(window)]
    blocks = sum(1 for tag in tags if tag in BLOCKS)
    # Inline tags alone (a few <b>) are formatting inside prose whose lines are its paragraphs.
    return len(tags) >= MIN_TAGS and blocks >= MIN_BLOCK_TAGS and len(tags) * MAX_CHARS_PER_TAG >= len(window)


@dataclass
class ExtractedPage:
    """The text of an HTML page, line by line, with where each line starts in the file."""

    lines: list[str]
    #: 1-based line of the file each line starts on.
    line_numbers: list[int]
    #: Line index -> rule, for lines the markup itself marks as not article text.
    verdicts: dict[int, str] = field(default_factory=dict)
    title: str = ""
    #: One line saying what the markup held besides text, and the file line it starts on.
    note: str = ""
    note_line: int = 1

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


def extract_html(text: str) -> ExtractedPage:
    """The page's text as lines (blank when nothing is left); see the module docstring."""
    parser = _TextParser()
    parser.feed(text)
    parser.close()
    return parser.page()


@dataclass
class _Line:
    parts: list[str] = field(default_factory=list)
    line_no: int = 0
    in_nav: bool = False
    #: Characters of text outside any link, and number of links the text came from.
    unlinked: int = 0
    links: int = 0
    pre: bool = False

    def text(self) -> str:
        joined = "".join(self.parts)
        return (joined if self.pre else _HTML_SPACE.sub(" ", joined)).strip()


class _TextParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self._lines: list[_Line] = []
        self._current = _Line()
        self._dropping: list[str] = []  # open dropped elements, outermost first
        self._dropped: Counter[str] = Counter()
        self._first_drop_line = 0
        self._title: list[str] | None = None
        self._title_text = ""
        self._pre = 0
        self._nav = 0
        self._link = 0
        self._link_had_text = False

    # --- structure -------------------------------------------------------------------

    def handle_starttag(self, tag: str, attrs) -> None:
        if self._title is not None:
            self._end_title()  # an unclosed <title> must not swallow the page
        if self._dropping == ["head"] and tag not in _HEAD_CONTENT:
            self._dropping.clear()  # a body element closes an unclosed <head>, as browsers do
        if tag == "title" and self._title is None and not self._title_text and self._dropping in ([], ["head"]):
            self._title = []
            return
        if self._dropping:
            if tag in DROPPED and tag not in _VOID:
                self._dropping.append(tag)
            return
        if tag in DROPPED:
            self._open_dropped(tag)
            return
        self._structure(tag, opening=True)

    def handle_startendtag(self, tag: str, attrs) -> None:
        if self._dropping or tag in DROPPED:
            return  # <svg/>, <iframe/>: nothing inside
        if tag in BLOCKS:
            self._break()

    def handle_endtag(self, tag: str) -> None:
        if self._title is not None:
            self._end_title()
            if tag == "title":
                return
        if self._dropping:
            if tag in self._dropping:
                while self._dropping and self._dropping.pop() != tag:
                    pass
            return
        self._structure(tag, opening=False)

    def _end_title(self) -> None:
        self._title_text = " ".join("".join(self._title or []).split())
        self._title = None

    def _open_dropped(self, tag: str) -> None:
        self._dropping.append(tag)
        self._dropped[tag] += 1
        if not self._first_drop_line:
            self._first_drop_line = self.getpos()[0]

    def _structure(self, tag: str, *, opening: bool) -> None:
        if tag in BLOCKS:
            self._break()
        if tag == "pre":
            self._pre = max(0, self._pre + (1 if opening else -1))
        elif tag == "nav":
            self._nav = max(0, self._nav + (1 if opening else -1))
        elif tag == "a":
            if opening:
                self._link += 1
                self._link_had_text = False
            elif self._link:
                self._link -= 1
                if self._link_had_text:
                    self._current.links += 1

    # --- text ------------------------------------------------------------------------

    def handle_data(self, data: str) -> None:
        if self._title is not None:
            self._title.append(data)
            return
        if self._dropping:
            return
        line_no = self.getpos()[0]
        if self._pre:
            first, *rest = data.split("\n")
            self._add(first, line_no)
            for offset, piece in enumerate(rest, start=1):
                self._break()
                self._add(piece, line_no + offset)
            return
        # A blank line in the source ends a line too: a fragment whose paragraphs are set
        # apart by blank lines, not tags, keeps them (a browser would run them together).
        start = 0
        for gap in _BLANK_LINE.finditer(data):
            self._add_folded(data[start:gap.start()], line_no + data.count("\n", 0, start))
            self._break()
            start = gap.end()
        self._add_folded(data[start:], line_no + data.count("\n", 0, start))

    def _add_folded(self, data: str, line_no: int) -> None:
        leading = len(data) - len(data.lstrip(" \t\n\r\f"))
        # A source line break between two Chinese characters is no space (CSS Text 3).
        data = _CJK_BREAK.sub("", data)
        self._add(_HTML_SPACE.sub(" ", data), line_no + data.count("\n", 0, leading))

    def _add(self, text: str, line_no: int) -> None:
        if not text:
            return
        current = self._current
        if text.strip():
            if not current.line_no:
                current.line_no = line_no
                current.in_nav = self._nav > 0
                current.pre = self._pre > 0
            if self._link:
                self._link_had_text = True
            else:
                current.unlinked += len(text.strip())
        current.parts.append(text)

    def _break(self) -> None:
        if self._current.line_no:
            self._lines.append(self._current)
        self._current = _Line()

    # --- result ----------------------------------------------------------------------

    def page(self) -> ExtractedPage:
        self._break()
        lines = [line.text() for line in self._lines]
        verdicts = {i: NAV_RULE for i, line in enumerate(self._lines) if line.in_nav}
        link_only = [line.links == 1 and not line.unlinked and not line.in_nav for line in self._lines]
        start = None
        for i, flag in enumerate(link_only + [False]):
            if flag and start is None:
                start = i
            elif not flag and start is not None:
                if i - start >= MIN_LINK_LIST:
                    verdicts.update(dict.fromkeys(range(start, i), LINK_LIST_RULE))
                start = None
        dropped = ", ".join(f"<{tag}>" + (f" x{n}" if n > 1 else "") for tag, n in sorted(self._dropped.items()))
        note = "HTML page: text taken out of the markup" + (f"; dropped {dropped}" if dropped else "")
        return ExtractedPage(
            lines=lines,
            line_numbers=[line.line_no for line in self._lines],
            verdicts=verdicts,
            title=self._title_text,
            note=note,
            note_line=self._first_drop_line or 1,
        )
