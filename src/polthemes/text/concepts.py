"""The shared concept space: where a Chinese word and an English word become one term.

A concept term is keyed in English (``mass_line``, ``cadre``, ``strengthen``), because
every Chinese word can be given an English gloss but not the other way round. In order:

1. a glossary concept, for either language (群众路线 and "mass line" -> ``mass_line``);
2. for Chinese, CC-CEDICT's gloss, normalised the way English text is (lemmatised,
   stopwords dropped, parentheticals, classifiers and "surname ..." senses skipped);
   among the first three senses, the one the corpus's English articles use most, else the
   first one-word sense (else the first).
   Chinese does not mark part of speech (发展 is "develop" and "development"), so a sense
   also matches an English term of the same Snowball stem;
3. a Chinese compound CEDICT lacks (交流平台, 紧紧围绕) is split into the fewest words of two
   or more characters that CEDICT has (交流 + 平台), each glossed as in 2;
4. otherwise the word itself: an English lemma stays itself; a Chinese word CEDICT does not
   know and cannot split (names such as 桃选厂) stays Chinese and is counted as *unmapped*
   in the coverage report.

Terms from 2 and 4 are Snowball stems (``develop`` for develop/development/developing;
``organ`` for organize/organization), for the same reason: one term per word family in
both languages. Glossary concept ids are kept as written. Stems are ids, not labels:
:meth:`polthemes.text.pipeline.TokenizedCorpus.label` shows the surface forms (发展 · development).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from functools import lru_cache

import Stemmer

from polthemes.corpus.language import HAN_CHARACTERS
from polthemes.text.cedict import Cedict, CedictEntry
from polthemes.text.glossary import Glossary
from polthemes.text.english import PHRASE_JOINER, EnglishTokenizer, without_accents

#: Where a term came from; the coverage report counts token mass by origin.
GLOSSARY, DICTIONARY, ENGLISH, UNMAPPED = "glossary", "cedict", "english", "unmapped"
#: A Chinese word whose chosen gloss is only English stopwords ("进行" -> "to carry out" is
#: not; "其" -> "his" is) is filler in both languages and is dropped.
STOPWORD = "stopword"

#: Senses that are not translations: cross-references, classifiers, variants, names.
_NOT_A_GLOSS = re.compile(
    r"^(CL:|surname |(old |archaic |erhua )?variant of |see |used in |also (written|pr\.|called)|"
    r"Taiwan pr\.|pr\. |[A-Z][a-z]+ pr\.|(also )?abbr\. to )",
)
_ABBREVIATION = re.compile(r"^abbr\. for (?:\S+\|)?(?P<target>[^\[\s,]+)(?:\[[^\]]*\])?(?:,\s*(?P<english>.+))?$")
#: "variant of 擘劃|擘划[bo4 hua4]", "see 端午節|端午节[...]": the word means what the target means.
_CROSS_REFERENCE = re.compile(r"^(?:(?:old |archaic |erhua )?variant of|see(?: also)?) (?:[^\s|\[]+\|)?(?P<target>[^\s|\[,;]+)")
#: A sense that translates by negating: "not", "no", "never", "without", "-n't".
_NEGATED = re.compile(r"\b(?:not|no|never|without|cannot)\b|n't\b")
_PARENTHETICAL = re.compile(r"\([^)]*\)|\[[^\]]*\]|\"|'s\b")
_PLACEHOLDER = re.compile(r"\b(sth|sb|etc|one's|oneself|someone|something)\b\.?")
#: The leading capitalised words of a proper noun's sense: "Zhejiang", "Li Qiang".
_LEADING_NAME = re.compile(r"^\s*[A-Z][a-z]+(?:[ -][A-Z][a-z]+){0,2}\b")
#: A person's sense gives the life span: "Donald Trump (1946-), ...", "Confucius (551-479 BC)".
_LIFESPAN = re.compile(r"\((?:c\. ?)?\d{2,4}\s*(?:BC)?\s*-")
#: A piece of a sense that reads the characters literally ("lit. to open the door and see
#: the mountain", 开门见山) or figuratively ("fig. to educate", 陶冶). The marker is never part
#: of the gloss; the figurative reading is what the word means in running text, but it comes
#: after the plain senses, so English evidence does not pick it over them (主流 stays
#: "mainstream", not "essential"); a literal reading comes last of all.
_MARKER = re.compile(r"^\s*\(?(?P<marker>lit\. and fig\.|lit\.|fig\.)\)?\s*")
#: Senses of another place, register or age: after every mainland sense, but kept, since
#: for some words they are the only one (洋芋 "(dialect) potato"). 绿化 is "to make green",
#: before its Internet-slang "Islamization".
_OTHER_REGISTER = re.compile(r"^(?:\([^)]*\)\s*)*\((?:Tw|slang|Internet slang|vulgar|dialect|Cantonese|old|archaic)\)")
#: Sense tiers, in the order candidates are offered.
_PLAIN, _FIGURATIVE, _LAST = 0, 1, 2
#: How many leading senses compete on the English side's term frequencies.
MAX_SENSES_BY_EVIDENCE = 3
#: A gloss longer than this (in content words) is a description, not a translation.
MAX_GLOSS_WORDS = 3


class ConceptMapper:
    """Maps tokens of either language to concept terms; remembers each Chinese word's choice."""

    def __init__(
        self,
        glossary: Glossary,
        english: EnglishTokenizer,
        cedict: Cedict,
        english_frequencies: Mapping[str, int] | None = None,
        *,
        chinese_content: Callable[[str], bool] | None = None,
        chinese_function_word: Callable[[str], bool] | None = None,
    ) -> None:
        self.glossary = glossary
        self.english = english
        self.cedict = cedict
        #: Whether a Chinese word is worth a term (stopwords, counts are not): the parts of a
        #: split compound pass the same test as whole words (充分肯定 -> 肯定, not "ample").
        self.chinese_content = chinese_content or (lambda word: True)
        #: Whether a Chinese word belongs to a function-word class (see
        #: :func:`polthemes.text.chinese.is_function_word`).
        self.chinese_function_word = chinese_function_word or (lambda word: False)
        self._chinese_cache: dict[str, tuple[tuple[str, str], ...]] = {}
        #: Gloss piece -> its normalised English term: CC-CEDICT repeats the same pieces
        #: ("to develop", "to strengthen") across words; the archive's 106,000 words
        #: normalise 93,000 pieces, 40,500 of them distinct.
        self._gloss_terms: dict[str, str | None] = {}
        #: (headword, term) pairs whose term is a proper noun's name (see :meth:`_as_concept`).
        self._name_glosses: set[tuple[str, str]] = set()
        #: Chinese word -> the English gloss chosen for it: a term's label shows the gloss of
        #: its commonest Chinese word (产业 "industry"), not of whichever word of the same
        #: stem was mapped first (实干 "industriously").
        self.word_glosses: dict[str, str] = {}
        #: Term frequencies of the corpus's English side: they pick among a word's senses.
        self.set_english_frequencies(english_frequencies or {})
        # English glossary forms keyed the way the English tokenizer writes terms.
        self._english_concepts = {}
        for form, concept_id in sorted(glossary.by_english.items()):
            key = PHRASE_JOINER.join(english.lemma(word) for word in form.split())
            self._english_concepts.setdefault(key, concept_id)
            self._english_concepts.setdefault(form.replace(" ", PHRASE_JOINER), concept_id)

        #: The stems of the expressions the English tokenizer joins (glossary and curated
        #: multiwords): a multiword gloss stays one term only when it is one of them.
        self._joined_english = frozenset(stem_key(term) for term in english.multiwords.values())

    def english_multiwords(self) -> list[str]:
        """The glossary's multiword English forms, for the English tokenizer to join."""
        return sorted(form for form in self.glossary.by_english if " " in form)

    def map_english(self, term: str) -> tuple[str, str]:
        """``(concept term, origin)`` for an English term (lemma or joined expression)."""
        concept = self._english_concepts.get(term)
        return (concept, GLOSSARY) if concept else (stem_key(term), ENGLISH)

    def set_english_frequencies(self, frequencies: Mapping[str, int]) -> None:
        """Use a corpus's English term counts to choose senses from now on."""
        self.english_frequencies = dict(frequencies)
        # Stem -> the corpus's commonest English term with that stem (ties: alphabetical),
        # so CEDICT's "to train" lands on the articles' "training".
        self._by_stem: dict[str, tuple[str, int]] = {}
        for term, count in sorted(self.english_frequencies.items()):
            key = stem_key(term)
            if count > self._by_stem.get(key, ("", 0))[1]:
                self._by_stem[key] = (term, count)
        self._chinese_cache.clear()
        self._gloss_terms.clear()
        # Choices made under the old frequencies are void: labels must not show them.
        self.word_glosses.clear()

    def _english_form_of(self, candidate: str) -> tuple[str, int]:
        """The corpus's English term for a gloss: itself if used, else a same-stem term.

        A gloss of several words that English does not join ("nucleic_acid") becomes its
        words (see :meth:`_as_english_words`), so its evidence is that of its rarest word.
        """
        if PHRASE_JOINER in candidate and stem_key(candidate) not in self._joined_english:
            return candidate, min(self._english_form_of(part)[1] for part in candidate.split(PHRASE_JOINER))
        count = self.english_frequencies.get(candidate, 0)
        if count:
            return candidate, count
        return self._by_stem.get(stem_key(candidate), (candidate, 0))

    def map_chinese(self, word: str) -> tuple[tuple[str, str], ...]:
        """``(concept term, origin)`` pairs for a Chinese word: one, or one per part of a
        split compound; origin ``stopword`` means drop that part."""
        cached = self._chinese_cache.get(word)
        if cached is None:
            cached = self._chinese_cache[word] = self._map_chinese(word)
        return cached

    def _map_chinese(self, word: str) -> tuple[tuple[str, str], ...]:
        whole = self._map_word(word)
        if whole is not None:
            return self._as_english_words(whole)
        parts = self.split_compound(word)
        if parts:
            mapped = [self._map_word(part) if self.chinese_content(part) else ("", STOPWORD) for part in parts]
            if all(m is not None for m in mapped):
                return tuple(token for m in mapped for token in self._as_english_words(m))
        return ((word, UNMAPPED),)

    def _as_english_words(self, mapped: tuple[str, str]) -> tuple[tuple[str, str], ...]:
        """A CC-CEDICT gloss of several words (香港 "Hong Kong", 核酸 "nucleic acid", 人数
        "number of people") as English text gives it: one term per word, unless the English
        tokenizer joins those words into one expression too (a curated multiword).

        In the shared space English is not joined by learned collocations, so a joined
        ``hong_kong`` would be a term only the Chinese side ever uses: the translation's
        "Hong Kong" is ``hong`` + ``kong``, and both sides now count the name alike.
        """
        term, origin = mapped
        if origin != DICTIONARY or PHRASE_JOINER not in term or term in self._joined_english:
            return (mapped,)
        # A stopword inside a joined expression ("feel_the_masses") is not a word English keeps.
        words = tuple((part, origin) for part in term.split(PHRASE_JOINER) if part and part not in self.english.stopwords)
        return words or (("", STOPWORD),)

    def split_compound(self, word: str) -> list[str]:
        """The fewest dictionary words of 2+ characters that make up ``word`` exactly, or []."""
        best: list[list[str] | None] = [[]] + [None] * len(word)
        for end in range(2, len(word) + 1):
            for start in range(0, end - 1):
                part = word[start:end]
                if best[start] is not None and (part in self.cedict or part in self.glossary.by_chinese):
                    candidate = best[start] + [part]
                    if best[end] is None or len(candidate) < len(best[end]):
                        best[end] = candidate
        found = best[len(word)]
        return found if found and len(found) > 1 else []

    def _map_word(self, word: str) -> tuple[str, str] | None:
        concept = self.glossary.by_chinese.get(word)
        if concept:
            return concept, GLOSSARY
        candidates = self.gloss_candidates(word)
        if not candidates:
            return None
        if self.chinese_function_word(word) and "" in candidates[:MAX_SENSES_BY_EVIDENCE]:
            # A function word (jieba tags it an adverb, pronoun, preposition ...) with a
            # leading translation of only English stopwords (必须 "to have to", 非常 "very",
            # 一直 "always"): English text drops that translation, so the word
            # is filler here too. A later sense chosen on English evidence would make it a
            # content term the translation never has (非常 -> "unusual", 正在 -> "right").
            return "", STOPWORD
        # Only the leading senses may be chosen on English evidence: a late, rare sense that
        # happens to be a frequent English word (发挥 ... "to develop (an idea)") must not win.
        in_corpus = [self._english_form_of(c) for c in candidates[:MAX_SENSES_BY_EVIDENCE] if c]
        in_corpus = [(term, n) for term, n in in_corpus if n > 0]
        if in_corpus:
            # max() keeps the first of equals: dictionary order breaks ties.
            return self._as_concept(max(in_corpus, key=lambda pair: pair[1])[0], word)
        # No English evidence: the first sense, but a one-word translation before a
        # description ("innovation", not "bring forth new ideas", for 创新).
        if not candidates[0]:
            return "", STOPWORD
        # An expression English joins too (a curated name: "united_states") is one term.
        single = [c for c in candidates if c and (PHRASE_JOINER not in c or stem_key(c) in self._joined_english)]
        return self._as_concept(single[0] if single else candidates[0], word)

    def _as_concept(self, term: str, word: str) -> tuple[str, str]:
        # A name reaches a glossary concept by its Chinese form only, never by sharing an
        # English word with one: 元朝 "Yuan dynasty" is not the currency "yuan" (renminbi).
        concept = None if (word, term) in self._name_glosses else self._english_concepts.get(term)
        if concept:
            return concept, GLOSSARY
        stem = stem_key(term)
        # The readable gloss this word chose, for labels (发展 -> "development", not the stem).
        self.word_glosses[word] = term.replace(PHRASE_JOINER, " ")
        return stem, DICTIONARY

    def gloss_of(self, word: str, term: str) -> str | None:
        """The English gloss CC-CEDICT gave ``word`` (or the part of a split compound) that
        became ``term``; None when the word reaches ``term`` otherwise (glossary, unmapped)."""
        for part in (word, *self.split_compound(word)):
            if any(mapped == term for mapped, _ in self.map_chinese(part)) and part in self.word_glosses:
                return self.word_glosses[part]
        return None

    def gloss_candidates(self, word: str, *, _depth: int = 0) -> list[str]:
        """Normalised English terms for each translating sense of ``word``, in dictionary order.

        ``""`` stands for a sense made only of stopwords. Abbreviations ("abbr. for 中国共产党")
        follow to the full form once, and so does a word with no sense but a cross-reference.
        """
        candidates = []
        for entry in self.cedict.entries(word):
            candidates.extend(self._entry_candidates(entry, _depth))
        if not candidates and _depth == 0:
            # A word CC-CEDICT only cross-references (擘画 "variant of 擘划", 端午 "see
            # 端午节") takes its target's senses; followed once, never in a chain.
            for sense in self.cedict.senses(word):
                if reference := _CROSS_REFERENCE.match(sense):
                    candidates = self.gloss_candidates(reference["target"], _depth=1)
                    if candidates:
                        break
        return candidates

    def _entry_candidates(self, entry: CedictEntry, _depth: int) -> list[str]:
        tiered: list[tuple[int, str]] = []
        entry_is_name = entry.is_proper_noun
        for sense in entry.senses:
            sense_tier = _LAST if _OTHER_REGISTER.match(sense) else _PLAIN
            abbreviation = _ABBREVIATION.match(sense)
            if abbreviation:
                if abbreviation["english"]:
                    sense = abbreviation["english"]
                elif _depth == 0:
                    tiered.extend((sense_tier, c) for c in self.gloss_candidates(abbreviation["target"], _depth=_depth + 1)[:1])
                    continue
                else:
                    continue
            if _NOT_A_GLOSS.match(sense):
                continue
            if entry_is_name and (name := _LEADING_NAME.match(_PARENTHETICAL.sub(" ", without_accents(sense)))):
                # A name's sense describes it ("Zhejiang province in east China, abbr. 浙");
                # the name itself is the translation, as English text refers to it.
                spoken = spoken_name(name[0].split(), entry.pinyin, is_person=bool(_LIFESPAN.search(sense)))
                term = PHRASE_JOINER.join(word.lower() for word in spoken)
                self._name_glosses.add((entry.simplified, term))
                tiered.append((sense_tier, term))
                continue
            # Parentheticals go first: their commas ("scene (of a crime, accident etc)") are
            # not sense boundaries. A leading "(fig.)" is read before it goes.
            # A marker governs its whole ";" segment: "lit. heart alarmed, body leaping".
            text = _PARENTHETICAL.sub(" ", _MARKER.sub(lambda m: f"{m['marker']} ", sense, count=1))
            for segment in text.split(";"):
                tier = sense_tier
                if marker := _MARKER.match(segment):
                    tier = max(tier, _LAST if marker["marker"] == "lit." else _FIGURATIVE)
                    segment = segment[marker.end():]
                for piece in segment.split(","):
                    if _NEGATED.search(piece):
                        # "doesn't exist", "to not have" (没有): English drops the negation as
                        # a stopword and keeps the opposite ("exist"); a negated piece translates
                        # to nothing the shared space keeps, like a piece of stopwords.
                        tiered.append((tier, ""))
                        continue
                    term = self._normalise_gloss(piece)
                    if term is not None:
                        tiered.append((tier, term))
        return [term for _, term in sorted(tiered, key=lambda pair: pair[0])]  # stable within a tier

    def _normalise_gloss(self, piece: str) -> str | None:
        if piece not in self._gloss_terms:
            self._gloss_terms[piece] = self._gloss_term(piece)
        return self._gloss_terms[piece]

    def _gloss_term(self, piece: str) -> str | None:
        text = _PLACEHOLDER.sub(" ", piece).strip()
        if not text or re.search(f"[{HAN_CHARACTERS}\\d]", text):
            return None  # empty once cleaned, or a gloss that quotes Chinese or numbers
        terms = self.english.terms(text)
        if len(terms) > MAX_GLOSS_WORDS:
            return None
        return PHRASE_JOINER.join(terms)



