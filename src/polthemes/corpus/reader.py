"""Reading a corpus: a folder of articles, or a JSON Lines / CSV collection, into Articles.

Accepted inputs (``read_corpus(path)``):

* a folder, read recursively: every ``.txt``/``.md`` file is one article; every
  ``.jsonl``/``.csv`` (optionally ``.gz``) file inside is a collection; an optional
  ``metadata.csv`` at its top fills or overrides fields by article id;
* a single article file or a single collection file.

A collection record has a ``text`` field and optional ``id, title, date, source, url,
author, pair`` fields (the layout of ``../shared/corpora/*.jsonl.gz``).

Nothing is ever written next to the input. Whatever cannot be read (empty, binary,
undecodable, malformed, unsupported language, duplicate) is skipped and reported in the
:class:`~polthemes.corpus.records.CorpusReport`, naming the file (and line or row) and the reason.
One bad record never stops the run: a record that JSON can parse but Python cannot hold
as text (a lone surrogate ``"\\ud800"``, a 5,000-digit number, nesting past the recursion
limit) is a skipped record like a malformed one; a truncated or corrupt gzip stream keeps
the records before it and is one warning naming the last line read; a file name that is not
UTF-8 is shown, and its article id made, with ``\\xff`` escapes (and a warning); an HTML
page saved as text is read through :mod:`polthemes.corpus.markup`.

Duplicates and the template rule, in this order:

1. **Exact copies** (the same decoded text, whatever its line breaks, byte-order mark or
   blank lines) are detected first and not counted by the template rule, so three copies
   of one article are one article: the first is kept and the others are reported in
   ``duplicates`` (once their cleaned bodies compare equal, below).
2. **The template rule** (``repeated_across_source``): a line recurring in at least
   ``REPEATED_LINE_MIN_ARTICLES`` articles and ``REPEATED_LINE_MIN_SHARE`` of a source's
   articles is that source's template and is cut. It never empties an article that is not
   a template page: when the cut would leave an article no text, its repeated lines that
   also appear in some article that keeps text of its own are the template (cut), and the
   others are what it shares only with articles emptied alike, i.e. near-duplicate copies
   of it (kept, with a warning "every line also appears in N other articles of this source
   (near-duplicate copies?); kept whole" or "kept but for its N template lines"). A page
   with nothing but lines of other, real articles (a shell page) is still skipped: "no
   article text left after removing boilerplate".
3. **Cleaned-body duplicates**: an article whose body, after every rule, equals an earlier
   one's is reported in ``duplicates`` under the first id (so near-copies kept by step 2
   that differ only in cut lines are counted once).

The Spark engine takes the same steps with the same functions (:func:`exact_copy_key`,
:func:`counted_lines`, :func:`emptied_page`, :func:`template_cut`), its executors doing
the counting, so both engines keep, merge, skip and warn alike.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
import os
import re
import zlib
from collections import Counter, defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from polthemes.corpus.boilerplate import REPEATED_RULE, find_repeated_lines, normalise_line
from polthemes.config import (
    ARTICLE_SUFFIXES,
    COLLECTION_SUFFIXES,
    MAX_ARTICLE_CHARS,
    METADATA_FILENAME,
    RAW_DIR,
    SUPPORTED_LANGUAGES,
)
from polthemes.corpus.decode import UnreadableText, decode_bytes, normalise_text
from polthemes.corpus.clean import ArticleDraft, CleaningRules, RawDocument, draft_article
from polthemes.corpus.language import UNDETERMINED, detect_language
from polthemes.corpus.markup import HTML_RULE, extract_html, looks_like_html
from polthemes.corpus.metadata import METADATA_FIELDS, read_metadata_overrides
from polthemes.corpus.records import Article, CorpusReport, DuplicateArticle, RemovedLine, SkippedSource
from polthemes.derived_cache import cached, code_fingerprint, input_digest, key_of

#: Column/field names accepted for the article body in collections, in order of preference.
TEXT_FIELDS = ("text", "body", "content")
#: Collection fields copied into the article's metadata.
GIVEN_FIELDS = ("title", "date", "source", "author", "url", "pair")


class CorpusError(ValueError):
    """The corpus as a whole cannot be read (missing path, or no article in it)."""


def read_corpus_cached(path: str | Path, cache_dir: str | Path | None) -> CorpusReport:
    """:func:`read_corpus`, kept in ``cache_dir`` and reused while no file under ``path``,
    no source file and no resource file has changed (:mod:`polthemes.derived_cache`): the
    archive is read in 6 s, reloaded in 0.3 s. The same report either way."""
    digest = input_digest(path) if cache_dir is not None else None
    if digest is None:
        return read_corpus(path)
    report, _ = cached("reading", key_of("reading", code_fingerprint(), digest), lambda: read_corpus(path), cache_dir)
    return report


def read_corpus(path: str | Path = RAW_DIR) -> CorpusReport:
    """Read every article under ``path``; return the articles and what was skipped.

    Raises :class:`CorpusError` if ``path`` does not exist or yields no article at all.
    """
    path = Path(path)
    if not path.exists():
        raise CorpusError(f"{_where(path)}: no such file or folder")
    report = CorpusReport()
    rules = CleaningRules.current()
    drafts: list[ArticleDraft] = []
    seen_ids: dict[str, str] = {}
    seen_texts: set[str] = set()
    copies: set[int] = set()  # positions in ``drafts`` of exact copies of an earlier text
    for item in _iter_documents(path):
        if isinstance(item, _Warning):
            report.warnings.append(SkippedSource(item.location, item.reason))
            continue
        if isinstance(item, SkippedSource):
            report.skipped.append(item)
            continue
        if item.id in seen_ids:
            report.skipped.append(
                SkippedSource(item.origin, f"id {item.id!r} already used by {seen_ids[item.id]}")
            )
            continue
        seen_ids[item.id] = item.origin
        key = exact_copy_key(item.text)
        if key in seen_texts:
            copies.add(len(drafts))
        seen_texts.add(key)
        drafts.append(draft_article(item, rules))

    notices = _remove_repeated_lines(drafts, copies=copies)
    overrides = read_overrides(path)
    seen_bodies: dict[str, str] = {}
    for position, draft in enumerate(drafts):
        article = finish_article(draft, overrides.get(draft.id, {}))
        if position in notices:
            report.warnings.append(notices[position])
        if isinstance(article, SkippedSource):
            report.skipped.append(article)
        elif article.content_sha1 in seen_bodies:
            report.duplicates.append(DuplicateArticle(article.id, article.origin, seen_bodies[article.content_sha1]))
        else:
            seen_bodies[article.content_sha1] = article.id
            report.articles.append(article)
    unknown = sorted(set(overrides) - set(seen_ids))
    for article_id in unknown:
        report.warnings.append(SkippedSource(_where(path / METADATA_FILENAME), f"no article with id {article_id!r}"))

    if not report.articles:
        reasons = "; ".join(f"{s.location}: {s.reason}" for s in report.skipped[:5])
        more = f" (and {len(report.skipped) - 5} more)" if len(report.skipped) > 5 else ""
        detail = f" -- skipped {reasons}{more}" if reasons else ""
        raise CorpusError(f"{_where(path)}: no articles found{detail}")
    return report


def exact_copy_key(text: str) -> str:
    """What two copies of one page share however they were saved: the decoded text (line
    breaks, BOM and control characters already normalised), blank lines and runs of
    whitespace folded. A document whose key an earlier one has is an exact copy (step 1 of
    the module docstring); both engines key ``RawDocument.text`` with this."""
    folded = "\n".join(normalise_line(line) for line in text.split("\n") if line.strip())
    return _text_hash(folded)


@dataclass(frozen=True)
class _Warning:
    """A problem found while listing sources that costs no article (CorpusReport.warnings)."""

    location: str
    reason: str


# --- Sources -----------------------------------------------------------------------------


def _iter_documents(path: Path) -> Iterator[RawDocument | SkippedSource | _Warning]:
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.is_file() and not is_hidden(p.relative_to(path)))
        for file in files:
            if file.parent == path and file.name == METADATA_FILENAME:
                continue
            yield from _iter_file(file, root=path)
    else:
        yield from _iter_file(path, root=path.parent)


def _iter_file(file: Path, root: Path) -> Iterator[RawDocument | SkippedSource | _Warning]:
    name = file.name.lower()
    if _where(file.relative_to(root)) != str(file.relative_to(root)):
        also = "and so is the article id" if name.endswith(ARTICLE_SUFFIXES) else "here and in its records' locations"
        yield _Warning(_where(file), f"file name is not valid UTF-8: shown with \\x escapes, {also}")
    if name.endswith(ARTICLE_SUFFIXES):
        yield _read_article_file(file, root)
    elif name.endswith(COLLECTION_SUFFIXES):
        yield from _read_collection(file)
    else:
        yield SkippedSource(_where(file), f"unsupported file type (read: {', '.join(ARTICLE_SUFFIXES + COLLECTION_SUFFIXES)})")


def is_hidden(relative: Path) -> bool:
    """Whether a path inside a corpus folder is hidden (a part starts with a dot): never read."""
    return any(part.startswith(".") for part in relative.parts)


def _where(path: Path | str) -> str:
    """``path`` as text that can always be printed and written: the bytes of a file name
    that are not UTF-8 (which Python keeps as lone surrogates) shown as ``\\xff``."""
    text = os.fspath(path)
    if not _SURROGATE.search(text):
        return text
    try:
        raw = text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # a surrogate that no file name byte gives
        return text.encode("utf-8", "backslashreplace").decode("ascii")
    return raw.decode("utf-8", "backslashreplace")


_SURROGATE = re.compile(r"[\ud800-\udfff]")


def _read_article_file(file: Path, root: Path) -> RawDocument | SkippedSource:
    where = _where(file)
    try:
        size = file.stat().st_size
        if size > MAX_ARTICLE_CHARS * 4:  # no encoding takes more than four bytes a character
            return SkippedSource(where, _too_long(size, unit="bytes"))
        raw = file.read_bytes()
    except OSError as error:
        return SkippedSource(where, f"cannot read: {error.strerror}")
    try:
        text, encoding = decode_bytes(raw)
    except UnreadableText as error:
        return SkippedSource(where, str(error))
    if len(text) > MAX_ARTICLE_CHARS:
        return SkippedSource(where, _too_long(len(text)))
    relative = file.relative_to(root)
    article_id = _where(relative.with_name(_strip_suffix(relative.name)).as_posix())
    # Loose files of a folder share one source group; metadata may refine it later.
    return _raw_document(article_id, text, where, encoding, source_group=_where(file.parent))


def _raw_document(
    article_id: str, text: str, origin: str, encoding: str, *, given: dict[str, str] | None = None, source_group: str = ""
) -> RawDocument | SkippedSource:
    """The document to draft, its text taken out of the markup if it is an HTML page."""
    if not looks_like_html(text):
        return RawDocument(article_id, text, origin, encoding, given=given or {}, source_group=source_group)
    page = extract_html(text)
    if not any(line.strip() for line in page.lines):
        return SkippedSource(origin, "HTML page with no text (only markup, scripts or styles)")
    # Line by line: an entity such as &#8232; must not add a line that has no line number.
    lines = [normalise_text(line).replace("\n", " ") for line in page.lines]
    return RawDocument(
        article_id,
        "\n".join(lines),
        origin,
        encoding,
        given=given or {},
        source_group=source_group,
        line_numbers=tuple(page.line_numbers),
        verdicts=page.verdicts,
        fallback_title=page.title,
        notes=(RemovedLine(page.note_line, page.note, HTML_RULE),),
    )


def _too_long(size: int, unit: str = "characters") -> str:
    return (
        f"{size:,} {unit}: longer than any article ({MAX_ARTICLE_CHARS:,} characters at most, "
        "config.MAX_ARTICLE_CHARS); a whole dump or a broken scrape?"
    )


def _strip_suffix(name: str) -> str:
    for suffix in ARTICLE_SUFFIXES:
        if name.lower().endswith(suffix):
            return name[: -len(suffix)]
    return name


def _read_collection(file: Path) -> Iterator[RawDocument | SkippedSource]:
    """Records of a JSON Lines or CSV file (plain or gzip), as documents or skip notes."""
    name = file.name.lower()
    if ".jsonl" in name:
        yield from _stream_jsonl(file)
        return
    text = _read_whole(file)
    if isinstance(text, SkippedSource):
        yield text
        return
    yield from raw_documents(file, _csv_records(_where(file), text))


#: What a damaged file raises while it is read: a truncated gzip stream (EOFError), a
#: corrupt one (zlib.error, gzip.BadGzipFile), or the file system (OSError).
_READ_ERRORS = (OSError, EOFError, zlib.error)


def _read_whole(file: Path) -> str | SkippedSource:
    """A collection decoded whole (with encoding detection), or why it cannot be."""
    try:
        with _open_binary(file) as handle:
            return decode_bytes(handle.read())[0]
    except _READ_ERRORS as error:
        return SkippedSource(_where(file), f"cannot read: {getattr(error, 'strerror', None) or error}")
    except UnreadableText as error:
        return SkippedSource(_where(file), str(error))


def _open_binary(file: Path):
    return gzip.open(file, "rb") if file.name.lower().endswith(".gz") else file.open("rb")


def raw_documents(file: Path, records: Iterator[tuple[str, dict | str]]) -> Iterator[RawDocument | SkippedSource]:
    """The documents of a collection file's ``(location, record)`` pairs; a record that is a
    string is the reason it was skipped."""
    for location, record in records:
        if isinstance(record, str):
            yield SkippedSource(location, record)
        else:
            yield from _document_from_record(file, location, record)


def _stream_jsonl(file: Path) -> Iterator[RawDocument | SkippedSource | _Warning]:
    """A JSON Lines collection read line by line, so an archive never sits whole in memory.

    JSON text is UTF-8 (RFC 8259); a file whose first line is not is decoded whole with
    encoding detection instead (a legacy export), and a later line that is not UTF-8 is
    skipped and reported. A truncated or corrupt gzip stream ends the file with a warning
    (``CorpusReport.warnings``) naming the last line read: the records before it are kept,
    those after it were never seen, so no count of skipped articles can say what was lost.
    """
    line_no = 0
    where = _where(file)
    try:
        with _open_binary(file) as handle:
            for line_no, raw_line in enumerate(handle, start=1):
                try:
                    line = raw_line.decode("utf-8-sig" if line_no == 1 else "utf-8")
                except UnicodeDecodeError as error:
                    if line_no == 1:
                        yield from _legacy_jsonl(file)
                        return
                    yield SkippedSource(f"{where}:{line_no}", f"not UTF-8 ({error.reason} at byte {error.start})")
                    continue
                yield from raw_documents(file, jsonl_records(where, line, first_line_no=line_no))
    except _READ_ERRORS as error:
        reason = getattr(error, "strerror", None) or error
        if not line_no:
            yield SkippedSource(where, f"cannot read: {reason}")
        else:
            # Not a skip: the file gave its articles up to the cut. A warning, said on every
            # command's output and in the manifest, so a cut download is never a smaller
            # model in silence.
            yield _Warning(where, f"cut short after line {line_no} ({reason}): the records after it were not read")


def _legacy_jsonl(file: Path) -> Iterator[RawDocument | SkippedSource]:
    text = _read_whole(file)
    if isinstance(text, SkippedSource):
        yield text
        return
    yield from raw_documents(file, jsonl_records(_where(file), text))


def jsonl_records(
    file: Path | str, text: str, *, first_line_no: int = 1, where: str = "{file}:{line_no}"
) -> Iterator[tuple[str, dict | str]]:
    """(location, record) per non-blank line, or (location, why it is skipped); one parser for
    both engines, so a bad line is reported alike. ``where`` formats the location (the Spark
    engine numbers the records of a URI glob across files, so it says "record N")."""
    for line_no, line in enumerate(text.split("\n"), start=first_line_no):
        if not line.strip():
            continue
        location = where.format(file=file, line_no=line_no)
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            yield location, f"malformed JSON ({error.msg} at column {error.colno})"
            continue
        except ValueError as error:  # an integer past Python's int-string conversion limit
            yield location, f"unreadable JSON ({str(error).split(';')[0]})"
            continue
        except RecursionError:
            yield location, "unreadable JSON (nested deeper than Python's recursion limit)"
            continue
        if not isinstance(record, dict):
            yield location, f"expected a JSON object, found {type(record).__name__}"
            continue
        yield location, record


def _csv_records(file: Path | str, text: str) -> Iterator[tuple[str, dict | str]]:
    csv.field_size_limit(1 << 30)
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        for row_no, row in enumerate(reader, start=2):
            if None in row:
                yield f"{file}:{row_no}", "more cells than header columns"
                continue
            yield f"{file}:{row_no}", {(k or "").strip().lower(): v for k, v in row.items()}
    except csv.Error as error:
        yield f"{file}:{reader.line_num}", f"malformed CSV ({error})"


def _document_from_record(file: Path, location: str, record: dict) -> Iterator[RawDocument | SkippedSource]:
    text_field = next((f for f in TEXT_FIELDS if f in record), None)
    if text_field is None:
        yield SkippedSource(location, f"no text field (expected one of: {', '.join(TEXT_FIELDS)})")
        return
    body = record[text_field]
    if not isinstance(body, str):
        yield SkippedSource(location, f"field {text_field!r} is {type(body).__name__}, not text")
        return
    if not body.strip():
        yield SkippedSource(location, f"empty {text_field!r} field")
        return
    if len(body) > MAX_ARTICLE_CHARS:
        yield SkippedSource(location, _too_long(len(body)))
        return
    given = {key: str(record[key]).strip() for key in GIVEN_FIELDS if record.get(key) not in (None, "")}
    record_id = str(record.get("id") or "").strip()
    for name, value in ((text_field, body), ("id", record_id), *given.items()):
        surrogate = _SURROGATE.search(value)
        if surrogate:
            # JSON can escape half of a UTF-16 pair ("\ud800"); no UTF-8 text holds one.
            yield SkippedSource(
                location,
                f"field {name!r} is not valid Unicode (lone surrogate \\u{ord(surrogate[0]):04x} at character {surrogate.start()})",
            )
            return
    record_id = record_id or _text_hash(body)[:16]
    group = given.get("source") or _where(file)
    yield _raw_document(record_id, normalise_text(body), location, "utf-8", given=given, source_group=group)


# --- Corpus-level steps ----------------------------------------------------------------


def _remove_repeated_lines(drafts: list[ArticleDraft], *, copies: set[int] | frozenset[int] = frozenset()) -> dict[int, SkippedSource]:
    """Move lines that are a source's template into ``removed`` (rule: repeated_across_source).

    ``copies`` are the positions of exact copies of an earlier text: they are cut like the
    others but not counted, so three copies of one article are one article, not a template.
    An article that the cut would empty keeps the lines that no article with text of its own
    carries (see the module docstring and :func:`template_cut`), with a warning, returned by
    position. The Spark engine runs the same steps with the counting done by executors.
    """
    by_group: dict[str, list[int]] = defaultdict(list)
    for position, draft in enumerate(drafts):
        by_group[source_group(draft)].append(position)
    notices: dict[int, SkippedSource] = {}
    for group in by_group.values():
        template = find_repeated_lines({drafts[i].id: draft_lines(drafts[i]) for i in group if i not in copies})
        if not template:
            continue
        emptied = {i: page for i in group if (page := emptied_page(drafts[i], template, copy=i in copies))}
        in_articles = Counter(line for i in group for line in counted_lines(drafts[i]) & template) if emptied else Counter()
        cut = template_cut(template, in_articles, emptied)
        for i in group:
            cut_repeated_lines(drafts[i], cut.lines_to_cut(i))
        notices.update(cut.notices)
    return notices


def counted_lines(draft: ArticleDraft) -> set[str]:
    """The draft's lines as the template rule counts them: every line of the page (see
    :func:`draft_lines`), normalised, once however often it recurs, blank lines left out."""
    return {normalise_line(line) for line in draft_lines(draft) if line.strip()}


@dataclass(frozen=True)
class EmptiedPage:
    """An article that cutting its source's template would leave with no text: what
    :func:`template_cut` needs to tell a near-duplicate copy from a shell page."""

    origin: str
    #: Its text lines (normalised), every one of them a template line.
    text_lines: frozenset[str]
    #: Every line of the page, cut or kept, that is a template line (``counted_lines`` & template).
    template_lines: frozenset[str]
    #: An exact copy of an earlier document: treated alike, but its warning is the first copy's.
    copy: bool = False


def emptied_page(draft: ArticleDraft, template: set[str] | frozenset[str], *, copy: bool = False) -> EmptiedPage | None:
    """The draft as an :class:`EmptiedPage` if cutting ``template`` would leave it no text
    (None if it keeps text, or had none to begin with)."""
    text_lines = {normalise_line(text) for _, text in draft.paragraphs}
    if not text_lines or not text_lines <= template:
        return None
    return EmptiedPage(draft.origin, frozenset(text_lines), frozenset(counted_lines(draft) & template), copy)


@dataclass(frozen=True)
class TemplateCut:
    """One source's template lines, and the lines that articles the cut would empty keep."""

    template: frozenset[str]
    #: Article key -> the template lines it keeps (near-duplicate copies: what only they share).
    spared: dict
    #: Article key -> its "near-duplicate copies?" warning (none for an exact copy).
    notices: dict

    def lines_to_cut(self, key) -> frozenset[str]:
        """The lines to cut from the article ``key`` (``cut_repeated_lines``)."""
        spared = self.spared.get(key)
        return self.template - spared if spared else self.template


