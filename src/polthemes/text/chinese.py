"""Chinese words: jieba in accurate mode, with the project's vocabulary kept whole.

jieba's general dictionary splits party jargon (三会一课 -> 三会/一课); every Chinese form in
the glossary and in ``resources/userdict_zh.txt`` is therefore added to a private jieba
tokenizer, so set phrases come out as one word. Then numerals, punctuation, stopwords and
single characters (unless listed as meaningful) are dropped.

jieba's prefix dictionary (its dictionary plus the added words) is never taken from jieba's
own cache, an unchecked ``jieba.cache`` in the shared temporary folder that anyone on the
machine can replace (a planted copy changes every segmentation without changing any input
the manifest records). It is built here and cached in the project's cache folder, under a
name keyed by the content of everything that shapes it, and its digest is verified before
it is loaded: a file that fails the check is rebuilt, with a warning.
"""

from __future__ import annotations

import hashlib
import logging
import marshal
import re
import unicodedata
from collections.abc import Iterable, Sequence
from functools import lru_cache
from importlib import metadata
from pathlib import Path

import jieba

from polthemes.corpus.language import HAN_CHARACTERS, HAN_RUN
from polthemes.derived_cache import checked_bytes, read_checked
from polthemes.messages import warn
from polthemes.resources import read_list

jieba.setLogLevel(logging.WARNING)  # jieba logs its dictionary loading at DEBUG to stderr

#: Bump when the way the prefix dictionary is built changes.
PREFIX_DICTIONARY_VERSION = 1
_PREFIX_MAGIC = b"polthemes jieba prefix dictionary\n"

_HAN_WORD = HAN_RUN
_LATIN_WORD = re.compile(r"[A-Za-z]+(?:-[A-Za-z]+)*")
#: Text made only of characters that are no Latin letter and whose NFKC form holds none:
#: ASCII other than letters, general punctuation, CJK symbols and punctuation, CJK
#: ideographs, full-width punctuation and digits (not the full-width letters). Tested
#: character by character against NFKC.
WITHOUT_LATIN = re.compile(
    r"[\x00-\x40\x5b-\x60\x7b-\x7f\u00b7\u2000-\u206f\u3000-\u303f\uff01-\uff20\uff3b-\uff40\uff5b-\uff65"
    + HAN_CHARACTERS + "]*"
)
#: Characters that make up Chinese numerals, ordinals and counts (三, 第十, 两千, 百分之).
_NUMERAL_CHARS = "〇零一二三四五六七八九十百千万亿两壹贰叁肆伍陆柒捌玖拾佰仟第几半余多"


class ChineseTokenizer:
    """Segments Chinese text into content words; the same input always gives the same words.

    ``keep_words`` are always kept whole and never filtered (by default the glossary's
    Chinese forms, plus ``resources/userdict_zh.txt`` always);
    ``stopwords`` and ``single_characters`` (the meaningful one-character words) come from
    the resource files by default. ``cache_dir`` holds the verified prefix dictionary
    (``True``: the project's cache folder, see :func:`polthemes.execution.default_cache_dir`;
    ``False`` or ``None``: built afresh, 1 s).
    """

    def __init__(
        self,
        keep_words: Iterable[str] | None = None,
        *,
        stopwords: Iterable[str] | None = None,
        single_characters: Iterable[str] | None = None,
        cache_dir: str | Path | None | bool = True,
    ) -> None:
        if keep_words is None:
            from polthemes.text.glossary import default_glossary

            keep_words = default_glossary().by_chinese
        self.keep_words = frozenset(keep_words) | frozenset(read_list("userdict_zh.txt"))
        self.stopwords = frozenset(stopwords if stopwords is not None else default_chinese_stopwords()) - self.keep_words
        self.single_characters = frozenset(
            single_characters if single_characters is not None else read_list("single_characters_zh.txt")
        )
        self.measure_words = frozenset(read_list("measure_words_zh.txt"))
        if cache_dir is True:
            from polthemes.execution import default_cache_dir

            cache_dir = default_cache_dir()
        self._jieba = jieba.Tokenizer()
        # Sorted so the dictionary (and therefore the segmentation) never depends on set order.
        self._jieba.FREQ, self._jieba.total = prefix_dictionary(sorted(self.keep_words), cache_dir or None)
        self._jieba.initialized = True  # jieba must never look for its own cache file

    def segment(self, text: str) -> list[str]:
        """jieba's accurate-mode words of ``text``, unfiltered (for inspection and baselines).

        Traditional characters are converted to simplified first (:func:`to_simplified`):
        jieba's dictionary, the glossary and CC-CEDICT's lookup are all simplified, so a
        Hong Kong or Taiwan paragraph would otherwise be cut into unknown words.
        """
        return self._jieba.lcut(to_simplified(unicodedata.normalize("NFKC", text)), HMM=True)

    def words(self, text: str) -> list[str]:
        """The content words of ``text``, in order: Han words worth modelling.

        Latin-script words inside Chinese text (acronyms, app names) are dropped here; the
        caller decides whether to send them to the English tokenizer.
        """
        return self.content_words(self.segment(text))

    def content_words(self, segmented: Iterable[str]) -> list[str]:
        """The content words among jieba's words (see :meth:`words`); cached segmentations
        pass through here, so editing a stopword list never needs a new segmentation."""
        return [word for word in segmented if self.is_content_word(word)]

    def _is_count(self, word: str) -> bool:
        """A numeral, or numerals followed by a measure word: 三, 第十, 三次, 万吨, 两个."""
        digits = len(word) - len(word.lstrip(_NUMERAL_CHARS))
        return digits > 0 and (digits == len(word) or word[digits:] in self.measure_words)

    def is_content_word(self, word: str) -> bool:
        if word in self.keep_words:
            return True
        if not _HAN_WORD.fullmatch(word) or word in self.stopwords:
            return False
        if self._is_count(word):
            return False
        return len(word) > 1 or word in self.single_characters