def spoken_name(words: list[str], pinyin: str, *, is_person: bool = False) -> list[str]:
    """The words of a CC-CEDICT name that English text uses for it.

    A name that transliterates the headword is the words that spell its pinyin (宁夏
    "Ningxia Hui Autonomous Region" is "Ningxia": 宁夏 does not say "autonomous region";
    习近平 "Xi Jinping" stays whole). A sense with a life span is a person, or an era: its
    leading words that spell the first syllables are the name (汉朝 "Han Dynasty (206
    BC-220 AD)" is "Han"), and a foreign person's name, which spells none of them, is its
    last word, the family name a news report uses (特朗普 "Donald Trump" -> "Trump"). Any
    other name stays as CC-CEDICT gives it (香港 "Hong Kong").
    """
    syllables = [re.sub(r"[\d:·-]", "", syllable).lower() for syllable in pinyin.split()]
    spelled = "".join(syllables)
    prefixes = {"".join(syllables[:m]) for m in range(1, len(syllables) + 1)} if is_person else {spelled}
    for n in range(len(words), 0, -1):
        if "".join(words[:n]).lower().replace("-", "") in prefixes:
            return words[:n]
    return words[-1:] if is_person and len(words) > 1 else words


@lru_cache(maxsize=200_000)
def stem_key(term: str) -> str:
    """Snowball stems of a term's words, joined: develop/development -> develop."""
    return PHRASE_JOINER.join(_stemmer().stemWords(term.split(PHRASE_JOINER)))


@lru_cache(maxsize=1)
def _stemmer():
    return Stemmer.Stemmer("english")
