"""The bilingual concept glossary: party-building and governance concepts in both languages.

``resources/glossary.tsv`` maps English forms and Chinese forms to one concept id, so
"mass line" in a machine-translated report and 群众路线 in a Chinese one are the same term
for the topic model. It is the first thing consulted when a token enters the shared space;
CC-CEDICT (``polthemes.text.cedict``) only handles what the glossary does not know.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from polthemes.config import RESOURCES_DIR
from polthemes.corpus.language import HAN_RUN
from polthemes.resources import ResourceFileError, cached_until_changed, read_tsv

GLOSSARY_FILENAME = "glossary.tsv"
_EN_FORM = re.compile(r"[a-z]+(?:[ -][a-z]+)*")
_ZH_FORM = HAN_RUN


@dataclass(frozen=True)
class Concept:
    """One glossary entry: its id, its forms in each language (as written), a short gloss."""

    id: str
    english: tuple[str, ...]
    chinese: tuple[str, ...]
    gloss: str

    @property
    def label(self) -> str:
        """``群众路线 · mass line``: first Chinese form and first English form."""
        return " · ".join(part for part in (self.chinese[:1] + self.english[:1]) if part)


@dataclass(frozen=True)
class Glossary:
    """Concepts by id, with lookups from each language's forms to the concept id."""

    concepts: dict[str, Concept]
    by_chinese: dict[str, str] = field(repr=False)
    #: English forms as written (space-separated words); tokenizers re-key them by lemma.
    by_english: dict[str, str] = field(repr=False)
    source: str = ""

    def __len__(self) -> int:
        return len(self.concepts)


def read_glossary(path: str | Path = RESOURCES_DIR / GLOSSARY_FILENAME) -> Glossary:
    """Parse and validate the glossary; a malformed entry is an error naming file and concept.

    Rules (checked here so an edit that breaks them fails loudly, not silently): the id is
    the first English form with ``_`` for spaces; English forms are lower-case words;
    Chinese forms are Han characters only; no form belongs to two concepts.
    """
    path = Path(path)
    rows = read_tsv(path.name, path.parent)
    concepts: dict[str, Concept] = {}
    by_chinese: dict[str, str] = {}
    by_english: dict[str, str] = {}
    for row in rows:
        concept_id = row.get("concept", "")
        english = tuple(f.strip() for f in row.get("en", "").split("|") if f.strip())
        chinese = tuple(f.strip() for f in row.get("zh", "").split("|") if f.strip())
        where = f"{path}: concept {concept_id!r}"
        if not english or concept_id != english[0].replace(" ", "_"):
            raise ResourceFileError(f"{where}: the id must be the first English form with '_' for spaces")
        if concept_id in concepts:
            raise ResourceFileError(f"{where}: defined twice")
        for form in english:
            if not _EN_FORM.fullmatch(form):
                raise ResourceFileError(f"{where}: English form {form!r} is not lower-case words")
            if by_english.setdefault(form, concept_id) != concept_id:
                raise ResourceFileError(f"{where}: English form {form!r} already belongs to {by_english[form]!r}")
        for form in chinese:
            if not _ZH_FORM.fullmatch(form):
                raise ResourceFileError(f"{where}: Chinese form {form!r} is not Han characters only")
            if by_chinese.setdefault(form, concept_id) != concept_id:
                raise ResourceFileError(f"{where}: Chinese form {form!r} already belongs to {by_chinese[form]!r}")
        concepts[concept_id] = Concept(concept_id, english, chinese, row.get("gloss", "").strip())
    return Glossary(concepts, by_chinese, by_english, source=str(path))


@cached_until_changed("glossary.tsv")
def default_glossary() -> Glossary:
    """The glossary shipped in ``resources/``, read again only when the file has changed."""
    return read_glossary()
