"""Metadata the article states about itself: headline, date, source, author.

Scraped pages carry their metadata as text: ``日期:2017-07-25 来源: 作者:邢秀芬``,
``Date: July 15, 2023``, a bare ``2021-07-02`` line under the headline, a trailing
``(Wang Liang, Sun)``. This module reads those; it never guesses. A field the text does
not state stays empty, and ``data/raw/metadata.csv`` can fill or override any field.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from polthemes.corpus.language import HAN_CHARACTERS
from polthemes.resources import cached_until_changed, read_list, read_tsv

#: Fields an article record carries and ``metadata.csv`` may set. ``pair`` names the
#: translation pair an article belongs to in a parallel collection (one zh and one en
#: article share it; see :mod:`polthemes.evaluation.alignment`); empty for ordinary articles.
METADATA_FIELDS = ("title", "date", "source", "author", "url", "language", "pair")

_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"),
            ("may",), ("june", "jun"), ("july", "jul"), ("august", "aug"),
            ("september", "sep", "sept"), ("october", "oct"), ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}
_MONTH_NAME = "|".join(sorted(_MONTHS, key=len, reverse=True))
_TIME = r"(?:\s*\d{1,2}[:：]\d{2}(?:[:：]\d{2})?)?"
_DATE_PATTERNS = (
    # 2017-07-25, 2017/7/25, 2017.07.25, 2017年7月25日
    (re.compile(r"(?P<y>(?:19|20)\d{2})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})\s*日?"), "ymd"),
    # July 15, 2023 / Jul. 15 2023
    (re.compile(rf"(?P<mon>{_MONTH_NAME})\.?\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y>(?:19|20)\d{{2}})", re.I), "mdy"),
    # 15 July 2023
    (re.compile(rf"(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<mon>{_MONTH_NAME})\.?,?\s+(?P<y>(?:19|20)\d{{2}})", re.I), "dmy"),
)

#: Sentence-final punctuation: a line ending in one is body text, not a headline.
_SENTENCE_END = tuple(".。!！?？;；:：…")
#: A headline is at most this many "units" (Han characters plus Latin words).
MAX_HEADLINE_UNITS = 60
#: A field value (a title, a name, a date) is at most this long: a longer last value on a
#: field line is the body running on after the labels (an article stored as one line).
MAX_FIELD_VALUE_UNITS = MAX_HEADLINE_UNITS

_HAN = re.compile(f"[{HAN_CHARACTERS}]")
_LATIN_WORD = re.compile(r"[A-Za-z\u00c0-\u024f]+(?:['’-][A-Za-z]+)*")

_TRAILING_PARENTHESIS = re.compile(r"\s*[（(]\s*(?P<inner>[^()（）]{2,60}?)\s*[)）]\s*$")
_LATIN_NAME = r"[A-Z][a-z]+(?:[ -][A-Z][a-z]+)*"
_LATIN_BYLINE = re.compile(rf"{_LATIN_NAME}(?:\s*(?:,|and|&|/)\s*{_LATIN_NAME})*")
_HAN_NAME = f"[{HAN_CHARACTERS}·]{{2,5}}"
_HAN_BYLINE = re.compile(
    rf"(?:记者|通讯员|作者|撰稿|撰文|文|图|文/图|供稿|报道)\s*[:：/ ]?\s*{_HAN_NAME}(?:[\s、，,]+{_HAN_NAME})*"
)


def units(text: str) -> int:
    """Length in words, counting a Han character as a word: comparable across languages."""
    return len(_HAN.findall(text)) + len(_LATIN_WORD.findall(text))


def parse_date(text: str, *, whole: bool = False) -> str:
    """The first date in ``text`` as ``YYYY-MM-DD``, or ``""`` if none is stated.

    With ``whole=True`` the text must be nothing but a date (and optionally a time):
    that is how a bare date line under a headline is recognised.
    """
    candidate = text.strip()
    for pattern, order in _DATE_PATTERNS:
        match = (
            re.fullmatch(pattern.pattern + _TIME, candidate, pattern.flags)
            if whole
            else pattern.search(candidate)
        )
        if not match:
            continue
        month = int(match["m"]) if order == "ymd" else _MONTHS[match["mon"].lower()]
        try:
            return date(int(match["y"]), month, int(match["d"])).isoformat()
        except ValueError:
            continue  # 2023-02-30 is not a date; keep looking
    return ""


def normalise_given_date(value: str) -> str:
    """ISO form of a date given by a collection or metadata.csv; kept verbatim if unparseable."""
    value = value.strip()
    return parse_date(value) or value


def looks_like_headline(line: str) -> bool:
    """Short and not ending like a sentence: a headline or a section heading."""
    stripped = line.strip().rstrip("\"'”’」』)）")
    return 0 < units(stripped) <= MAX_HEADLINE_UNITS and not stripped.endswith(_SENTENCE_END)


def looks_like_source_name(text: str) -> bool:
    """Whether ``text`` reads as the name of a news outlet ("中国电力网", "Heilongjiang Daily")."""
    name = text.strip()
    if not name or units(name) > 8 or name.endswith(_SENTENCE_END):
        return False
    lowered = name.lower()
    return any(lowered.endswith(ending.lower()) for ending in source_name_endings())


@dataclass(frozen=True)
class Byline:
    """What a trailing parenthesis such as ``(Wang Liang, Sun)`` said, and the text before it."""

    remaining_text: str
    removed_text: str
    author: str = ""
    source: str = ""


def split_trailing_byline(paragraph: str) -> Byline | None:
    """Split a closing ``(Name, Name)``/``（记者 张三）``/``(Xinhua)`` off the last paragraph.

    Only parentheses that read as names or an outlet count, so "(2016-2020)" or
    "（下转第二版）" stay in the text.
    """
    match = _TRAILING_PARENTHESIS.search(paragraph)
    if not match:
        return None
    inner = match["inner"].strip()
    remaining = paragraph[: match.start()].rstrip()
    removed = paragraph[match.start():].strip()
    if looks_like_source_name(inner):
        return Byline(remaining, removed, source=inner)
    if _LATIN_BYLINE.fullmatch(inner) or _HAN_BYLINE.fullmatch(inner):
        author = re.sub(r"^(?:记者|通讯员|作者|撰稿|撰文|文/图|文|图|供稿|报道)\s*[:：/ ]?\s*", "", inner)
        return Byline(remaining, removed, author=author)
    return None


@dataclass(frozen=True)
class FieldLine:
    """What a ``Label: value`` line states, and the text it carries that is not a field.

    ``remaining_text`` is the line from its last label on when that label's value is longer
    than any field (:data:`MAX_FIELD_VALUE_UNITS`): the body of a one-line article running
    on after its header. ``removed_text`` is the rest, the labels and values read.
    """

    fields: dict[str, str]
    removed_text: str
    remaining_text: str = ""


class FieldLineReader:
    """Reads ``Label: value`` metadata lines using the labels in ``metadata_labels.tsv``."""

    def __init__(self, labels: dict[str, str]):
        # Longest labels first so "Published on" wins over "Published".
        alternatives = "|".join(re.escape(label) for label in sorted(labels, key=len, reverse=True))
        self._labels = {label.lower(): field for label, field in labels.items()}
        self._label_pattern = re.compile(rf"(?:^|(?<=\s))(?P<label>{alternatives})\s*[:：]", re.I)

    def read(self, line: str) -> dict[str, str] | None:
        """Fields stated on ``line`` (empty values dropped), or None if it is not a field line."""
        found = self.read_line(line)
        return None if found is None else found.fields

    def read_line(self, line: str) -> FieldLine | None:
        """The fields of ``line`` and any body text running on after them, or None if it is
        not a field line (a line whose only value is longer than a field is body text)."""
        stripped = line.strip()
        matches = list(self._label_pattern.finditer(stripped))
        if not matches or matches[0].start() != 0:
            return None
        remaining = ""
        last = matches[-1]
        if units(stripped[last.end():]) > MAX_FIELD_VALUE_UNITS:
            if len(matches) == 1:
                return None
            remaining = stripped[last.start():]
            stripped = stripped[: last.start()].rstrip()
            matches.pop()
        fields: dict[str, str] = {}
        for match, following in zip(matches, matches[1:] + [None]):
            end = following.start() if following else len(stripped)
            value = stripped[match.end():end].strip()
            field = self._labels[match["label"].lower()]
            if value and field not in fields:
                fields[field] = value
        return FieldLine(fields, stripped, remaining)


@cached_until_changed("metadata_labels.tsv")
def field_line_reader() -> FieldLineReader:
    """The reader for the labels shipped in ``resources/metadata_labels.tsv``."""
    labels: dict[str, str] = {}
    for row in read_tsv("metadata_labels.tsv"):
        labels[row["label"]] = row["field"]
    return FieldLineReader(labels)


@cached_until_changed("source_name_endings.txt")
def source_name_endings() -> tuple[str, ...]:
    """Endings of outlet names, from ``resources/source_name_endings.txt``."""
    return read_list("source_name_endings.txt")


class MetadataFileError(ValueError):
    """``metadata.csv`` is malformed; the message names the file and the row."""


def read_metadata_overrides(path: Path) -> dict[str, dict[str, str]]:
    """Rows of ``metadata.csv`` keyed by article id; only non-empty cells override.

    Unknown columns are an error rather than silently ignored, so a typo such as
    ``auther`` does not leave the field unchanged without anyone noticing. Every problem,
    down to a row with more cells than columns or a ``metadata.csv`` that is a folder, is
    one :class:`MetadataFileError` naming the file (and row).
    """
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            columns = [c.strip().lower() for c in (reader.fieldnames or [])]
            if "id" not in columns:
                raise MetadataFileError(f"{path}: needs an 'id' column (has: {', '.join(columns) or 'none'})")
            unknown = sorted(set(columns) - {"id", *METADATA_FIELDS})
            if unknown:
                raise MetadataFileError(
                    f"{path}: unknown column(s) {', '.join(unknown)}; allowed: id, {', '.join(METADATA_FIELDS)}"
                )
            overrides: dict[str, dict[str, str]] = {}
            for row_no, row in enumerate(reader, start=2):
                if None in row:
                    raise MetadataFileError(
                        f"{path}:{row_no}: {len(columns) + len(row[None])} cells but {len(columns)} columns in the header"
                    )
                cells = {(k or "").strip().lower(): (v or "").strip() for k, v in row.items()}
                article_id = cells.pop("id", "")
                if not article_id:
                    raise MetadataFileError(f"{path}:{row_no}: empty id")
                if article_id in overrides:
                    raise MetadataFileError(f"{path}:{row_no}: id {article_id!r} appears twice")
                values = {k: v for k, v in cells.items() if v}
                if "date" in values:
                    iso = parse_date(values["date"])
                    if not iso:
                        raise MetadataFileError(f"{path}:{row_no}: date {values['date']!r} is not a date")
                    values["date"] = iso
                overrides[article_id] = values
    except UnicodeDecodeError as error:
        raise MetadataFileError(f"{path}: not UTF-8 ({error.reason})") from None
    except csv.Error as error:
        raise MetadataFileError(f"{path}: malformed CSV ({error})") from None
    except OSError as error:  # a folder, a dangling link, no permission
        raise MetadataFileError(f"{path}: cannot read: {error.strerror or error}") from None
    return overrides
