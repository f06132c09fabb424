"""Command line: ``polthemes inspect`` to audit a corpus, ``polthemes figures`` to regenerate figures.

Errors a user can fix (missing folder, no articles, malformed metadata.csv) print one
line naming the file and the problem and exit with status 2; no traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence

from wcwidth import wcswidth, wcwidth

from polthemes import __version__
from polthemes.config import FIGURES_DIR, RAW_DIR
from polthemes.corpus import CorpusError, read_corpus
from polthemes.metadata import MetadataFileError
from polthemes.records import CorpusReport
from polthemes.resources import ResourceFileError

EXIT_USER_ERROR = 2

_DESCRIPTION = """\
Find recurring themes in Chinese and English political writing.

Start with `polthemes inspect` to see how the articles in data/raw/ were read: their
language, title, date, source and author, how many paragraphs were kept, and how many
lines were cut as navigation, comment forms, cookie banners or related links. Add --json
to get every kept paragraph and every removed line (with the rule that removed it)."""

_INSPECT_HELP = """\
Read a corpus and print one row per article.

CORPUS is a folder of .txt/.md articles (optionally with a metadata.csv keyed by article
id), or a JSON Lines / CSV collection (optionally .gz) with a `text` field and optional
id, title, date, source, author, url fields. Defaults to the project's data/raw/.

Files that cannot be read (empty, binary, undecodable, unsupported language) are skipped
and listed after the table; exact duplicates are counted once and listed too."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="polthemes", description=_DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    inspect = commands.add_parser(
        "inspect",
        help="list the articles of a corpus and what was cut from them",
        description=_INSPECT_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    inspect.add_argument("corpus", nargs="?", default=str(RAW_DIR), metavar="CORPUS", help="folder or collection file (default: data/raw)")
    inspect.add_argument("--json", action="store_true", help="print JSON records with paragraphs and removed lines instead of a table")
    inspect.add_argument("--title-width", type=int, default=36, metavar="N", help="truncate titles to N columns in the table (default: 36)")
    inspect.set_defaults(handler=_inspect)

    figures = commands.add_parser(
        "figures",
        help="regenerate every figure from data/raw into figures/",
        description="Regenerate every figure from the corpus into figures/ (PNG and SVG, byte-identical on re-runs).",
    )
    figures.add_argument("--corpus", default=str(RAW_DIR), help="folder or collection file (default: data/raw)")
    figures.add_argument("--out", default=str(FIGURES_DIR), help="output folder (default: figures/)")
    figures.set_defaults(handler=_figures)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except (CorpusError, MetadataFileError, ResourceFileError) as error:
        print(f"polthemes: error: {error}", file=sys.stderr)
        return EXIT_USER_ERROR


def _inspect(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    report = read_corpus(args.corpus)
    elapsed_s = time.perf_counter() - started
    if args.json:
        json.dump(report.to_dict(), sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
    else:
        print(format_table(report, title_width=args.title_width))
    print(format_summary(report, elapsed_s), file=sys.stderr)
    return 0


def _figures(args: argparse.Namespace) -> int:
    from polthemes.figures import regenerate_figures  # matplotlib is slow to import

    for path in regenerate_figures(args.corpus, args.out):
        print(f"wrote {path}")
    return 0


_COLUMNS = ("id", "lang", "title", "date", "source", "author", "paras", "chars", "removed")


def format_table(report: CorpusReport, *, title_width: int = 36) -> str:
    """The articles as an aligned text table (CJK-aware widths)."""
    rows = [
        (
            article.id,
            article.language,
            _truncate(article.title, title_width),
            article.date,
            _truncate(article.source, 16),
            _truncate(article.author, 16),
            str(len(article.paragraphs)),
            str(article.n_characters),
            str(len(article.removed)),
        )
        for article in report.articles
    ]
    widths = [max([wcswidth(h)] + [wcswidth(row[i]) for row in rows]) for i, h in enumerate(_COLUMNS)]
    numeric = {"paras", "chars", "removed"}

    def line(cells: Sequence[str]) -> str:
        padded = []
        for name, cell, width in zip(_COLUMNS, cells, widths):
            gap = " " * (width - wcswidth(cell))
            padded.append(gap + cell if name in numeric else cell + gap)
        return "  ".join(padded).rstrip()

    return "\n".join([line(_COLUMNS), line(["-" * w for w in widths])] + [line(row) for row in rows])


def format_summary(report: CorpusReport, elapsed_s: float) -> str:
    """What was read, skipped and merged, one problem per line (for stderr)."""
    languages = {}
    for article in report.articles:
        languages[article.language] = languages.get(article.language, 0) + 1
    by_language = ", ".join(f"{n} {code}" for code, n in sorted(languages.items()))
    lines = [
        f"{len(report.articles)} articles ({by_language}); {len(report.skipped)} skipped; "
        f"{len(report.duplicates)} exact duplicates counted once; read in {elapsed_s:.1f} s"
    ]
    lines += [f"skipped {s.location}: {s.reason}" for s in report.skipped]
    lines += [f"duplicate {d.origin} (id {d.id}) = {d.duplicate_of}" for d in report.duplicates]
    lines += [f"warning {w.location}: {w.reason}" for w in report.warnings]
    return "\n".join(lines)


def _truncate(text: str, width: int) -> str:
    """Cut ``text`` to ``width`` terminal columns, marking the cut with an ellipsis."""
    if wcswidth(text) <= width:
        return text
    out, used = [], 0
    for char in text:
        w = max(wcwidth(char), 0)
        if used + w > width - 1:
            break
        out.append(char)
        used += w
    return "".join(out) + "…"


if __name__ == "__main__":
    sys.exit(main())