def template_cut(template: set[str] | frozenset[str], in_articles: Mapping[str, int], emptied: Mapping) -> TemplateCut:
    """Step 2 of the module docstring for one source, decided from what it needs only.

    ``template`` is the source's template lines (counted over its articles but the exact
    copies), ``in_articles`` how many of its articles, copies included, carry each of them
    (only needed when ``emptied`` is not empty), and ``emptied`` the :class:`EmptiedPage` of
    every article the cut would leave with no text, by any key (a position). A template line
    is furniture when an article that keeps text of its own carries it, i.e. when more
    articles carry it than emptied pages; an emptied page keeps its other lines.
    """
    template = frozenset(template)
    on_emptied: Counter[str] = Counter(line for page in emptied.values() for line in page.template_lines)
    spared: dict = {}
    notices: dict = {}
    for key, page in emptied.items():
        own = frozenset(line for line in page.text_lines if in_articles[line] <= on_emptied[line])
        if not own:
            continue  # a shell page: nothing but other articles' template
        spared[key] = own
        if page.copy:
            continue  # reported as a duplicate of the first copy, which has the warning
        others = min(in_articles[line] for line in own) - 1
        cut = len(page.text_lines - own)
        kept = "kept whole" if not cut else f"kept but for its {cut} template line{'s' if cut > 1 else ''}"
        notices[key] = SkippedSource(
            page.origin,
            f"every line also appears in {others} other article{'s' if others != 1 else ''} of this source "
            f"(near-duplicate copies?); {kept}",
        )
    return TemplateCut(template, spared, notices)


