"""The modelling run on the seed articles: one command, complete exports, byte-identical twice."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from conftest import SEED_IDS, SEEDS_DIR
from polthemes.engines.local import run_analysis
from polthemes.cli import main
from polthemes.settings import AnalysisError, AnalysisSettings
from polthemes.themes.passages import passage_units, passages_table
from polthemes.modelling.units import ModellingUnit, roll_up, roll_up_rows

FAST = ["--k", "2-4", "--seeds", "2", "--bootstrap", "4"]
EXPECTED_FILES = {
    "article_similarity.csv", "article_theme_uncertainty.csv", "article_themes.csv", "backend_agreement.csv",
    "distinctive_terms.csv", "document_topics.csv", "k_selection.csv", "k_selection_runs.csv", "k_selection_heldout.csv",
    "manifest.json",
    "model_tomotopy.bin", "passages.csv", "recurring_themes.csv", "topic_terms.csv", "topic_terms_gensim.csv", "topic_terms_nmf.csv",
    "topic_terms_sklearn.csv", "theme_support.csv", "vocabulary.csv", "theme_terms.npy", "unit_lengths.npy", "unit_topics.npy",
}


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    # The second run segments in two worker processes, fits the sweep in two, and fills the
    # segmentation cache; the first does everything in one process without a cache.
    folders = [tmp_path_factory.mktemp(f"run{i}") for i in (1, 2)]
    for folder, execution in zip(folders, (["--workers", "1", "--no-cache"], ["--workers", "2"])):
        assert main(["fit", str(SEEDS_DIR), "--out", str(folder), *FAST, *execution]) == 0
    return folders


def test_fit_writes_every_table_and_the_manifest(two_runs):
    assert {p.name for p in two_runs[0].iterdir()} == EXPECTED_FILES | {".polthemes-results"}  # the marker: see outputs


def test_two_runs_are_byte_identical(two_runs):
    first, second = two_runs
    for name in sorted(EXPECTED_FILES):
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


def test_k_selection_table_and_manifest_agree(two_runs):
    table = pd.read_csv(two_runs[0] / "k_selection.csv")
    manifest = json.loads((two_runs[0] / "manifest.json").read_text())
    assert list(table.k) == [2, 3, 4]
    assert set(table.columns) >= {"npmi", "u_mass", "diversity", "stability", "chosen"}
    assert table.chosen.sum() == 1
    chosen = int(table.loc[table.chosen, "k"].iloc[0])
    assert manifest["selection"]["chosen_k"] == chosen == manifest["model"]["k"]
    assert manifest["corpus"]["articles"] == 5 and len(manifest["corpus"]["sha256"]) == 64
    assert manifest["settings"]["seeds"] == [manifest["settings"]["seed"], manifest["settings"]["seed"] + 1]
    assert manifest["settings"]["resolved_unit"] == "paragraph"
    assert {"gensim", "tomotopy", "scikit-learn", "jieba"} <= set(manifest["libraries"])
    assert "glossary.tsv" in manifest["resources_sha256"]


def test_every_seed_article_gets_theme_shares_with_uncertainty(two_runs):
    themes = pd.read_csv(two_runs[0] / "article_themes.csv")
    assert list(themes.id) == list(SEED_IDS)
    shares = themes.filter(like="theme_")
    assert (shares.sum(axis=1) - 1).abs().max() < 1e-5
    uncertainty = pd.read_csv(two_runs[0] / "article_theme_uncertainty.csv")
    assert len(uncertainty) == 5 * shares.shape[1]
    assert (uncertainty.low_5 <= uncertainty.high_95).all()


def test_passages_are_quoted_in_their_own_language(two_runs, seeds):
    passages = pd.read_csv(two_runs[0] / "passages.csv")
    assert not passages.empty
    for row in passages.itertuples():
        assert row.language == seeds[row.id].language
        assert row.text.rstrip("…")[:40] in seeds[row.id].text


def test_roll_up_weights_units_by_tokens_in_order_of_first_appearance():
    # Article b's units carry 1 and 3 tokens; article a's only unit has none (no mass: zeros).
    shares = np.array([[1.0, 0.0], [0.5, 0.5], [0.0, 1.0]])
    units = [ModellingUnit("b", 0, "zh", ("党建",)), ModellingUnit("a", 0, "en", ()),
             ModellingUnit("b", 1, "zh", ("职工", "企业", "学习"))]
    matrix, article_ids = roll_up(shares, units)
    assert article_ids == ["b", "a"]
    assert matrix.tolist() == [[0.25, 0.75], [0.0, 0.0]]
    # The Spark engine rolls up from plain ids and token counts: the very same result.
    rows, ids = roll_up_rows(shares, ["b", "a", "b"], [1, 0, 3])
    assert ids == article_ids and rows.tobytes() == matrix.tobytes()


def test_passages_pick_long_units_most_devoted_to_each_theme_ties_by_article_and_unit():
    # Row 0 is the most devoted to theme 0 but has too few terms; rows 1 and 3 tie (to 9
    # decimals) in both themes, so article "a"'s unit (row 3) comes before "b"'s.
    unit_topics = np.array([[1.0, 0.0], [0.8, 0.2], [0.3, 0.7], [0.8 + 1e-12, 0.2 - 1e-12]])
    keys = [("a", 0), ("b", 1), ("a", 2), ("a", 1)]
    chosen = passage_units(unit_topics, keys, [3, 8, 20, 9], per_theme=2)
    assert chosen == [[3, 1], [2, 3]]
    table = passages_table(unit_topics, chosen, ["zero", "one"], keys, ["zh", "zh", "en", "zh"],
                           {1: "短", 2: "x" * 500, 3: "长文"}, max_characters=400)
    assert list(table.id) == ["a", "b", "a", "a"] and list(table["rank"]) == [1, 2, 1, 2]
    assert table.text[2] == "x" * 399 + "…" and table.share[0] == 0.8


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        (AnalysisSettings(k_values=()), "K range is empty"),
        (AnalysisSettings(backend="mallet"), "unknown backend 'mallet'"),
        (AnalysisSettings(k_values=(2, 500)), "more than the"),
        (AnalysisSettings(unit="sentence"), "unknown unit 'sentence'"),
    ],
)
def test_bad_parameters_fail_before_any_model_is_fitted(seed_report, settings, message):
    with pytest.raises(AnalysisError, match=message):
        run_analysis(seed_report.articles, settings)


def test_corpus_with_nothing_left_to_model_is_a_clear_error(seed_report):
    with pytest.raises(AnalysisError, match="no paragraph has 500 or more terms"):
        run_analysis(seed_report.articles, AnalysisSettings(min_unit_terms=500))


def test_cli_reports_bad_parameters_in_one_line(capsys):
    assert main(["fit", str(SEEDS_DIR), "--backend", "mallet"]) == 2
    assert capsys.readouterr().err.strip() == (
        "polthemes: error: unknown backend 'mallet'; choose one of tomotopy, gensim, sklearn, nmf"
    )


def test_tfidf_tables_reuse_the_model_counts_when_units_are_whole_articles(seed_report):
    """A model over whole articles has counted the articles already; the TF-IDF tables from
    those counts equal the tables from a fresh count, and a bag of the wrong shape is refused."""
    from polthemes.themes.tables import tfidf_tables
    from polthemes.modelling.features import bag_of_words
    from polthemes.text.pipeline import TokenPipeline

    articles = seed_report.articles
    tokens = TokenPipeline("crosslingual").fit(articles).transform(articles, total=len(articles))
    bag = bag_of_words([a.terms for a in tokens.articles], min_count=2)
    fresh = tfidf_tables(tokens, vocabulary=bag.vocabulary)
    reused = tfidf_tables(tokens, vocabulary=bag.vocabulary, article_bag=bag)
    pd.testing.assert_frame_equal(fresh[0], reused[0])
    pd.testing.assert_frame_equal(fresh[1], reused[1])
    one_short = bag_of_words([a.terms for a in tokens.articles[:-1]], vocabulary=bag.vocabulary)
    with pytest.raises(ValueError, match="4 rows for 5 articles"):
        tfidf_tables(tokens, article_bag=one_short)


def test_tokens_given_once_give_the_tables_of_a_run_that_tokenizes(seed_report):
    settings = AnalysisSettings(k_values=(3,), chains=1, n_boot=0, cross_check=())
    fresh = run_analysis(seed_report.articles, settings)
    reused = run_analysis(seed_report.articles, AnalysisSettings(k_values=(4,), chains=1, n_boot=0, cross_check=()),
                          tokens=fresh.tokens)
    again = run_analysis(seed_report.articles, settings, tokens=reused.tokens)
    assert reused.tokens is fresh.tokens  # not tokenized a second time
    for name, table in fresh.tables.items():
        pd.testing.assert_frame_equal(again.tables[name], table, obj=name)
    with pytest.raises(AnalysisError, match="the tokens given are not these articles"):
        run_analysis(seed_report.articles[:4], settings, tokens=fresh.tokens)
    with pytest.raises(AnalysisError, match="in monolingual mode"):
        run_analysis(seed_report.articles, AnalysisSettings(mode="monolingual", k_values=(3,), chains=1), tokens=fresh.tokens)


def test_tfidf_and_similarity_are_scikit_learns_to_the_last_bit(seed_report):
    """The tables' TF-IDF is written out so a run need not import scikit-learn (2 s a
    process); it must stay exactly what scikit-learn's TfidfTransformer and cosine_similarity give."""
    from sklearn.feature_extraction.text import TfidfTransformer
    from sklearn.metrics.pairwise import cosine_similarity

    from polthemes.modelling.features import bag_of_words, document_similarity, tfidf
    from polthemes.text.pipeline import TokenPipeline

    tokens = TokenPipeline().fit_transform(seed_report.articles)
    # Paragraphs as documents: many short rows, some with a single term, and terms in one row only.
    bag = bag_of_words([paragraph for article in tokens.articles for paragraph in article.paragraphs])
    ours = tfidf(bag)
    theirs = TfidfTransformer(norm="l2", smooth_idf=True, sublinear_tf=False).fit_transform(bag.counts).tocsr()
    assert (ours != theirs).nnz == 0 and ours.nnz == theirs.nnz
    ids = [str(i) for i in range(bag.n_documents)]
    np.testing.assert_array_equal(document_similarity(bag, ids).to_numpy(), np.round(cosine_similarity(theirs), 6))
