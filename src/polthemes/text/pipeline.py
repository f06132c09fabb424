"""From articles to modelling tokens, in one shared space or per language.

:class:`TokenPipeline` is the one entry point: ``fit`` learns what must be learned from the
corpus (English collocations; which sense of a Chinese word the English side uses), and
``transform`` turns every paragraph of every article into a tuple of terms. In
``crosslingual`` mode (the default) terms are concept terms shared by both languages
(:mod:`polthemes.text.concepts`); in ``monolingual`` mode English lemmas and Chinese words stay
apart. Every term remembers its surface forms in each language, for bilingual labels.
"""

from __future__ import annotations

import itertools
import logging
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from polthemes.derived_cache import cached, code_fingerprint, digest_of_lines, key_of
from polthemes.text.cedict import load_cedict
from polthemes.text.concepts import DICTIONARY, ENGLISH, GLOSSARY, STOPWORD, UNMAPPED, ConceptMapper
from polthemes.text.glossary import Glossary, default_glossary
from polthemes.progress import ProgressCounter
from polthemes.corpus.records import Article
from polthemes.text.segmentation import ParallelSegmenter
from polthemes.settings import MODES, Mode
from polthemes.text.english import EnglishTokenizer
from polthemes.text.chinese import ChineseTokenizer, is_function_word, latin_words

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class TokenizedArticle:
    """An article's terms, paragraph by paragraph (parallel to ``Article.paragraphs``)."""

    id: str
    language: str
    paragraphs: tuple[tuple[str, ...], ...]

    @property
    def terms(self) -> list[str]:
        return [term for paragraph in self.paragraphs for term in paragraph]


@dataclass
class TokenizedCorpus:
    """Tokenized articles plus what a reader needs to trust them: surfaces and origins."""

    articles: list[TokenizedArticle]
    mode: str
    #: term -> language -> surface form -> count ("mass_line" -> "zh" -> "群众路线" -> 3).
    surfaces: dict[str, dict[str, Counter[str]]] = field(default_factory=dict)
    #: language -> origin (glossary / cedict / english / unmapped) -> tokens.
    origins: dict[str, Counter[str]] = field(default_factory=dict)
    #: Chinese words neither the glossary nor CC-CEDICT maps, with their token counts.
    unmapped: Counter[str] = field(default_factory=Counter)
    #: Chinese words dropped because their English gloss is only stopwords.
    dropped_as_stopwords: Counter[str] = field(default_factory=Counter)
    #: Labels of the glossary concepts that occur: their first Chinese and English forms.
    concept_labels: dict[str, str] = field(default_factory=dict)
    #: CC-CEDICT terms -> the English gloss they were made from (stems are not labels).
    glosses: dict[str, str] = field(default_factory=dict)
    #: The derived-cache key these tokens were kept under ("" when not cached): what the
    #: counts made from them are keyed by (:func:`polthemes.engines.local.run_analysis`).
    cache_key: str = ""

    def label(self, term: str) -> str:
        """``群众路线 · mass line``: a glossary concept's own forms, else the commonest
        Chinese and English surfaces of the term in this corpus."""
        if term in self.concept_labels:
            return self.concept_labels[term]
        forms = self.surfaces.get(term, {})
        parts = [ranked(forms[lang])[0] for lang in ("zh", "en") if forms.get(lang)]
        if not forms.get("en") and term in self.glosses:
            parts.append(self.glosses[term])  # a Chinese-only term: show the English gloss it maps to
        return " · ".join(dict.fromkeys(parts)) or term

    def term_counts(self, article_id: str | None = None) -> Counter[str]:
        """Term frequencies of one article, or of the whole corpus."""
        counts: Counter[str] = Counter()
        for article in self.articles:
            if article_id is None or article.id == article_id:
                counts.update(article.terms)
        return counts


def ranked(counts: Mapping[str, int]) -> list[str]:
    """Keys by falling count, ties by key: an order that does not depend on insertion."""
    return [key for key, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]


