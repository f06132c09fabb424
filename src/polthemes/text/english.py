"""English words: lower-cased, lemmatised, multiword expressions joined, filler dropped.

The English articles are mostly machine translations of Chinese reports, so the
vocabulary that matters comes in set phrases ("mass line", "party committee", "theme
education"). Those are joined into one term ``mass_line`` twice over: from a curated list
(the glossary's English forms plus ``resources/multiwords_en.txt``), and from collocations
gensim's ``Phrases`` learns on the corpus itself (see :meth:`EnglishTokenizer.learn_phrases`).

Lemmas come from simplemma, which ships its dictionaries in the wheel (nothing is
downloaded); ``resources/lemma_overrides_en.tsv`` corrects the few lemmas that are wrong in
this domain ("masses" is not the plural of "masse").

Before any of that, two things English spelling hides are written out: contractions
("haven't" is "have not", never the noun "haven") and the abbreviations of names in
``resources/names_en.tsv``, matched case-sensitively ("US" is the United States, "us" the
pronoun), so English reaches the names CC-CEDICT gives the Chinese side.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from functools import lru_cache

import simplemma

from polthemes.resources import cached_until_changed, read_list, read_tsv

#: Letters with internal hyphens; numbers, punctuation and apostrophes separate words.
_WORD = re.compile(r"[a-z]+(?:-[a-z]+)*")
#: Anything that is not a letter, space, hyphen or apostrophe ends a clause: collocations
#: never span a comma, a full stop, a quote or a number.
_CLAUSE_BREAK = re.compile(r"[^a-z\s'’-]+")
#: Words shorter than this are dropped (single letters left by apostrophes: "party's").
MIN_WORD_LENGTH = 2
#: Longest curated multiword expression, in words.
MAX_MULTIWORD_WORDS = 8
PHRASE_JOINER = "_"
#: Combining accents left by NFKD decomposition ("Ü" -> "U" + U+0308).
_COMBINING_MARK = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
#: Contractions, written out before the apostrophe splits words: "won't" -> "will not",
#: "haven't" -> "have not" (else "haven" and "doesn" would be content words).
_CONTRACTIONS = ((re.compile(r"\bwon't\b"), "will not"), (re.compile(r"\bcan't\b"), "can not"), (re.compile(r"n't\b"), " not"))


class EnglishTokenizer:
    """Turns English text into terms: lemmas, and multiword expressions joined with ``_``.

    ``multiwords`` are space-separated expressions (any inflection; they are lemmatised
    here). Collocations learned by :meth:`learn_phrases` are applied after them.
    """

    def __init__(
        self,
        multiwords: Iterable[str] = (),
        *,
        stopwords: Iterable[str] | None = None,
        phrases_min_count: int = 3,
        phrases_threshold: float = 0.5,
        abbreviations: Mapping[str, str] | None = None,
    ) -> None:
        #: Abbreviation -> the name it stands for, written out before tokenizing (default:
        #: ``resources/names_en.tsv``).
        self.abbreviations = dict(abbreviations) if abbreviations is not None else default_abbreviations()
        self._abbreviation_pattern = abbreviation_pattern(self.abbreviations)
        _lemma_overrides()  # an edited overrides file is read now, and the lemmas made under the old one forgotten
        self.stopwords = frozenset(stopwords if stopwords is not None else default_english_stopwords())
        self.phrases_min_count = phrases_min_count
        self.phrases_threshold = phrases_threshold
        self.multiwords: dict[tuple[str, ...], str] = {}
        for expression in list(multiwords) + list(read_list("multiwords_en.txt")):
            lemmas = tuple(lemma for clause in self._lemma_clauses(expression) for lemma in clause)
            if len(lemmas) > 1:
                self.multiwords.setdefault(lemmas[:MAX_MULTIWORD_WORDS], PHRASE_JOINER.join(lemmas))
        self.learned_phrases: dict[tuple[str, str], str] = {}

    # --- public -------------------------------------------------------------------------

    def terms(self, text: str) -> list[str]:
        """Content terms of ``text`` in order: lemmas and joined expressions, no stopwords."""
        return [term for term, _surface in self.terms_with_surfaces(text)]

    def terms_with_surfaces(self, text: str) -> list[tuple[str, str]]:
        """``(term, surface)`` pairs: the surface is the words as written, lower-cased."""
        pairs = []
        for clause in self._clauses(text):
            for term, surface in self._apply_learned(self._join_multiwords(clause)):
                if self._is_content(term):
                    pairs.append((term, surface))
        return pairs

    def lemma(self, word: str) -> str:
        return _lemma(word)

    def learn_phrases(self, texts: Iterable[str]) -> dict[tuple[str, str], str]:
        """Learn two-word collocations from ``texts`` with gensim ``Phrases``; return them.

        Learned on runs of content words only (stopwords break a run), so a phrase is
        always two content words ("party_member"), never "of_the". Scored by normalised
        PMI, which is comparable across corpus sizes; ``phrases_min_count`` keeps one-off
        pairs of a five-article corpus out.
        """
        runs = [run for text in texts for run in self._content_runs(text)]
        if not runs:
            self.learned_phrases = {}
            return {}
        from gensim.models.phrases import Phrases  # imported only when there is English to learn from (1.8 s)

        # Learned with a space as delimiter, which no term contains, so every exported
        # phrase splits back into exactly its two terms.
        model = Phrases(
            runs,
            min_count=self.phrases_min_count,
            threshold=self.phrases_threshold,
            scoring="npmi",
            delimiter=" ",
            connector_words=frozenset(),
        )
        self.learned_phrases = {
            tuple(phrase.split(" ")): phrase.replace(" ", PHRASE_JOINER) for phrase in sorted(model.export_phrases())
        }
        return self.learned_phrases

    # --- steps --------------------------------------------------------------------------

    def _clauses(self, text: str) -> Iterator[list[tuple[str, str]]]:
        """Clauses of ``text`` as lists of ``(lemma, word)``."""
        normalised = unicodedata.normalize("NFKC", text)
        normalised = without_accents(normalised)
        if self.abbreviations:
            normalised = self._abbreviation_pattern.sub(lambda match: self.abbreviations[match[0]], normalised)
        normalised = normalised.lower().replace("’", "'")
        for contraction, written_out in _CONTRACTIONS:
            normalised = contraction.sub(written_out, normalised)
        for clause in _CLAUSE_BREAK.split(normalised):
            words = [w for w in _WORD.findall(clause.replace("'", " "))]
            if words:
                yield [(_lemma(w), w) for w in words]

    def _lemma_clauses(self, text: str) -> Iterator[list[str]]:
        for clause in self._clauses(text):
            yield [lemma for lemma, _ in clause]

    def _join_multiwords(self, clause: list[tuple[str, str]]) -> list[tuple[str, str]]:
        """Greedy longest match of the curated expressions over the clause's lemmas."""
        if not self.multiwords:
            return clause
        lemmas = [lemma for lemma, _ in clause]
        joined, i = [], 0
        while i < len(clause):
            for length in range(min(MAX_MULTIWORD_WORDS, len(clause) - i), 1, -1):
                term = self.multiwords.get(tuple(lemmas[i : i + length]))
                if term:
                    joined.append((term, " ".join(word for _, word in clause[i : i + length])))
                    i += length
                    break
            else:
                joined.append(clause[i])
                i += 1
        return joined

    def _apply_learned(self, clause: list[tuple[str, str]]) -> list[tuple[str, str]]:
        if not self.learned_phrases:
            return clause
        out, i = [], 0
        while i < len(clause):
            if i + 1 < len(clause):
                phrase = self.learned_phrases.get((clause[i][0], clause[i + 1][0]))
                if phrase:
                    out.append((phrase, f"{clause[i][1]} {clause[i + 1][1]}"))
                    i += 2
                    continue
            out.append(clause[i])
            i += 1
        return out

    def _content_runs(self, text: str) -> Iterator[list[str]]:
        for clause in self._clauses(text):
            run: list[str] = []
            for term, _ in self._join_multiwords(clause):
                if self._is_content(term):
                    run.append(term)
                else:
                    if len(run) > 1:
                        yield run
                    run = []
            if len(run) > 1:
                yield run

    def _is_content(self, term: str) -> bool:
        return len(term) >= MIN_WORD_LENGTH and term not in self.stopwords


