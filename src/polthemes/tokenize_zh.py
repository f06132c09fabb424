"""Chinese words: jieba in accurate mode, with the project's vocabulary kept whole.

jieba's general dictionary splits party jargon (三会一课 -> 三会/一课); every Chinese form in
the glossary and in ``resources/userdict_zh.txt`` is therefore added to a private jieba
tokenizer, so set phrases come out as one word. Then numerals, punctuation, stopwords and
single characters (unless listed as meaningful) are dropped.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Iterable

import jieba

from polthemes.resources import read_list

jieba.setLogLevel(logging.WARNING)  # jieba logs its dictionary loading at DEBUG to stderr

_HAN_WORD = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_LATIN_WORD = re.compile(r"[A-Za-z]+(?:-[A-Za-z]+)*")
#: Characters that make up Chinese numerals, ordinals and counts (三, 第十, 两千, 百分之).
_NUMERAL_CHARS = "〇零一二三四五六七八九十百千万亿两壹贰叁肆伍陆柒捌玖拾佰仟第几半余多"


class ChineseTokenizer:
    """Segments Chinese text into content words; the same input always gives the same words.

    ``keep_words`` are always kept whole and never filtered (by default the glossary's
    Chinese forms, plus ``resources/userdict_zh.txt`` always);
    ``stopwords`` and ``single_characters`` (the meaningful one-character words) come from
    the resource files by default.
    """

    def __init__(
        self,
        keep_words: Iterable[str] | None = None,
        *,
        stopwords: Iterable[str] | None = None,
        single_characters: Iterable[str] | None = None,
    ) -> None:
        if keep_words is None:
            from polthemes.glossary import default_glossary

            keep_words = default_glossary().by_chinese
        self.keep_words = frozenset(keep_words) | frozenset(read_list("userdict_zh.txt"))
        self.stopwords = frozenset(stopwords if stopwords is not None else default_chinese_stopwords()) - self.keep_words
        self.single_characters = frozenset(
            single_characters if single_characters is not None else read_list("single_characters_zh.txt")
        )
        self.measure_words = frozenset(read_list("measure_words_zh.txt"))
        self._jieba = jieba.Tokenizer()
        # Sorted so the dictionary (and therefore the segmentation) never depends on set order.
        for word in sorted(self.keep_words):
            self._jieba.add_word(word)

    def segment(self, text: str) -> list[str]:
        """jieba's accurate-mode words of ``text``, unfiltered (for inspection and baselines)."""
        return self._jieba.lcut(unicodedata.normalize("NFKC", text), HMM=True)

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


def latin_words(text: str) -> list[str]:
    """Latin-script words embedded in Chinese text (``APP``, ``H5`` is dropped: it has a digit)."""
    return _LATIN_WORD.findall(unicodedata.normalize("NFKC", text))


def default_chinese_stopwords() -> frozenset[str]:
    """stopwords-iso's Chinese list plus the project's domain list (news and propaganda filler)."""
    import stopwordsiso

    return frozenset(stopwordsiso.stopwords("zh")) | frozenset(read_list("stopwords_zh_domain.txt"))