class TokenPipeline:
    """Cleans and tokenizes articles in both languages; scikit-learn style (fit, transform).

    Parameters are stored untouched (nothing is loaded until ``fit``); ``fit`` builds the
    English and Chinese tokenizers and the concept mapper, and sets ``english_phrases_`` (collocations
    learned by gensim Phrases where they are applied: in monolingual mode, and in the shared
    space only with ``phrases_in_shared_space=True``; empty otherwise) and ``english_frequencies_`` (English term counts used to choose among
    CC-CEDICT senses). Tokenizing the same articles twice gives identical output.
    """

    def __init__(
        self,
        mode: Mode = "crosslingual",
        *,
        glossary: Glossary | None = None,
        phrases_min_count: int = 3,
        phrases_threshold: float = 0.5,
        learn_phrases: bool = True,
        phrases_in_shared_space: bool = False,
        dictionary_cache: str | Path | bool | None = True,
    ) -> None:
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}; choose one of {', '.join(MODES)}")
        self.mode = mode
        self.glossary = glossary
        self.phrases_min_count = phrases_min_count
        self.phrases_threshold = phrases_threshold
        self.learn_phrases = learn_phrases
        self.phrases_in_shared_space = phrases_in_shared_space
        self.dictionary_cache = dictionary_cache

    def _build(self) -> None:
        """The tokenizers and the concept mapper, built from the parameters when fitting
        starts (not in ``__init__``): CC-CEDICT and jieba's dictionary take a second to load,
        and a pipeline that is only configured, cloned or pickled should not pay for them."""
        glossary_ = self.glossary if self.glossary is not None else default_glossary()
        self._english = EnglishTokenizer(
            sorted(form for form in glossary_.by_english if " " in form),
            phrases_min_count=self.phrases_min_count,
            phrases_threshold=self.phrases_threshold,
        )
        # jieba's prefix dictionary, verified, from the project's cache (True) or a given folder;
        # built afresh with None or False (``--no-cache``).
        self._chinese = ChineseTokenizer(glossary_.by_chinese, cache_dir=self.dictionary_cache)
        self._chinese_word_tokens: dict[str, tuple[tuple[str, str, str, str], ...]] = {}
        self._mapper = (
            ConceptMapper(
                glossary_, self._english, load_cedict(),
                chinese_content=self._chinese.is_content_word, chinese_function_word=is_function_word,
            )
            if self.mode == "crosslingual"
            else None
        )

    def _check_fitted(self) -> None:
        if not hasattr(self, "english_frequencies_"):
            raise RuntimeError("this TokenPipeline is not fitted yet: call fit(articles) first")

    # --- fitting --------------------------------------------------------------------------

    def fit(self, articles: Iterable[Article]) -> TokenPipeline:
        """Learn English collocations and English term frequencies from the corpus."""
        return self.fit_english([text for text, language in _paragraphs(articles) if language == "en"])

    def fit_english(self, english_texts: Sequence[str]) -> TokenPipeline:
        """:meth:`fit` on the corpus's English paragraphs alone: all that fitting reads."""
        self._build()
        # A collocation learned on English alone has no Chinese counterpart: in the shared
        # space it could only split a theme by language. Bilingual multiword concepts come
        # from the glossary; learned phrases serve the monolingual English vocabulary, and
        # are not learned where they would not be applied (gensim costs a process 1.8 s).
        applied = self.mode != "crosslingual" or self.phrases_in_shared_space
        self.english_phrases_ = self._english.learn_phrases(english_texts) if self.learn_phrases and applied else {}
        frequencies: Counter[str] = Counter()
        for text in english_texts:
            frequencies.update(self._english.terms(text))
        self.english_frequencies_ = dict(sorted(frequencies.items()))
        if self._mapper is not None:
            self._mapper.set_english_frequencies(self.english_frequencies_)
        self._chinese_word_tokens.clear()  # mappings depend on the English frequencies just learned
        return self

    @property
    def concept_mapper(self) -> ConceptMapper | None:
        """The fitted concept mapper (None in a monolingual mode): what a measure of the
        shared space reads to ask which senses a Chinese word had to choose from."""
        self._check_fitted()
        return self._mapper

    def fitted_state(self) -> dict:
        """What ``fit`` learned, small and picklable: ships the fitted tokenizer to Spark
        executors, which rebuild the dictionaries themselves (:meth:`from_fitted_state`)."""
        if not hasattr(self, "english_phrases_"):
            raise RuntimeError("TokenPipeline.fitted_state called before fit()")
        return {
            "mode": self.mode,
            "phrases_min_count": self.phrases_min_count,
            "phrases_threshold": self.phrases_threshold,
            "learn_phrases": self.learn_phrases,
            "phrases_in_shared_space": self.phrases_in_shared_space,
            "english_phrases": dict(self.english_phrases_),
            "learned_phrases": dict(self._english.learned_phrases),
            "english_frequencies": dict(self.english_frequencies_),
        }

    @classmethod
    def from_fitted_state(cls, state: dict) -> TokenPipeline:
        """A fitted pipeline equal to the one ``state`` came from (default glossary)."""
        pipeline = cls(
            state["mode"], phrases_min_count=state["phrases_min_count"], phrases_threshold=state["phrases_threshold"],
            learn_phrases=state["learn_phrases"], phrases_in_shared_space=state["phrases_in_shared_space"],
        )
        pipeline._build()
        pipeline.english_phrases_ = dict(state["english_phrases"])
        pipeline._english.learned_phrases = dict(state["learned_phrases"])
        pipeline.english_frequencies_ = dict(state["english_frequencies"])
        if pipeline._mapper is not None:
            pipeline._mapper.set_english_frequencies(pipeline.english_frequencies_)
        return pipeline

    def fit_transform(self, articles: Sequence[Article]) -> TokenizedCorpus:
        return self.fit(articles).transform(articles)

    # --- tokenizing -----------------------------------------------------------------------

    def transform(
        self,
        articles: Iterable[Article],
        *,
        workers: int = 1,
        cache_dir: str | Path | None = None,
        total: int | None = None,
    ) -> TokenizedCorpus:
        """Terms for every paragraph of every article (empty tuples where nothing is left).

        Articles stream through in chunks: Chinese paragraphs are segmented by ``workers``
        processes (or found in the segmentation cache under ``cache_dir``) while this
        process maps the previous chunk into terms. The result is identical whatever the
        number of workers and whether the cache was cold or warm.
        """
        self._check_fitted()
        corpus = TokenizedCorpus(articles=[], mode=self.mode)
        # (term, surface, language, origin) -> tokens, over the whole corpus: counted at C
        # speed per paragraph and unfolded into surfaces and origins once at the end.
        token_counts: Counter[tuple[str, str, str, str]] = Counter()
        with ParallelSegmenter(self._chinese, workers=workers, cache_dir=cache_dir) as segmenter, \
                ProgressCounter(desc="tokenizing", total=total, unit="article") as bar:
            for chunk, segmented in segmenter.segment_chunks(_chunks(articles, CHUNK_ARTICLES), texts_of=_chinese_texts):
                for article in chunk:
                    paragraphs = []
                    for text, language in article_paragraphs(article):
                        tokens = self.tokenize(text, language, segmented=segmented.get(text))
                        token_counts.update(tokens)
                        paragraphs.append(tuple(term for term, _, _, origin in tokens if origin != STOPWORD))
                    corpus.articles.append(TokenizedArticle(article.id, article.language, tuple(paragraphs)))
                bar.update(len(chunk))
            # Paragraphs found in / missing from the cache in this call (0, 0 without a cache).
            cache = segmenter.cache
            self.cache_hits_, self.cache_misses_ = (cache.hits, cache.misses) if cache is not None else (0, 0)
        self.describe(corpus, token_counts)
        return corpus

    def describe(self, corpus: TokenizedCorpus, token_counts: Mapping[tuple[str, str, str, str], int]) -> None:
        """Fill ``corpus``'s surfaces, origins, unmapped and dropped words and labels from
        counts of ``(term, surface, language, origin)`` tokens (however they were counted)."""
        self._check_fitted()
        surfaces: dict[str, dict[str, Counter[str]]] = defaultdict(lambda: defaultdict(Counter))
        origins: dict[str, Counter[str]] = defaultdict(Counter)
        for (term, surface, token_language, origin), n in token_counts.items():
            origins[token_language][origin] += n
            if origin == UNMAPPED:
                corpus.unmapped[surface] += n
            if origin == STOPWORD:
                corpus.dropped_as_stopwords[surface] += n
                continue
            surfaces[term][token_language][surface] += n
        corpus.surfaces = {term: dict(by_language) for term, by_language in surfaces.items()}
        if self._mapper is not None:
            concepts = self._mapper.glossary.concepts
            corpus.concept_labels = {term: concepts[term].label for term in sorted(surfaces) if term in concepts}
            corpus.glosses = {}
            for term in sorted(surfaces):
                if term in corpus.concept_labels or "en" in surfaces[term] or "zh" not in surfaces[term]:
                    continue  # labelled by its own forms (see label); no gloss needed
                # The gloss of the commonest Chinese word that was glossed into this term (ties:
                # by word), so neither mapping order nor engine changes a label.
                words = ranked(surfaces[term]["zh"])
                gloss = next(filter(None, (self._mapper.gloss_of(word, term) for word in words)), None)
                if gloss:
                    corpus.glosses[term] = gloss
        corpus.origins = dict(origins)

    def tokenize(self, text: str, language: str, *, segmented: Sequence[str] | None = None) -> list[tuple[str, str, str, str]]:
        """``(term, surface, language, origin)`` for each token of one paragraph.

        ``segmented`` is jieba's segmentation of a Chinese ``text`` when already known
        (from the cache or a worker); otherwise it is computed here.
        """
        self._check_fitted()
        if language == "zh":
            words = segmented if segmented is not None else self._chinese.segment(text)
            # The remembered tokens of each word, looked up inline: the archive has 6.3
            # million words and 106,000 distinct ones, and a method call per word cost 4 s.
            known = self._chinese_word_tokens
            out = [token for word in words for token in (known[word] if word in known else self._chinese_tokens(word))]
            english = [pair for word in latin_words(text) for pair in self._english.terms_with_surfaces(word)]
        else:
            out, english = [], self._english.terms_with_surfaces(text)
        for term, surface in english:
            if self._mapper is None:
                out.append((term, surface, "en", ENGLISH))
            else:
                concept, origin = self._mapper.map_english(term)
                out.append((concept, surface, "en", origin))
        return out

    def _chinese_tokens(self, word: str) -> tuple[tuple[str, str, str, str], ...]:
        """The tokens one jieba word becomes (none for a stopword or a count), remembered:
        an archive repeats the same few ten thousand words millions of times."""
        tokens = self._chinese_word_tokens.get(word)
        if tokens is None:
            if not self._chinese.is_content_word(word):
                tokens = ()
            elif self._mapper is None:
                tokens = ((word, word, "zh", UNMAPPED),)
            else:
                tokens = tuple((term, word, "zh", origin) for term, origin in self._mapper.map_chinese(word))
            self._chinese_word_tokens[word] = tokens
        return tokens


