"""How much of each language lands in the shared concept space, and what does not.

The recurring-themes analysis is only as good as this: a Chinese word that neither the
glossary nor CC-CEDICT maps stays a Chinese-only term and can never meet its English
counterpart. The report counts token mass by origin per language, lists the most frequent
unmapped Chinese words (candidates for the glossary), and measures how much each article's
top terms overlap with some article in the other language.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

from polthemes.text.concepts import DICTIONARY, ENGLISH, GLOSSARY, STOPWORD, UNMAPPED
from polthemes.text.pipeline import TokenizedArticle, TokenizedCorpus

#: Above this many articles the pairwise top-term comparison is skipped.
MAX_OVERLAP_ARTICLES = 500


@dataclass(frozen=True)
class LanguageCoverage:
    """Token mass of one language by origin (tokens dropped as stopwords excluded)."""

    language: str
    tokens: int
    glossary: int
    dictionary: int
    english: int
    unmapped: int
    #: Tokens whose term also occurs in the other language's tokens of this corpus.
    shared_with_other_language: int

    @property
    def mapped_share(self) -> float:
        """Share of tokens in the shared space: glossary, CC-CEDICT, or English itself."""
        return (self.tokens - self.unmapped) / self.tokens if self.tokens else 0.0

    @property
    def shared_share(self) -> float:
        return self.shared_with_other_language / self.tokens if self.tokens else 0.0


@dataclass(frozen=True)
class ArticleOverlap:
    """The article of the other language whose top terms overlap most with this one's."""

    article_id: str
    language: str
    best_match: str
    shared_terms: int
    top_n: int

    @property
    def share(self) -> float:
        return self.shared_terms / self.top_n if self.top_n else 0.0


@dataclass
class CoverageReport:
    languages: dict[str, LanguageCoverage]
    top_unmapped: list[tuple[str, int]]
    dropped_as_stopwords: int
    overlaps: list[ArticleOverlap] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "languages": {
                code: {**asdict(c), "mapped_share": round(c.mapped_share, 4), "shared_share": round(c.shared_share, 4)}
                for code, c in self.languages.items()
            },
            "top_unmapped": [{"word": w, "tokens": n} for w, n in self.top_unmapped],
            "dropped_as_stopwords": self.dropped_as_stopwords,
            "overlaps": [{**asdict(o), "share": round(o.share, 4)} for o in self.overlaps],
        }

    def to_text(self) -> str:
        lines = ["language  tokens  glossary  cc-cedict  english  unmapped  mapped  shared-with-other-language"]
        for code, c in self.languages.items():
            lines.append(
                f"{code:<8}  {c.tokens:>6}  {c.glossary:>8}  {c.dictionary:>9}  {c.english:>7}  {c.unmapped:>8}"
                f"  {c.mapped_share:>6.1%}  {c.shared_share:>6.1%}"
            )
        lines.append(f"Chinese words dropped because their English gloss is a stopword: {self.dropped_as_stopwords}")
        if self.top_unmapped:
            lines.append("")
            lines.append("most frequent unmapped Chinese words (candidates for the glossary):")
            lines.append("  " + "  ".join(f"{w} {n}" for w, n in self.top_unmapped))
        if self.overlaps:
            lines.append("")
            lines.append("top-term overlap with the closest article of the other language:")
            for o in self.overlaps:
                lines.append(f"  {o.article_id} ({o.language}) ~ {o.best_match}: {o.shared_terms}/{o.top_n} = {o.share:.0%}")
        return "\n".join(lines)


def coverage_report(corpus: TokenizedCorpus, *, top_unmapped: int = 30, top_terms: int = 100) -> CoverageReport:
    """Coverage of ``corpus`` by language, the commonest unmapped words, and top-term overlaps."""
    terms_by_language: dict[str, Counter[str]] = {}
    for term, by_language in corpus.surfaces.items():
        for language, forms in by_language.items():
            terms_by_language.setdefault(language, Counter())[term] += sum(forms.values())
    languages = {}
    for language in sorted(corpus.origins):
        origins = corpus.origins[language]
        others = set().union(*(set(c) for code, c in terms_by_language.items() if code != language))
        own = terms_by_language.get(language, Counter())
        languages[language] = LanguageCoverage(
            language=language,
            tokens=sum(n for origin, n in origins.items() if origin != STOPWORD),
            glossary=origins[GLOSSARY],
            dictionary=origins[DICTIONARY],
            english=origins[ENGLISH],
            unmapped=origins[UNMAPPED],
            shared_with_other_language=sum(n for term, n in own.items() if term in others),
        )
    return CoverageReport(
        languages=languages,
        top_unmapped=sorted(corpus.unmapped.items(), key=lambda kv: (-kv[1], kv[0]))[:top_unmapped],
        dropped_as_stopwords=sum(corpus.dropped_as_stopwords.values()),
        overlaps=top_term_overlaps(corpus.articles, top_terms),
    )


def top_terms(article: TokenizedArticle, n: int = 100, tie_break: Counter[str] | None = None) -> list[str]:
    """The ``n`` most frequent terms of an article.

    A short article has many terms seen once, so ties decide much of its top 100. They are
    broken by ``tie_break`` counts (by default none; :func:`top_term_overlaps` passes the
    term counts of the article's own language, never the other's, so the ordering cannot
    favour terms shared across languages), then alphabetically, so the list is stable.
    """
    counts = Counter(article.terms)
    tie_break = tie_break or Counter()
    return [term for term, _ in sorted(counts.items(), key=lambda kv: (-kv[1], -tie_break[kv[0]], kv[0]))[:n]]


def top_term_overlaps(articles: list[TokenizedArticle], n: int = 100) -> list[ArticleOverlap]:
    """For each article, the other-language article sharing most of its top-``n`` terms.

    Empty when the corpus has one language or more than ``MAX_OVERLAP_ARTICLES`` articles
    (the comparison is pairwise). The share is over ``n`` (not over the article's
    vocabulary), so a short article cannot score high by having few terms.
    """
    if len(articles) > MAX_OVERLAP_ARTICLES:
        return []
    by_language: dict[str, Counter[str]] = {}
    for article in articles:
        by_language.setdefault(article.language, Counter()).update(article.terms)
    tops = {a.id: set(top_terms(a, n, by_language[a.language])) for a in articles}
    overlaps = []
    for article in articles:
        others = [b for b in articles if b.language != article.language]
        if not others:
            continue
        best = max(others, key=lambda b: len(tops[article.id] & tops[b.id]))  # first best in corpus order
        overlaps.append(ArticleOverlap(article.id, article.language, best.id, len(tops[article.id] & tops[best.id]), n))
    return overlaps
