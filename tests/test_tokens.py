"""Tokens in both languages on the real seed articles, and the shared concept space."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import unicodedata
from collections import Counter

import pytest

from conftest import SEEDS_DIR
from polthemes.resources import read_list
from polthemes.text.concepts import GLOSSARY, ConceptMapper
from polthemes.text.glossary import default_glossary
from polthemes.text.coverage import coverage_report, top_terms
from polthemes.text.english import EnglishTokenizer, default_english_stopwords
from polthemes.text.chinese import WITHOUT_LATIN, ChineseTokenizer, default_chinese_stopwords, latin_words
from polthemes.text.pipeline import TokenPipeline


@pytest.fixture(scope="module")
def pipeline(seed_report) -> TokenPipeline:
    return TokenPipeline().fit(seed_report.articles)


@pytest.fixture(scope="module")
def tokenized(pipeline, seed_report):
    return pipeline.transform(seed_report.articles)


def term_of(pipeline: TokenPipeline, text: str, language: str, surface: str) -> str:
    """The concept term ``surface`` becomes when it occurs in ``text``."""
    found = [term for term, form, _, _ in pipeline.tokenize(text, language) if form == surface]
    assert found, f"{surface!r} not tokenized as one unit in {text!r}"
    return found[0]


@pytest.mark.parametrize(
    ("chinese_text", "chinese", "english_text", "english"),
    [
        ("坚持群众路线", "群众路线", "to guide party members to practise the mass line", "mass line"),
        ("召开党委会议", "党委", "the Party Committee of Baicheng Power Supply Section", "party committee"),
        ("利用新媒体传播正能量", "新媒体", "the new media of the company", "new media"),
        ("扎实开展主题教育", "主题教育", "the theme education was launched", "theme education"),
    ],
)
def test_both_languages_reach_the_same_concept(pipeline, chinese_text, chinese, english_text, english):
    chinese_term = term_of(pipeline, chinese_text, "zh", chinese)
    english_term = term_of(pipeline, english_text, "en", english)
    assert chinese_term == english_term
    assert chinese_term == english.replace(" ", "_")


def test_seed_surfaces_are_recorded_for_bilingual_labels(tokenized):
    # 党委 occurs in both Chinese seeds, "party committee" in all three English ones.
    assert tokenized.surfaces["party_committee"]["zh"]["党委"] > 0
    assert tokenized.surfaces["party_committee"]["en"]["party committee"] > 0
    assert tokenized.label("party_committee") == "党委 · party committee"


@pytest.mark.parametrize(
    "phrase", ["群众路线", "主题教育", "三会一课", "党支部", "党风廉政建设", "思想政治工作", "新媒体", "正能量", "四个意识", "两个维护"]
)
def test_set_phrases_stay_whole(phrase):
    tokenizer = ChineseTokenizer()
    assert phrase in tokenizer.words(f"各级党组织要把{phrase}作为重要抓手")


def test_chinese_drops_numerals_punctuation_stopwords_and_lone_characters():
    words = ChineseTokenizer().words("2021年7月，公司召开了第三次党员大会，共有一百二十名党员参加。的")
    assert "2021" not in words and "年" not in words and "第三次" not in words and "一百二十" not in words
    assert "，" not in words and "。" not in words and "的" not in words and "了" not in words
    assert "党员" in words and "党员大会" in words or "大会" in words


def test_chinese_keeps_names_whole_and_drops_magnitudes_with_units():
    """jieba split 泽连斯基 into 泽 + 连斯基 and 农业农村部 into 农业 + 农村部 until the
    glossary put them in its dictionary; 50亿美元 left the word 亿美元 (a count, not a concept)."""
    words = ChineseTokenizer().words("泽连斯基说，农业农村部数据显示出口50亿美元，装机1200万千瓦，新增3万例。")
    assert "泽连斯基" in words and "农业农村部" in words
    assert not {"连斯基", "农村部", "亿美元", "万千瓦", "万例"} & set(words)


def test_english_keeps_hyphenated_words_drops_numbers_and_lemmatises():
    tokenizer = EnglishTokenizer(default_glossary().by_english)
    terms = tokenizer.terms("In 2023, 1,200 party members studied the Party's self-revolution and its well-being.")
    assert "self-revolution" in terms and "well-being" in terms
    assert not any(re.search(r"\d", t) for t in terms)
    assert "party_member" in terms  # curated multiword, lemmatised from "party members"
    assert "study" in terms and "studied" not in terms
    assert "the" not in terms and "in" not in terms


def test_english_phrases_are_learned_where_they_are_applied(seed_report, pipeline):
    # gensim Phrases on the three English seeds: only content-word pairs, seen at least 3 times.
    monolingual = TokenPipeline("monolingual").fit(seed_report.articles)
    assert monolingual.english_phrases_, "no collocation learned from the seeds"
    for (first, second), joined in monolingual.english_phrases_.items():
        assert joined == f"{first}_{second}"
        assert first not in default_english_stopwords() and second not in default_english_stopwords()
    # The shared space does not apply collocations English alone gives, so it does not learn them ...
    assert pipeline.english_phrases_ == {}
    # ... unless asked to, and then it learns what monolingual mode learns.
    shared = TokenPipeline(phrases_in_shared_space=True).fit(seed_report.articles)
    assert shared.english_phrases_ == monolingual.english_phrases_


BOILERPLATE_WORDS = {
    "comment", "reply", "cookie", "login", "log", "password", "share", "print", "email", "copyright",
    "click", "website", "homepage", "navigation", "subscribe", "admin", "menu", "search", "related",
    "评论", "登录", "分享", "打印", "版权", "点击", "首页", "责任编辑", "编辑", "来源", "相关阅读", "推荐",
}


def test_top_terms_hold_no_stopword_number_punctuation_or_boilerplate(tokenized):
    stopwords = default_english_stopwords() | default_chinese_stopwords()
    valid = re.compile(r"[a-z\u4e00-\u9fff][a-z\u4e00-\u9fff_-]*")
    for article in tokenized.articles:
        top = top_terms(article, 50)
        assert len(top) == 50
        for term in top:
            assert valid.fullmatch(term), (article.id, term)
            assert term not in stopwords, (article.id, term)
            assert not set(term.split("_")) & BOILERPLATE_WORDS, (article.id, term)
            for form in tokenized.surfaces[term].get("en", {}):
                assert not set(form.split()) & BOILERPLATE_WORDS, (article.id, term, form)


def test_tokenizing_twice_gives_identical_output(seed_report, tokenized):
    again = TokenPipeline().fit_transform(seed_report.articles)
    assert again.articles == tokenized.articles
    assert again.surfaces == tokenized.surfaces


def test_monolingual_mode_keeps_languages_apart(seed_report):
    corpus = TokenPipeline("monolingual").fit_transform(seed_report.articles)
    chinese = {t for t, forms in corpus.surfaces.items() if "zh" in forms}
    english = {t for t, forms in corpus.surfaces.items() if "en" in forms}
    assert "党委" in chinese and "party_committee" in english and "新媒体" in chinese
    assert all(re.fullmatch(r"[\u4e00-\u9fff]+", t) for t in chinese)
    assert not any(re.search(r"[\u4e00-\u9fff]", t) for t in english)


def test_paragraph_tokens_run_parallel_to_article_paragraphs(seed_report, tokenized):
    for article, tokens in zip(seed_report.articles, tokenized.articles):
        assert tokens.id == article.id
        assert len(tokens.paragraphs) == len(article.paragraphs)


def test_the_concept_mapper_is_there_once_fitted_and_only_in_the_shared_space(seed_report):
    with pytest.raises(RuntimeError, match="not fitted"):
        TokenPipeline().concept_mapper
    assert TokenPipeline("monolingual").fit(seed_report.articles).concept_mapper is None
    mapper = TokenPipeline().fit(seed_report.articles).concept_mapper
    # What a measure of the space reads: the senses a Chinese word chose among.
    assert {"influence", "effect"} <= set(mapper.gloss_candidates("影响"))


def test_cedict_gloss_skips_names_classifiers_and_follows_abbreviations(pipeline):
    mapper: ConceptMapper = pipeline.concept_mapper
    assert mapper.gloss_candidates("党")[0] == "party"  # not "surname Dang"
    assert "cl" not in mapper.gloss_candidates("工作")
    assert mapper.gloss_candidates("中共")[0] == "chinese_communist_party"
    unknown = "桃选厂"  # a plant's name in seed 002: no dictionary entry, stays Chinese ...
    assert unknown not in mapper.cedict
    if unknown in mapper.glossary.by_chinese:  # ... unless a researcher gave it a glossary entry
        assert mapper.map_chinese(unknown) == ((mapper.glossary.by_chinese[unknown], GLOSSARY),)
    else:
        assert mapper.map_chinese(unknown) == ((unknown, "unmapped"),)
    # A compound CEDICT lacks is glossed by its dictionary words: 紧紧 + 围绕 ...
    assert [origin for _, origin in mapper.map_chinese("紧紧围绕")] == ["cedict", "cedict"]
    # ... and a part the glossary knows takes the glossary's concept: 交流 + 平台.
    assert mapper.map_chinese("交流平台") == (("communication", GLOSSARY), ("platform", "cedict"))


def test_cedict_gloss_reads_markers_registers_and_cross_references(pipeline):
    """CC-CEDICT marks a literal reading "lit.", a figurative one "fig.", and senses of other
    places and registers; the markers are never glossed, and such senses come after the
    plain ones without being lost."""
    mapper: ConceptMapper = pipeline.concept_mapper
    # 陶冶: "lit. to fire pots and smelt metal" / "fig. to educate" -> educate, not "fig_educ".
    assert mapper.gloss_candidates("陶冶") == ["educate"]
    for idiom in ("开门见山", "心惊肉跳", "手无寸铁"):  # "lit. ...; fig. ..." inside one sense
        assert not any(term.startswith(("fig", "lit", "light")) for term in mapper.gloss_candidates(idiom)), idiom
    # A literal reading comes after the meaning (手无寸铁 "lit. not an inch of steel (idiom);
    # unarmed and defenseless"), and "lit." governs every comma piece of its segment
    # (心惊肉跳 "lit. heart alarmed, body leaping"), keeping their order.
    # (The literal "not an inch of steel" is negated, so it translates to nothing: "".)
    assert mapper.gloss_candidates("手无寸铁") == ["unarm_defenseless", ""]
    assert mapper.gloss_candidates("心惊肉跳") == ["heart_alarm", "body_leap"]
    # A figurative sense follows the plain ones: 主流 is "mainstream" before "essential".
    senses = mapper.gloss_candidates("主流")
    assert senses.index("mainstream") < senses.index("essential")
    # 绿化's Internet-slang "Islamization" comes last; 洋芋's only sense is dialect and stays.
    assert mapper.gloss_candidates("绿化")[-1] == "islamization"
    assert mapper.gloss_candidates("洋芋") == ["potato"]
    # "A or B" is one gloss: 成败 "success or failure" is neither one nor the other.
    assert mapper.gloss_candidates("成败") == ["success_failure"]
    assert "industrial" not in mapper.gloss_candidates("基地")  # "industrial or military base"
    # A word CC-CEDICT only cross-references takes its target's senses: 擘画 is "variant of
    # 擘划" ("to plan; to arrange"), 端午 "see 端午节".
    assert mapper.gloss_candidates("擘画") == mapper.gloss_candidates("擘划")
    assert mapper.gloss_candidates("擘画")[0] == "plan"
    assert mapper.gloss_candidates("端午") == mapper.gloss_candidates("端午节")


def test_shared_stems_do_not_make_false_friends(pipeline):
    """CC-CEDICT's "train" (火车) shares a lemma with "training", "import" (输入) a stem with
    "importance": the glossary keeps each apart, and 部门 reaches "department", not the
    "section" that English seed 000 uses for a railway 段."""
    mapper = pipeline.concept_mapper
    assert mapper.map_chinese("火车")[0][0] != mapper.map_english("training")[0]
    assert mapper.map_chinese("输入")[0][0] != mapper.map_english("importance")[0]
    assert mapper.map_chinese("部门")[0][0] == mapper.map_english("department")[0]
    # 坚定 "firm" is steadfast, not a firm (a company).
    assert mapper.map_chinese("坚定")[0][0] not in (mapper.map_chinese("企业")[0][0], mapper.map_english("firm")[0])
    # Snowball splits guide/guidance and cover/coverage; the glossary joins 指导 with both
    # English words and 覆盖 with "coverage", but not with "cover" (as in cover up: 掩盖).
    assert mapper.map_english("guidance")[0] == mapper.map_english("guide")[0] == mapper.map_chinese("指导")[0][0]
    assert mapper.map_english("coverage")[0] == mapper.map_chinese("覆盖")[0][0]
    assert mapper.map_chinese("覆盖")[0][0] not in (mapper.map_english("cover")[0], mapper.map_chinese("掩盖")[0][0])
    # A moment is not WeChat Moments, and a shift in policy is not a work shift.
    assert mapper.map_english("moment")[0] != mapper.map_chinese("朋友圈")[0][0]
    assert mapper.map_english("shift")[0] != mapper.map_chinese("倒班")[0][0]


def test_glossary_wins_over_the_dictionary(pipeline):
    assert pipeline.concept_mapper.map_chinese("干部") == (("cadre", GLOSSARY),)


def test_seed_chinese_token_mass_lands_in_the_shared_space(tokenized):
    report = coverage_report(tokenized)
    chinese = report.languages["zh"]
    assert chinese.mapped_share >= 0.90
    assert chinese.glossary + chinese.dictionary + chinese.unmapped == chinese.tokens
    assert report.languages["en"].mapped_share == 1.0
    # The commonest word left unmapped is a plant's name, 桃选厂 (rightly left alone) ...
    glossary = default_glossary().by_chinese
    assert not set(dict(report.top_unmapped)) & set(glossary)  # no glossary word is left unmapped
    if "桃选厂" in glossary:  # ... unless a researcher gave it a glossary entry: then it is mapped
        assert "桃选厂" not in dict(report.top_unmapped)
        assert tokenized.surfaces[glossary["桃选厂"]]["zh"]["桃选厂"] > 0  # kept whole by jieba, and counted
    else:
        assert report.top_unmapped[0] == ("桃选厂", 18)


def test_every_seed_article_shares_top_terms_with_the_other_language(tokenized):
    # The target: every article shares at least a quarter of its top 100 terms with
    # some article of the other language (measured 26-27%, README).
    report = coverage_report(tokenized)
    assert Counter(o.language for o in report.overlaps) == {"en": 3, "zh": 2}
    for overlap in report.overlaps:
        assert overlap.share >= 0.25, overlap


def test_monolingual_space_shares_nothing_across_languages(seed_report):
    report = coverage_report(TokenPipeline("monolingual").fit_transform(seed_report.articles))
    assert all(o.shared_terms == 0 for o in report.overlaps)


def test_a_dictionary_term_is_labelled_by_its_commonest_chinese_word():
    """发扬 ("develop") and 发展 ("development") share the stem ``develop``; the label shows
    the gloss of the word the corpus uses most, not of whichever word was mapped first."""
    from polthemes.text.pipeline import TokenizedCorpus, TokenPipeline

    pipeline = TokenPipeline("crosslingual").fit_english([])
    assert pipeline.concept_mapper.map_chinese("发扬") == pipeline.concept_mapper.map_chinese("发展")  # mapped first
    corpus = TokenizedCorpus(articles=[], mode="crosslingual")
    pipeline.describe(corpus, {("develop", "发扬", "zh", "cedict"): 1, ("develop", "发展", "zh", "cedict"): 5})
    assert corpus.label("develop") == "发展 · development"
    # Equal counts: the label does not depend on which word was counted first.
    for counts in ({("develop", "发扬", "zh", "cedict"): 3, ("develop", "发展", "zh", "cedict"): 3},
                   {("develop", "发展", "zh", "cedict"): 3, ("develop", "发扬", "zh", "cedict"): 3}):
        pipeline.describe(corpus, counts)
        assert corpus.label("develop") == "发展 · development"
    # 实干 is hard work, not the "industry" its CC-CEDICT gloss ("industriously") stems to.
    assert pipeline.concept_mapper.map_chinese("实干")[0][0] != pipeline.concept_mapper.map_chinese("产业")[0][0]


def test_a_traditional_paragraph_maps_like_its_simplified_form(pipeline):
    # Written for this test: the same sentence in traditional and in simplified characters.
    traditional = "香港特區政府堅持群眾路線，加強黨的建設和基層黨組織建設。"
    simplified = "香港特区政府坚持群众路线，加强党的建设和基层党组织建设。"
    terms = lambda text: [term for term, *_ in pipeline.tokenize(text, "zh")]  # noqa: E731
    assert terms(traditional) == terms(simplified)
    assert "mass_line" in terms(traditional)


def test_the_pipeline_loads_nothing_until_fit_and_refuses_to_tokenize_before(monkeypatch):
    """Estimator conventions: parameters in ``__init__``, the work (CC-CEDICT, jieba's
    dictionary) in ``fit``; an unfitted pipeline says so instead of failing inside a library."""
    import polthemes.text.pipeline as pipeline_module
    from polthemes.text.pipeline import TokenPipeline

    def no_loading():
        raise AssertionError("CC-CEDICT loaded before fit")

    with monkeypatch.context() as patch:
        patch.setattr(pipeline_module, "load_cedict", no_loading)
        pipeline = TokenPipeline("crosslingual", phrases_min_count=4)
    assert pipeline.phrases_min_count == 4 and not hasattr(pipeline, "_mapper")
    with pytest.raises(RuntimeError, match="not fitted yet"):
        pipeline.tokenize("党建工作", "zh")
    assert [t[0] for t in pipeline.fit_english(["party building"]).tokenize("党建", "zh")]



def test_the_general_english_list_is_read_from_its_data_file():
    """The general list ships as a data file (scikit-learn's, copied), so whatever it says
    now, less what ``stopwords_en_keep.txt`` takes back, is dropped."""
    general = set(read_list("stopwords_en_general.txt"))
    kept = set(read_list("stopwords_en_keep.txt"))
    assert general, "stopwords_en_general.txt is empty"
    assert general - kept <= default_english_stopwords()


def test_a_run_imports_neither_scikit_learn_gensim_nor_scipy_stats(tmp_path):
    """Every process pays its imports: scikit-learn (2 s with the scipy.stats it imports),
    gensim (1.8 s, for English collocations the shared space does not apply) and scipy.stats
    stay unimported by a whole fit of both languages, tables and all, until a cross-check
    backend or a monolingual English vocabulary needs one of them."""
    script = (
        "import sys\n"
        "from polthemes.cli import main\n"
        f"assert main(['fit', {str(SEEDS_DIR)!r}, '--out', {str(tmp_path / 'out')!r}, '--k', '3', '--chains', '1',\n"
        "             '--bootstrap', '0', '--cross-check', 'none', '--workers', '1', '--quiet']) == 0\n"
        "print(sorted(name for name in ('sklearn', 'gensim', 'scipy.stats') if name in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          env={**os.environ, "POLTHEMES_CACHE_DIR": str(tmp_path / "cache")})
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"
    assert (tmp_path / "out" / "distinctive_terms.csv").exists()


def test_text_the_latin_word_shortcut_skips_has_no_latin_letter_even_after_nfkc():
    """``latin_words`` skips normalising a paragraph that ``WITHOUT_LATIN`` matches whole:
    that is only right if no character it admits is, or becomes under NFKC, a Latin letter."""
    admitted = [chr(c) for c in range(0x30000) if WITHOUT_LATIN.fullmatch(chr(c))]
    assert len(admitted) > 20_000  # the CJK ideographs and punctuation, at least
    assert not [c for c in admitted if re.search("[A-Za-z]", unicodedata.normalize("NFKC", c))]
    assert latin_words("全部中文·没有字母。“引号”（括号）１２３") == []
    assert latin_words("使用ＡＰＰ和ﬁnance，第Ⅻ届") == ["APP", "finance", "XII"]
