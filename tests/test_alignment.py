"""Alignment of a parallel collection: does each document find its own translation?

The fixture ``tests/fixtures/parallel_small.jsonl`` is ten short news items on ten subjects
(party building, the economy, weather, football, the harvest, vaccination, teachers, a
river, a railway, a satellite), each written for this project in Chinese and translated
into English by its author, so the project may ship it. Two of them share vocabulary on
purpose (a cold wave, a weather satellite). Chance top-1 on ten pairs is 0.1.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from polthemes import read_corpus
from polthemes.evaluation.alignment import (
    AlignmentError,
    cosine_distances,
    document_pairs,
    hellinger_distances,
    measure_alignment,
    pair_token_shares,
    partner_ranks,
    retrieval_scores,
    theme_space_distances,
)
from polthemes.cli import main
from polthemes.text.naive_mapping import naive_cedict_tokens
from polthemes.corpus.records import Article
from polthemes.text.pipeline import TokenizedArticle, TokenizedCorpus

FIXTURE = Path(__file__).parent / "fixtures" / "parallel_small.jsonl"
SUBJECTS = ("party", "economy", "weather", "football", "harvest", "vaccination", "teachers", "river", "railway", "satellite")


@pytest.fixture(scope="module")
def parallel() -> list[Article]:
    return read_corpus(FIXTURE).articles


@pytest.fixture(scope="module")
def report(parallel):
    """The whole measurement on the fixture, themes at one fixed K (one fit, a few seconds)."""
    return measure_alignment(parallel, k_values=(10,))


def _rows(table: pd.DataFrame, **where) -> pd.DataFrame:
    mask = np.ones(len(table), dtype=bool)
    for column, value in where.items():
        mask &= table[column].to_numpy() == value
    return table[mask]


# --- Reading pairs ---------------------------------------------------------------------------


def test_the_reader_keeps_the_pair_of_each_record(parallel):
    assert len(parallel) == 20
    assert [(a.id, a.pair, a.language) for a in parallel[:2]] == [("party__zh", "party", "zh"), ("party__en", "party", "en")]
    pairs = document_pairs(parallel)
    assert pairs.pairs == SUBJECTS
    assert pairs.zh == tuple(f"{s}__zh" for s in SUBJECTS) and pairs.en == tuple(f"{s}__en" for s in SUBJECTS)


def test_metadata_csv_can_pair_the_articles_of_a_folder(parallel, corpus_dir):
    by_id = {a.id: a for a in parallel}
    for name in ("river__zh", "river__en", "railway__zh", "railway__en"):
        (corpus_dir / f"{name.replace('__', '-')}.txt").write_text(by_id[name].text + "\n", encoding="utf-8")
    (corpus_dir / "metadata.csv").write_text(
        "id,pair\nriver-zh,r\nriver-en,r\nrailway-zh,t\nrailway-en,t\n", encoding="utf-8"
    )
    pairs = document_pairs(read_corpus(corpus_dir).articles)
    assert sorted(zip(pairs.pairs, pairs.zh, pairs.en)) == [("r", "river-zh", "river-en"), ("t", "railway-zh", "railway-en")]


def _article(article_id: str, language: str, pair: str) -> Article:
    return Article(id=article_id, language=language, paragraphs=("x",), paragraph_languages=(language,), pair=pair)


@pytest.mark.parametrize(
    "articles, message",
    [
        ([_article("a", "zh", ""), _article("b", "en", "")],
         "no article has a pair: alignment needs records with a 'pair' field, one zh and one en article per pair"),
        ([_article("a", "zh", "p"), _article("b", "en", "p"), _article("c", "en", "")],
         "1 of 3 articles have no pair (first: 'c'); alignment needs every article in a pair"),
        ([_article("a", "zh", "p"), _article("b", "en", "p"), _article("c", "zh", "q")],
         "pair 'q' has only a zh article ('c'), no en one; a pair is one zh and one en article"),
        ([_article("a", "zh", "p"), _article("b", "en", "p"), _article("c", "en", "p")],
         "pair 'p' has 2 en articles ('b', 'c'); a pair is one zh and one en article"),
        ([_article("a", "zh", "p"), _article("b", "fr", "p")],
         "article 'b' of pair 'p' is in 'fr'; a pair is one zh and one en article"),
        ([_article("a", "zh", "p"), _article("b", "en", "p")],
         "only 1 pair: finding a partner needs 2 pairs or more"),
    ],
)
def test_what_is_not_a_collection_of_pairs_is_refused_in_words(articles, message):
    with pytest.raises(AlignmentError) as error:
        document_pairs(articles)
    assert str(error.value) == message


def _write_records(path: Path, keep) -> Path:
    lines = [line for line in FIXTURE.read_text(encoding="utf-8").splitlines() if keep(json.loads(line))]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_the_command_refuses_a_pair_missing_a_language_in_one_line(tmp_path, capsys):
    corpus = _write_records(tmp_path / "broken.jsonl", lambda record: record["id"] != "economy__en")
    assert main(["alignment", str(corpus), "--k", "none", "--quiet"]) == 2
    _, err = capsys.readouterr()
    assert err.splitlines()[-1] == (
        f"polthemes: error: {corpus}: pair 'economy' has only a zh article ('economy__zh'), no en one; "
        "a pair is one zh and one en article"
    )
    assert sum("error" in line for line in err.splitlines()) == 1


def test_the_command_refuses_a_corpus_without_pairs_in_one_line(tmp_path, capsys):
    corpus = tmp_path / "unpaired.jsonl"
    corpus.write_text(
        "".join(json.dumps({k: v for k, v in json.loads(line).items() if k != "pair"}, ensure_ascii=False) + "\n"
                for line in FIXTURE.read_text(encoding="utf-8").splitlines()),
        encoding="utf-8",
    )
    assert main(["alignment", str(corpus), "--quiet"]) == 2
    assert capsys.readouterr().err.splitlines()[-1] == (
        f"polthemes: error: {corpus}: no article has a pair: alignment needs records with a 'pair' field, "
        "one zh and one en article per pair"
    )


# --- The ranking maths, on matrices with known answers -------------------------------------------


def test_partner_ranks_top_n_and_mrr_on_a_hand_made_matrix():
    distance = np.array([
        [0.1, 0.5, 0.9],  # partner nearest: rank 1
        [0.2, 0.6, 0.3],  # two candidates nearer: rank 3
        [0.4, 0.1, 0.4],  # one nearer, one as near (a tie counts against the partner): rank 3
    ])
    assert partner_ranks(distance).tolist() == [1, 3, 3]
    scores = retrieval_scores(distance)
    assert scores.n == 3
    assert scores.top1 == pytest.approx(1 / 3)
    assert scores.top5 == 1.0
    assert scores.mrr == pytest.approx((1 + 1 / 3 + 1 / 3) / 3)


def test_top5_misses_a_partner_in_sixth_place_and_a_missing_distance_ranks_last():
    n = 7
    distance = np.full((n, n), 0.5)
    np.fill_diagonal(distance, 0.0)
    distance[0, 1:6] = 0.1  # five candidates nearer than query 0's partner, at 0.2
    distance[0, 0] = 0.2
    distance[1, 1] = np.nan  # no distance to query 1's partner at all
    ranks = partner_ranks(distance)
    assert ranks.tolist() == [6, 7, 1, 1, 1, 1, 1]
    scores = retrieval_scores(distance)
    assert scores.top1 == pytest.approx(5 / 7)
    assert scores.top5 == pytest.approx(5 / 7)
    assert scores.mrr == pytest.approx((1 / 6 + 1 / 7 + 5) / 7)


def test_a_space_that_cannot_tell_documents_apart_scores_the_worst_rank_not_the_best():
    assert partner_ranks(np.zeros((4, 4))).tolist() == [4, 4, 4, 4]


def test_hellinger_finds_the_partner_that_shares_the_minor_themes_where_cosine_does_not():
    query = np.array([[0.80, 0.10, 0.10, 0.00]])
    partner = [0.60, 0.20, 0.20, 0.00]  # the same themes, in other proportions
    distractor = [0.90, 0.00, 0.00, 0.10]  # more of the main theme, none of the others
    candidates = np.array([partner, distractor])
    hellinger = hellinger_distances(query, candidates)[0]
    cosine = cosine_distances(query, candidates)[0]
    assert hellinger[0] < hellinger[1]
    assert cosine[0] > cosine[1]  # cosine is ruled by the dominant theme
    assert hellinger[0] == pytest.approx(np.sqrt(1 - (np.sqrt(0.48) + 2 * np.sqrt(0.02))))
    assert hellinger_distances(np.array([[0.5, 0.5, 0.0]]), np.array([[0.5, 0.5, 0.0], [0.0, 0.0, 1.0]]))[0] == pytest.approx([0.0, 1.0])


def test_theme_distances_read_a_runs_article_themes_table_and_miss_absent_documents():
    table = pd.DataFrame({"id": ["a__zh", "a__en", "b__zh", "b__en"], "language": ["zh", "en", "zh", "en"],
                          "theme_0": [0.9, 0.8, 0.1, 0.2], "theme_1": [0.1, 0.2, 0.9, 0.8]})
    pairs = document_pairs([_article("a__zh", "zh", "a"), _article("a__en", "en", "a"),
                            _article("b__zh", "zh", "b"), _article("b__en", "en", "b"), _article("c__zh", "zh", "c"),
                            _article("c__en", "en", "c")])
    distance = theme_space_distances(table, pairs)
    assert partner_ranks(distance).tolist() == [1, 1, 3]  # c has no mixture: never found
    assert np.isnan(distance[2]).all()


def test_pair_shares_count_in_space_token_mass_on_the_translations_terms():
    corpus = TokenizedCorpus(
        articles=[
            TokenizedArticle("p__zh", "zh", (("a", "a", "b", "未知"),)),
            TokenizedArticle("p__en", "en", (("a",),)),
            TokenizedArticle("q__zh", "zh", (("c", "d"),)),
            TokenizedArticle("q__en", "en", (("c", "b"),)),
        ],
        mode="crosslingual",
        unmapped=Counter({"未知": 1}),
    )
    pairs = document_pairs([_article(a.id, a.language, a.id[0]) for a in corpus.articles])
    shares = pair_token_shares(corpus, pairs)
    zh = shares["zh->en"]
    # p__zh: 3 in-space tokens (未知 is unmapped), a a on p__en's terms, b on q__en's.
    assert zh.own.tolist() == pytest.approx([2 / 3, 1 / 2])
    assert zh.other.tolist() == pytest.approx([1 / 3, 0.0])
    assert shares["en->zh"].own.tolist() == pytest.approx([1.0, 1 / 2])


# --- On real parallel text ---------------------------------------------------------------------


def test_each_document_finds_its_translation_in_the_concept_space(report):
    for direction in ("zh->en", "en->zh"):
        (row,) = _rows(report.retrieval, mapping="concept space", space="tf-idf", direction=direction).itertuples()
        assert row.pairs == 10
        assert row.top1 >= 0.8, direction  # chance: 0.1
        assert row.mrr >= 0.85, direction


def test_a_chinese_document_shares_far_more_token_mass_with_its_translation_than_with_others(report):
    (row,) = _rows(report.pair_shares, mapping="concept space", direction="zh->en").itertuples()
    assert row.own_translation >= 0.5
    assert row.own_translation >= 10 * row.other_documents
    assert row.own_lowest >= 0.3  # every pair, not just on average


def test_the_concept_space_beats_the_naive_cedict_mapping_at_the_token_level(report):
    shares = report.pair_shares.set_index(["mapping", "direction"]).own_translation
    assert shares["concept space", "zh->en"] > shares["naive CC-CEDICT", "zh->en"] + 0.1
    languages = report.language_shares.set_index(["mapping", "language"]).in_shared_space
    assert languages["concept space", "en"] == 1.0  # English is in the space by construction
    assert 0.8 <= languages["concept space", "zh"] < 1.0
    assert languages["concept space", "zh"] > languages["naive CC-CEDICT", "zh"]


def test_theme_space_finds_translations_well_above_chance_at_k_10(report):
    themes = _rows(report.retrieval, space="themes")
    assert sorted(set(zip(themes.distance, themes.direction))) == [
        ("cosine", "en->zh"), ("cosine", "zh->en"), ("hellinger", "en->zh"), ("hellinger", "zh->en")
    ]
    assert set(themes.k) == {10} and not themes.k_rule.any()
    hellinger = _rows(themes, distance="hellinger")
    assert (hellinger.mrr >= 0.5).all()  # chance MRR on ten pairs: 0.29


def test_the_naive_mapping_takes_the_first_sense_whatever_it_says():
    article = Article(id="n", language="zh", paragraphs=("县委召开会议，研究加强学校足球和铁路发展。",), paragraph_languages=("zh",))
    joined = naive_cedict_tokens([article]).articles[0].terms
    split = naive_cedict_tokens([article], split_senses=True).articles[0].terms
    # 县委 "CCP county committee", 加强 "to reinforce; to strengthen; to enhance", 足球 "soccer ball",
    # 铁路 "railroad", 发展 "development"
    assert joined[0] == "ccp_counti_committe"
    assert {"reinforc_strengthen_enhanc", "soccer_ball", "railroad", "develop"} <= set(joined)
    assert {"reinforc", "strengthen", "enhanc", "soccer", "ball"} <= set(split)
    assert "railway" not in joined  # no sense choice: CC-CEDICT's first sense, not the one English uses


def test_the_command_prints_every_table(capsys):
    assert main(["alignment", str(FIXTURE), "--k", "none", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("10 document pairs (zh, en)\n")
    assert any(line.split()[:5] == ["concept", "space", "tf-idf", "False", "cosine"] for line in out.splitlines())
    assert "share of a document's in-space token mass on terms its own translation contains" in out
    assert "naive CC-CEDICT" in out and "themes" not in out


def test_help_names_the_alignment_command(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    assert "alignment" in capsys.readouterr().out
