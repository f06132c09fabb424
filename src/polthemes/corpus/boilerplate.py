"""Finding the lines of a scraped page that are not the article.

Two mechanisms, both auditable:

* **Pattern rules** from ``resources/boilerplate_*.tsv`` (one file per language, all
  applied, because a Chinese page may carry an English menu and vice versa). A ``line``
  rule removes a line; a ``tail`` rule marks the start of a trailing block (comments,
  recommended reading) that is removed with everything after it, provided no real
  paragraph follows.
* **Repetition within a source**: a line that recurs verbatim across many articles of one
  outlet is that outlet's template, whatever it says.

Both return *which* lines to drop and *why*; the caller keeps the removed text.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from math import ceil

from polthemes.config import REPEATED_LINE_MIN_ARTICLES, REPEATED_LINE_MIN_SHARE
from polthemes.corpus.metadata import units
from polthemes.resources import ResourceFileError, cached_until_changed, read_tsv

#: Pattern files applied to every article.
PATTERN_FILES = ("boilerplate_en.tsv", "boilerplate_zh.tsv")
#: No boilerplate line is longer than this; longer lines skip the pattern test (speed).
MAX_BOILERPLATE_CHARS = 600
#: A line after a tail marker at least this long (in words, a Han character counting as
#: one) is a real paragraph, so the block is not a trailing footer after all.
TAIL_MAX_UNITS = 40

REPEATED_RULE = "repeated_across_source"


@dataclass(frozen=True)
class BoilerplateRules:
    """Compiled pattern rules: one alternation per scope, group names carry the rule."""

    line_pattern: re.Pattern[str]
    tail_pattern: re.Pattern[str]
    rule_of_group: dict[str, str]

    def classify(self, line: str) -> tuple[str, str] | None:
        """``(rule, scope)`` if ``line`` is boilerplate, else None."""
        stripped = line.strip()
        if not stripped or len(stripped) > MAX_BOILERPLATE_CHARS:
            return None
        for scope, pattern in (("tail", self.tail_pattern), ("line", self.line_pattern)):
            match = pattern.fullmatch(stripped)
            if match:
                return self.rule_of_group[match.lastgroup], scope
        return None


def compile_rules(rows: Iterable[dict[str, str]]) -> BoilerplateRules:
    """Compile TSV rows (rule, scope, pattern) into one regex per scope."""
    alternatives: dict[str, list[str]] = {"line": [], "tail": []}
    rule_of_group: dict[str, str] = {}
    for index, row in enumerate(rows):
        scope = row["scope"].strip()
        if scope not in alternatives:
            raise ResourceFileError(f"boilerplate rule {row['rule']!r}: scope must be line or tail, not {scope!r}")
        try:
            re.compile(row["pattern"])
        except re.error as error:
            raise ResourceFileError(f"boilerplate rule {row['rule']!r}: bad pattern {row['pattern']!r}: {error}") from None
        group = f"r{index}"
        rule_of_group[group] = row["rule"].strip()
        alternatives[scope].append(f"(?P<{group}>{row['pattern']})")

    def combined(parts: list[str]) -> re.Pattern[str]:
        return re.compile("|".join(parts) or r"(?!x)x", re.IGNORECASE)

    return BoilerplateRules(combined(alternatives["line"]), combined(alternatives["tail"]), rule_of_group)


@cached_until_changed(*PATTERN_FILES)
def default_rules() -> BoilerplateRules:
    """The rules shipped in ``resources/``."""
    rows: list[dict[str, str]] = []
    for name in PATTERN_FILES:
        rows.extend(read_tsv(name))
    return compile_rules(rows)


def find_boilerplate(lines: Sequence[str], rules: BoilerplateRules | None = None) -> dict[int, str]:
    """Indices of ``lines`` that are boilerplate, mapped to the rule that matched.

    Blank lines are ignored (neither kept nor reported).
    """
    rules = rules or default_rules()
    removed: dict[int, str] = {}
    for index, line in enumerate(lines):
        if index in removed or not line.strip():
            continue
        verdict = rules.classify(line)
        if verdict is None:
            continue
        rule, scope = verdict
        removed[index] = rule
        if scope == "tail":
            following = [i for i in range(index + 1, len(lines)) if lines[i].strip()]
            if all(units(lines[i]) < TAIL_MAX_UNITS for i in following):
                for i in following:
                    # A cookie banner inside a comment block is still reported as a cookie banner.
                    own = rules.classify(lines[i])
                    removed.setdefault(i, own[0] if own else rule)
                break
    return removed


def normalise_line(line: str) -> str:
    """Whitespace-folded form used to compare lines across articles."""
    return " ".join(line.split())


def repeated_line_threshold(
    n_articles: int, *, min_articles: int = REPEATED_LINE_MIN_ARTICLES, min_share: float = REPEATED_LINE_MIN_SHARE
) -> int:
    """In how many of a source's ``n_articles`` a line must recur to count as its template
    (a source with fewer articles than that has no template)."""
    return max(min_articles, ceil(min_share * n_articles))


def find_repeated_lines(
    lines_by_article: dict[str, Sequence[str]],
    *,
    min_articles: int = REPEATED_LINE_MIN_ARTICLES,
    min_share: float = REPEATED_LINE_MIN_SHARE,
) -> set[str]:
    """Normalised lines that recur in enough articles of one source to be its template.

    ``lines_by_article`` holds the articles of a single source. A line counts once per
    article however often it appears there.
    """
    threshold = repeated_line_threshold(len(lines_by_article), min_articles=min_articles, min_share=min_share)
    if len(lines_by_article) < threshold:
        return set()
    article_counts: Counter[str] = Counter()
    for lines in lines_by_article.values():
        article_counts.update({normalise_line(line) for line in lines if line.strip()})
    return {line for line, count in article_counts.items() if count >= threshold}