def tokenize_articles(
    articles: Sequence[Article],
    mode: Mode = "crosslingual",
    *,
    workers: int = 1,
    cache_dir: str | Path | None = None,
) -> TokenizedCorpus:
    """``articles`` tokenized in ``mode`` by a pipeline fitted on them: the way every engine
    tokenizes a corpus. With ``cache_dir`` the result is kept there and reused by the next
    call with the same articles, code and resource files (:mod:`polthemes.derived_cache`),
    so a rerun with another K, seed, chain count or backend does not tokenize again (17 s
    on the archive, loaded in 0.9 s). Identical either way."""
    def tokenize() -> TokenizedCorpus:
        pipeline = TokenPipeline(mode, dictionary_cache=cache_dir)
        return pipeline.fit(articles).transform(articles, workers=workers, cache_dir=cache_dir, total=len(articles))

    if cache_dir is None:
        return tokenize()
    key = key_of("tokens", mode, code_fingerprint(), digest_of_lines(_tokenized_inputs(articles)))
    corpus, reused = cached("tokens", key, tokenize, cache_dir)
    if reused:
        logger.info(f"{len(articles)} articles' tokens reused from {cache_dir} (same articles, code and resources)")
    corpus.cache_key = key
    return corpus


def _tokenized_inputs(articles: Iterable[Article]) -> Iterator[str]:
    """Everything of the articles that tokenizing reads, as lines: ids, languages, paragraphs."""
    for article in articles:
        yield f"{article.id}\t{article.language}\t{len(article.paragraphs)}"
        for text, language in article_paragraphs(article):
            yield f"{language}\t{text}"


