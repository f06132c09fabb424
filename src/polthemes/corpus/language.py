"""Which language a paragraph or article is in.

Writing systems decide first, because they are exact: Han characters without kana are
Chinese, kana means Japanese, Hangul Korean, Cyrillic/Arabic/... something we do not
support. Only Latin-script text goes to a statistical identifier (py3langid, which ships
its model in the wheel), to tell English from French, German or Spanish.
"""

from __future__ import annotations

import re
from functools import lru_cache

#: Returned when a text is too short or has no letters to judge by.
UNDETERMINED = "und"

#: The one definition of a Han character, as the body of a regex character class: CJK
#: unified ideographs with extension A, compatibility ideographs and the supplementary
#: planes (extensions B onwards). Every module that looks for Chinese builds on it.
HAN_CHARACTERS = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ffff"
#: A run of Han characters.
HAN_RUN = re.compile(f"[{HAN_CHARACTERS}]+")

# Runs, not single characters: counting the characters of a few runs is several times
# faster than one match object per character, which matters on a 24,000-item archive.
_HAN = HAN_RUN
_KANA = re.compile(r"[\u3040-\u30ff\u31f0-\u31ff]+")
_HANGUL = re.compile(r"[\uac00-\ud7af\u1100-\u11ff\u3130-\u318f]+")
_LATIN_WORD = re.compile(r"[A-Za-z\u00c0-\u024f]+")
_OTHER_SCRIPTS = {
    "ru": re.compile(r"[\u0400-\u04ff]+"),  # Cyrillic; reported as Russian-family
    "ar": re.compile(r"[\u0600-\u06ff]+"),
    "bo": re.compile(r"[\u0f00-\u0fff]+"),  # Tibetan
    "ug": re.compile(r"[\ufb50-\ufdff\ufe70-\ufeff]+"),  # Arabic presentation forms (Uyghur)
    "mn": re.compile(r"[\u1800-\u18af]+"),  # Traditional Mongolian
    "th": re.compile(r"[\u0e00-\u0e7f]+"),
}

#: Fewer Latin letters than this and the statistical identifier is not asked.
MIN_LATIN_LETTERS = 20
#: py3langid's normalised probability below which a Latin text stays undetermined.
MIN_CONFIDENCE = 0.5


def detect_language(text: str) -> str:
    """ISO 639-1 code for ``text`` (``zh``, ``en``, ``fr`` ...) or ``und`` when unclear.

    A Han character is weighed like a Latin word, so an English sentence quoting a
    Chinese name stays English and a Chinese paragraph with an English acronym stays
    Chinese.
    """
    han = _count(_HAN, text)
    kana = _count(_KANA, text)
    hangul = _count(_HANGUL, text)
    latin_words = _LATIN_WORD.findall(text)

    if kana and kana >= 0.1 * (han + kana):
        return "ja"
    if hangul > han and hangul >= len(latin_words):
        return "ko"
    if han and han >= len(latin_words):
        return "zh"
    for code, pattern in _OTHER_SCRIPTS.items():
        if _count(pattern, text) > sum(map(len, latin_words)):
            return code
    if sum(map(len, latin_words)) < MIN_LATIN_LETTERS:
        return UNDETERMINED
    code, probability = _latin_identifier().classify(" ".join(latin_words))
    return code if probability >= MIN_CONFIDENCE else UNDETERMINED


def _count(pattern: re.Pattern, text: str) -> int:
    """Characters of ``text`` matched by ``pattern`` (a pattern of runs)."""
    return sum(map(len, pattern.findall(text)))


@lru_cache(maxsize=1)
def _latin_identifier():
    """py3langid's model, loaded once (about a second) and only if Latin text is seen."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