def source_group(draft: ArticleDraft) -> str:
    """The source whose template lines are looked for across its articles."""
    return draft.fields.get("source") or draft.source_group


def draft_lines(draft: ArticleDraft) -> list[str]:
    """Every line of the page, cut or kept: a template line that one page happens to carry
    inside its comment block is still that source's template."""
    return [text for _, text in draft.paragraphs] + [line.text for line in draft.removed]


def cut_repeated_lines(draft: ArticleDraft, repeated: set[str] | frozenset[str]) -> None:
    """Move the draft's kept lines found in ``repeated`` (normalised) into ``removed``."""
    keep = []
    for line_no, text in draft.paragraphs:
        if normalise_line(text) in repeated:
            draft.removed.append(RemovedLine(line_no, text, REPEATED_RULE))
        else:
            keep.append((line_no, text))
    draft.paragraphs = keep
    draft.removed.sort(key=lambda line: (line.line_no, line.rule))


def read_overrides(path: Path) -> dict[str, dict[str, str]]:
    """The fields ``metadata.csv`` of a corpus folder sets, by article id ({} without one)."""
    metadata_file = path / METADATA_FILENAME if path.is_dir() else None
    if metadata_file is None or not (metadata_file.exists() or metadata_file.is_symlink()):
        return {}
    return read_metadata_overrides(metadata_file)  # a folder or a dangling link: MetadataFileError


