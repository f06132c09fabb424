"""Bytes to clean text: encoding detection, newline and control-character normalisation.

Scraped Chinese pages arrive as UTF-8 (with or without a byte-order mark), GB18030/GBK or
Big5. UTF-8 is tried strictly first because it is unambiguous; anything else goes to
charset-normalizer. Its guesses on short texts can land on a Korean or Japanese code
page that happens to decode Chinese bytes without error, so among equally clean
candidates a Chinese encoding is preferred: this corpus is Chinese political writing.
"""

from __future__ import annotations

import codecs
import re
import unicodedata

import charset_normalizer


class UnreadableText(ValueError):
    """The bytes are not text this project can read (empty, binary, or undecodable)."""


_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)

#: Encodings preferred when charset-normalizer finds several equally clean decodings.
_CHINESE_ENCODINGS = ("gb18030", "gbk", "gb2312", "big5", "big5hkscs", "cp950", "hz")
#: How much more "chaos" (charset-normalizer's mess score) a Chinese decoding may show
#: than the best one and still be preferred.
_CHAOS_TOLERANCE = 0.02
#: Share of control bytes above which a BOM-less file is taken for binary.
_BINARY_CONTROL_SHARE = 0.05
#: Share of NUL bytes above which a BOM-less file is taken for binary. Binary formats and
#: BOM-less UTF-16 are full of NULs; a stray one in a text export (a CSV row, a scraped
#: page) is a control character like any other and is dropped, not a reason to lose the file.
_BINARY_NUL_SHARE = 0.001

# C0/C1 controls except tab and newline, plus zero-width characters and stray BOMs.
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200d\u2060\ufeff]")
_LINE_BREAKS = re.compile(r"\r\n|\r|\u2028|\u2029|\x85")


def decode_bytes(raw: bytes) -> tuple[str, str]:
    """Decode ``raw`` to normalised text; return ``(text, encoding_name)``.

    Raises :class:`UnreadableText` with a reason fit for a user-facing message.
    """
    if not raw.strip():
        raise UnreadableText("empty file" if not raw else "file holds only whitespace")
    for bom, encoding in _BOMS:
        if raw.startswith(bom):
            try:
                return normalise_text(raw.decode(encoding)), encoding
            except UnicodeDecodeError as error:
                raise UnreadableText(f"byte-order mark says {encoding} but {error.reason}") from None
    if _looks_binary(raw):
        raise UnreadableText("binary file (NUL or control bytes), not text")
    try:
        return normalise_text(raw.decode("utf-8")), "utf-8"
    except UnicodeDecodeError:
        pass
    encoding = _detect_legacy_encoding(raw)
    return normalise_text(raw.decode(encoding)), encoding


def normalise_text(text: str) -> str:
    """Unify line breaks to ``\\n``, drop control and zero-width characters, apply NFC.

    NFC (not NFKC): compatibility folding would turn Chinese full-width punctuation
    into ASCII and change the text a researcher quotes.
    """
    text = _LINE_BREAKS.sub("\n", text)
    text = text.replace("\t", " ")
    text = _CONTROL_CHARS.sub("", text)
    return unicodedata.normalize("NFC", text)


def _looks_binary(raw: bytes) -> bool:
    sample = raw[:8192]
    if sample.count(0) > _BINARY_NUL_SHARE * len(sample):
        return True
    controls = sum(1 for byte in sample if byte < 32 and byte not in (9, 10, 12, 13, 27))
    return controls / len(sample) > _BINARY_CONTROL_SHARE


def _detect_legacy_encoding(raw: bytes) -> str:
    matches = [
        match
        for match in charset_normalizer.from_bytes(raw)
        # A BOM-less UTF-16/32 guess for bytes without NULs is never right for this corpus.
        if not match.encoding.startswith(("utf_16", "utf_32"))
    ]
    if not matches:
        raise UnreadableText("not decodable as UTF-8, GB18030/GBK, Big5 or any other known encoding")
    best = matches[0]
    if best.encoding in _CHINESE_ENCODINGS:
        return best.encoding
    for match in matches:
        if match.encoding in _CHINESE_ENCODINGS and match.chaos <= best.chaos + _CHAOS_TOLERANCE:
            return match.encoding
    return best.encoding