def prefix_dictionary(words: Sequence[str], cache_dir: str | Path | None) -> tuple[dict[str, int], int]:
    """jieba's prefix dictionary (word -> frequency, and the total) with ``words`` added in
    order, from the verified cache in ``cache_dir`` when it holds one, else built and cached.

    The cache file's name is the digest of jieba's version, its dictionary file and the
    added words, and the file carries the digest of its own content: a file changed by
    anyone, or cut short, is rebuilt instead of loaded.
    """
    dictionary = _jieba_dictionary_bytes()
    key = hashlib.sha256()
    key.update(f"v{PREFIX_DICTIONARY_VERSION}\0jieba {metadata.version('jieba')}\0".encode())
    key.update(hashlib.sha256(dictionary).digest())
    for word in words:
        key.update(word.encode("utf-8") + b"\0")
    path = Path(cache_dir) / f"jieba-prefix-{key.hexdigest()[:24]}.marshal" if cache_dir else None
    if path is not None and path.exists():
        loaded = _load_prefix_dictionary(path)
        if loaded is not None:
            return loaded
        warn(f"{path}: jieba dictionary cache failed its checksum; rebuilding it")
    built = _build_prefix_dictionary(dictionary, words)
    if path is not None:
        payload = marshal.dumps(built)
        try:
            from polthemes.files import write_bytes_atomic

            write_bytes_atomic(path, checked_bytes(_PREFIX_MAGIC, payload))
        except OSError as error:  # the cache is optional: a full or read-only disk costs a second, not the run
            warn(f"{path}: cannot write the jieba dictionary cache ({error.strerror or error}); going on without it")
    return built


def _jieba_dictionary_bytes() -> bytes:
    with jieba.Tokenizer().get_dict_file() as handle:
        return handle.read()


def _build_prefix_dictionary(dictionary: bytes, words: Sequence[str]) -> tuple[dict[str, int], int]:
    import io

    tokenizer = jieba.Tokenizer()
    tokenizer.FREQ, tokenizer.total = tokenizer.gen_pfdict(io.BytesIO(dictionary))
    tokenizer.initialized = True
    for word in words:
        tokenizer.add_word(word)
    return tokenizer.FREQ, tokenizer.total


def _load_prefix_dictionary(path: Path) -> tuple[dict[str, int], int] | None:
    """The cached dictionary if the file is whole and unchanged, else None."""
    payload = read_checked(path, _PREFIX_MAGIC)
    if payload is None:
        return None
    try:
        frequencies, total = marshal.loads(payload)
    except (EOFError, ValueError, TypeError):
        return None
    if not isinstance(frequencies, dict) or not isinstance(total, int):
        return None
    return frequencies, total


#: jieba's part-of-speech tags (first letter) of function-word classes: adverbs, pronouns,
#: time words, prepositions, conjunctions, particles, numerals, measure words, locatives,
#: modal particles.
FUNCTION_WORD_TAGS = frozenset("drtpcumqfy")


def is_function_word(word: str) -> bool:
    """Whether jieba's dictionary tags ``word`` as a function word (正在 t, 非常 d, 各地 r):
    the tags are read once from the dictionary file jieba ships (a third of a second)."""
    return _function_word_tags().get(word, "")[:1] in FUNCTION_WORD_TAGS


@lru_cache(maxsize=1)
def _function_word_tags() -> dict[str, str]:
    tags = {}
    for line in _jieba_dictionary_bytes().decode("utf-8").splitlines():
        parts = line.split(" ")
        if len(parts) == 3 and parts[2][:1] in FUNCTION_WORD_TAGS:
            tags[parts[0]] = parts[2]
    return tags


def to_simplified(text: str) -> str:
    """``text`` in simplified characters, by OpenCC's ``t2s`` conversion (phrase-aware, its
    dictionaries ship in the wheel); simplified text passes through unchanged."""
    return _opencc().convert(text)


@lru_cache(maxsize=1)
def _opencc():
    import opencc

    return opencc.OpenCC("t2s")


def latin_words(text: str) -> list[str]:
    """Latin-script words embedded in Chinese text (``APP``, ``H5`` is dropped: it has a digit)."""
    if WITHOUT_LATIN.fullmatch(text):
        return []  # most Chinese paragraphs: nothing to normalise and search (2 s on the archive)
    return _LATIN_WORD.findall(unicodedata.normalize("NFKC", text))


def default_chinese_stopwords() -> frozenset[str]:
    """stopwords-iso's Chinese list plus the project's domain list (news and propaganda filler)."""
    import stopwordsiso

    return frozenset(stopwordsiso.stopwords("zh")) | frozenset(read_list("stopwords_zh_domain.txt"))