def finish_article(draft: ArticleDraft, override: dict[str, str]) -> Article | SkippedSource:
    """Apply metadata overrides, detect languages, and freeze the draft into an Article."""
    fields = {**draft.fields, **override}
    if not draft.paragraphs:
        return SkippedSource(draft.origin, "no article text left after removing boilerplate")
    body = "\n".join(text for _, text in draft.paragraphs)
    language = fields.get("language") or detect_language(body)
    if language not in SUPPORTED_LANGUAGES:
        what = "language could not be determined" if language == UNDETERMINED else f"unsupported language {language!r}"
        return SkippedSource(draft.origin, f"{what} (supported: {', '.join(SUPPORTED_LANGUAGES)})")
    paragraph_languages = []
    for _, text in draft.paragraphs:
        detected = detect_language(text)
        # Too short to judge alone (a heading, a name): it shares the article's language.
        paragraph_languages.append(language if detected == UNDETERMINED else detected)
    return Article(
        id=draft.id,
        language=language,
        paragraphs=tuple(text for _, text in draft.paragraphs),
        paragraph_languages=tuple(paragraph_languages),
        paragraph_lines=tuple(line_no for line_no, _ in draft.paragraphs),
        removed=tuple(draft.removed),
        origin=draft.origin,
        encoding=draft.encoding,
        content_sha1=_text_hash(body),
        **{key: fields.get(key, "") for key in METADATA_FIELDS if key != "language"},
    )


def _text_hash(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()


def corpus_name(path: str | Path) -> str:
    """A short name for a corpus path: the folder name, or the file name without suffixes."""
    path = Path(path)
    if path.resolve() == RAW_DIR.resolve():
        return "seeds"
    if path.is_dir():
        return path.resolve().name  # "." and "../x/" name their folder, not ""
    for suffix in sorted(COLLECTION_SUFFIXES + ARTICLE_SUFFIXES, key=len, reverse=True):
        if path.name.lower().endswith(suffix):
            return path.name[: -len(suffix)]
    return path.name


def sample_articles(articles: list[Article], n: int, *, seed: int) -> list[Article]:
    """``n`` articles drawn without replacement (seeded), kept in corpus order."""
    if n >= len(articles):
        return list(articles)
    import random

    picked = sorted(random.Random(seed).sample(range(len(articles)), n))
    return [articles[i] for i in picked]