@lru_cache(maxsize=200_000)
def _lemma(word: str) -> str:
    """simplemma's lemma, with the project's overrides (hyphenated words stay as simplemma
    has them: splitting "well-being" would make it "well-be")."""
    override = _lemma_overrides().get(word)
    if override:
        return override
    return simplemma.lemmatize(word, lang="en").lower()


def without_accents(text: str) -> str:
    """``text`` with accented letters as their base letter (Ürümqi -> Urumqi): the word
    pattern is ASCII, and would otherwise cut a word at every accented letter ("r", "mqi")."""
    if text.isascii():
        return text
    return _COMBINING_MARK.sub("", unicodedata.normalize("NFKD", text))


def default_abbreviations() -> dict[str, str]:
    """``resources/names_en.tsv``: abbreviation ("US", "U.S.") -> the name it stands for."""
    return {row["abbreviation"]: row["name"] for row in read_tsv("names_en.tsv")}


def abbreviation_pattern(abbreviations: Iterable[str]) -> re.Pattern[str]:
    """A pattern matching any of ``abbreviations`` as a whole word, case-sensitively:
    "the US side" matches, "tell us" and "USAID" do not."""
    # Longest first, so "U.S.A." wins over "U.S"; a letter, digit, apostrophe or dot before,
    # or a letter, digit or apostrophe after, means the letters belong to another word.
    alternatives = "|".join(re.escape(form) for form in sorted(abbreviations, key=lambda f: (-len(f), f)))
    return re.compile(rf"(?<![A-Za-z0-9'’.])(?:{alternatives or '(?!)'})(?![A-Za-z0-9'’])")


@cached_until_changed("lemma_overrides_en.tsv")
def _lemma_overrides() -> dict[str, str]:
    _lemma.cache_clear()  # lemmas remembered under the old overrides
    return {row["word"]: row["lemma"] for row in read_tsv("lemma_overrides_en.tsv")}


def default_english_stopwords() -> frozenset[str]:
    """A general English list minus words that carry meaning here, plus domain filler.

    ``stopwords_en_general.txt`` is scikit-learn's list (the Glasgow list), short and
    general, kept as a data file so tokenizing need not import scikit-learn;
    ``stopwords_en_keep.txt`` takes back words such as "system" and "interest" that it
    drops but that matter in governance text, and ``stopwords_en_domain.txt`` adds news and
    propaganda filler.
    """
    listed = frozenset(read_list("stopwords_en_general.txt"))
    keep = frozenset(read_list("stopwords_en_keep.txt"))
    domain = frozenset(read_list("stopwords_en_domain.txt"))
    general = frozenset(_lemma(word) for word in listed) | listed
    return (general - keep) | domain