#: Articles per chunk streamed through segmentation and mapping.
CHUNK_ARTICLES = 500


def _chunks(articles: Iterable[Article], size: int) -> Iterator[list[Article]]:
    iterator = iter(articles)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


def _chinese_texts(chunk: list[Article]) -> list[str]:
    return [text for article in chunk for text, language in article_paragraphs(article) if language == "zh"]


def article_paragraphs(article: Article) -> list[tuple[str, str]]:
    """``(text, language)`` per paragraph; an undetermined paragraph takes the article's language.

    Public because every tokenizer of articles (the Spark engine's, the naive baseline of
    :mod:`polthemes.text.naive_mapping`) must route paragraphs to a language exactly as here.
    """
    languages = article.paragraph_languages or (article.language,) * len(article.paragraphs)
    return [
        (text, language if language in ("zh", "en") else article.language)
        for text, language in zip(article.paragraphs, languages)
    ]


def _paragraphs(articles: Iterable[Article]) -> list[tuple[str, str]]:
    return [pair for article in articles for pair in article_paragraphs(article)]


__all__ = [
    "DICTIONARY", "ENGLISH", "GLOSSARY", "MODES", "TokenPipeline", "TokenizedArticle", "TokenizedCorpus", "UNMAPPED",
    "article_paragraphs", "tokenize_articles",
]
