"""Scale machinery on real text: worker processes, the segmentation cache, bad records in a stream.

Speed itself is measured in ``benchmarks/``, never here; these tests check that going fast
changes nothing: the same terms with one worker or two, with a cold cache or a warm one.
"""

from __future__ import annotations

import gzip
import json
import os
import time

import numpy as np
import pandas as pd
import pytest

from conftest import SEED_IDS, seed_text
from polthemes import read_corpus
from polthemes.config import MAX_ARTICLE_CHARS
from polthemes.engines.local import cross_check_sample, run_analysis
from polthemes.execution import forked_map
from polthemes.settings import AnalysisSettings
from polthemes.modelling.backends import make_model
from polthemes.modelling.features import bag_of_words
from polthemes.text.segmentation import ParallelSegmenter, SegmentationCache, segmentation_fingerprint
from polthemes.modelling.selection import sweep_k
from polthemes.text.chinese import ChineseTokenizer
from polthemes.text.pipeline import TokenPipeline
from polthemes.modelling.units import modelling_units


def _snapshot(corpus):
    """Everything a tokenized corpus says, in comparable form."""
    return (
        corpus.articles,
        {term: {lang: dict(forms) for lang, forms in by_lang.items()} for term, by_lang in corpus.surfaces.items()},
        {lang: dict(counts) for lang, counts in corpus.origins.items()},
        dict(corpus.unmapped),
        [corpus.label(term) for term in sorted(corpus.surfaces)],
    )


@pytest.fixture(scope="module")
def pipeline(seed_report):
    return TokenPipeline().fit(seed_report.articles)


def test_two_workers_and_the_cache_give_the_same_terms_as_one_worker(pipeline, seed_report, tmp_path, monkeypatch):
    articles = seed_report.articles
    reference = _snapshot(pipeline.transform(articles))
    assert _snapshot(pipeline.transform(articles, workers=2)) == reference
    # Chunks of two articles: several segmented ahead while earlier ones are mapped, collected in order.
    monkeypatch.setattr("polthemes.text.pipeline.CHUNK_ARTICLES", 2)
    assert _snapshot(pipeline.transform(articles, workers=2)) == reference

    cold = pipeline.transform(articles, workers=2, cache_dir=tmp_path)
    chinese_paragraphs = {p for a in articles for p, lang in zip(a.paragraphs, a.paragraph_languages) if lang == "zh"}
    assert pipeline.cache_hits_ == 0 and pipeline.cache_misses_ == len(chinese_paragraphs) > 0
    warm = pipeline.transform(articles, workers=1, cache_dir=tmp_path)
    assert pipeline.cache_misses_ == 0 and pipeline.cache_hits_ > 0
    assert _snapshot(cold) == _snapshot(warm) == reference


def test_the_cache_key_follows_the_dictionary_not_the_filters():
    """A new glossary or user-dictionary word may change any segmentation: new cache. A
    stopword list only filters cached words: same cache, filters applied afresh."""
    base = ChineseTokenizer(keep_words={"群众路线"})
    more_words = ChineseTokenizer(keep_words={"群众路线", "桃选厂"})
    other_stopwords = ChineseTokenizer(keep_words={"群众路线"}, stopwords={"党委"})
    assert segmentation_fingerprint(base) != segmentation_fingerprint(more_words)
    assert segmentation_fingerprint(base) == segmentation_fingerprint(other_stopwords)


def test_a_warm_cache_applies_todays_stopwords(seeds, tmp_path):
    paragraphs = [p for p in seeds[SEED_IDS[2]].paragraphs if "党委" in p]
    assert paragraphs
    tokenizer = ChineseTokenizer()
    with ParallelSegmenter(tokenizer, cache_dir=tmp_path) as segmenter:
        [(_, segmented)] = list(segmenter.segment_chunks([paragraphs], texts_of=list))
    # A word kept today, not protected by the glossary, becomes a stopword tomorrow.
    word = next(w for w in tokenizer.words(paragraphs[0]) if w not in tokenizer.keep_words)
    filtering = ChineseTokenizer(stopwords=tokenizer.stopwords | {word})
    with ParallelSegmenter(filtering, cache_dir=tmp_path) as segmenter:
        [(_, cached)] = list(segmenter.segment_chunks([paragraphs], texts_of=list))
        assert segmenter.cache.hits == len(set(paragraphs))
    assert cached == segmented
    for text in paragraphs:
        assert filtering.content_words(cached[text]) == filtering.words(text)
        assert word not in filtering.content_words(cached[text])
    assert word in tokenizer.content_words(segmented[paragraphs[0]])


def test_cache_rows_survive_a_new_connection(tmp_path):
    cache = SegmentationCache(tmp_path, "fingerprint")
    cache.put_many({"坚持群众路线": ("坚持", "群众路线"), "": ()})
    cache.close()
    reopened = SegmentationCache(tmp_path, "fingerprint")
    assert reopened.get_many(["坚持群众路线", "", "没有"]) == {"坚持群众路线": ("坚持", "群众路线"), "": ()}
    assert (reopened.hits, reopened.misses) == (2, 1)


def test_a_parallel_k_sweep_equals_a_serial_one(seed_report):
    tokens = TokenPipeline().fit_transform(seed_report.articles)
    units = modelling_units(tokens, "paragraph", min_terms=5)
    bag = bag_of_words([u.terms for u in units], min_count=2, max_document_share=0.5)
    texts = [[t for t in u.terms if t in set(bag.vocabulary)] for u in units]
    serial = sweep_k(bag, texts, [2, 3], [1, 2], workers=1, max_iter=200)
    parallel = sweep_k(bag, texts, [2, 3], [1, 2], workers=2, max_iter=200)
    assert serial.runs.equals(parallel.runs) and serial.summary.equals(parallel.summary)
    for key, model in serial.models.items():
        assert model.top_terms(10) == parallel.models[key].top_terms(10)
        assert (model.document_topics_ == parallel.models[key].document_topics_).all()


def test_a_bootstrap_draw_taken_from_the_bag_counts_what_counting_the_units_again_would(seed_report):
    units = modelling_units(TokenPipeline().fit_transform(seed_report.articles), "paragraph", min_terms=5)
    bag = bag_of_words([u.terms for u in units], min_count=2, max_document_share=0.5)
    picked = np.random.default_rng(7).integers(0, len(units), size=len(units))
    assert len(set(picked.tolist())) < len(units)  # repeats, and units left out
    drawn, counted = bag.rows(picked), bag_of_words([units[i].terms for i in picked], vocabulary=bag.vocabulary)
    assert drawn.vocabulary == counted.vocabulary
    assert (drawn.counts.indptr == counted.counts.indptr).all() and (drawn.counts.indices == counted.counts.indices).all()
    assert (drawn.counts.data == counted.counts.data).all() and drawn.counts.dtype == counted.counts.dtype
    assert [drawn.document_terms(i) for i in range(drawn.n_documents)] == [bag.document_terms(j) for j in picked]


def test_the_bootstrap_and_the_cross_check_in_two_workers_give_the_tables_of_one(seed_report):
    """The extras run in worker processes when there are several; every table (intervals,
    the other backends' terms and agreement) must come out as one process makes it."""
    settings = AnalysisSettings(k_values=(3,), chains=2, heldout_folds=0, n_boot=4, cross_check=("gensim", "nmf"))
    one = run_analysis(seed_report.articles, settings, workers=1)
    two = run_analysis(seed_report.articles, settings, workers=2)
    assert set(one.tables) == set(two.tables) >= {"article_theme_uncertainty", "topic_terms_gensim", "topic_terms_nmf"}
    for name, table in one.tables.items():
        pd.testing.assert_frame_equal(table, two.tables[name], check_exact=True, obj=name)
    assert one.tables["article_theme_uncertainty"].high_95.gt(one.tables["article_theme_uncertainty"].low_5).any()


def test_a_large_corpus_cross_checks_on_a_seeded_sample_of_its_units_and_says_so(seed_report, monkeypatch):
    """Beyond CROSS_CHECK_MAX_UNITS units the other backends are fitted on a sample (the
    archive's scikit-learn LDA took 21.6 minutes on all of them): the same sample for the same
    seed, in corpus order, recorded in the manifest; below the limit, every unit."""
    assert list(cross_check_sample(30, seed=1, limit=40)) == list(range(30))
    sample = cross_check_sample(30, seed=1, limit=12)
    assert len(set(sample.tolist())) == 12 and list(sample) == sorted(sample) and sample.max() < 30
    assert (sample == cross_check_sample(30, seed=1, limit=12)).all() and not (sample == cross_check_sample(30, seed=2, limit=12)).all()

    monkeypatch.setattr("polthemes.engines.local.CROSS_CHECK_MAX_UNITS", 25)
    settings = AnalysisSettings(k_values=(3,), chains=1, heldout_folds=0, n_boot=0, cross_check=("nmf",))
    result = run_analysis(seed_report.articles, settings, workers=1)
    assert len(result.units) > 25
    assert result.manifest["cross_check"]["nmf"]["fitted_units"] == 25 == result.cross_check_models["nmf"].fitted_units_
    alone = make_model("nmf", n_topics=3, random_state=settings.seed).fit(result.bag.rows(cross_check_sample(len(result.units), settings.seed)))
    assert np.array_equal(alone.components_, result.cross_check_models["nmf"].components_)


def test_forked_workers_get_the_context_by_the_fork_and_return_results_in_job_order():
    """A context that cannot be pickled (a lambda) still reaches every worker; results come
    back in the order of the jobs, from more than one process."""
    context = (lambda job: job * job, os.getpid())
    results = forked_map(_square_where, list(range(12)), context, workers=2)
    assert [value for value, _ in results] == [job * job for job in range(12)]
    assert all(pid != os.getpid() for _, pid in results)
    assert forked_map(_square_where, [3], context, workers=2) == [(9, os.getpid())]  # one job: no pool


def _square_where(context, job):
    square, _ = context
    time.sleep(0.01 * (job % 3))  # jobs finish out of order
    return square(job), os.getpid()


def test_bad_records_in_an_archive_are_reported_by_line_and_the_rest_is_read(tmp_path):
    good = [{"id": f"item{i}", "date": "2024-05-0{i}", "text": seed_text(SEED_IDS[2 + i % 3])} for i in range(3)]
    huge = {"id": "dump", "text": "加强党的建设。" * (50 * 1024 * 1024 // 21 + 1)}  # 50 MB of UTF-8
    lines = [
        json.dumps(good[0], ensure_ascii=False).encode(),
        b'{"id": "cut", "text": "unterminated',
        json.dumps({"id": "notext", "title": "no body"}).encode(),
        json.dumps(huge, ensure_ascii=False).encode(),
        "{\"id\": \"gbk\", \"text\": \"党的建设\"}".encode("gbk"),
        json.dumps(good[1], ensure_ascii=False).encode(),
        json.dumps(good[2], ensure_ascii=False).encode(),
    ]
    assert len(lines[3]) > 50 * 1024 * 1024
    path = tmp_path / "archive.jsonl.gz"
    path.write_bytes(gzip.compress(b"\n".join(lines) + b"\n", compresslevel=1, mtime=0))
    report = read_corpus(path)
    assert [a.id for a in report.articles] == ["item0", "item1", "item2"]
    reasons = {s.location: s.reason for s in report.skipped}
    assert set(reasons) == {f"{path}:{n}" for n in (2, 3, 4, 5)}
    assert reasons[f"{path}:2"].startswith("malformed JSON")
    assert reasons[f"{path}:3"].startswith("no text field")
    assert reasons[f"{path}:4"].startswith(f"{len(huge['text']):,} characters: longer than any article ({MAX_ARTICLE_CHARS:,}")
    assert reasons[f"{path}:5"].startswith("not UTF-8")


def test_a_legacy_gb18030_json_lines_export_reads_like_its_utf8_original(tmp_path):
    """JSON Lines is UTF-8 by definition, but old exporters wrote GB18030: when the first line is
    not UTF-8 the file is decoded whole with encoding detection instead."""
    records = [{"id": f"item{i}", "text": seed_text(SEED_IDS[2 + i]).replace("\u00a0", " ")} for i in range(2)]
    text = "\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n"
    (tmp_path / "utf8.jsonl").write_text(text, encoding="utf-8")
    (tmp_path / "gb.jsonl").write_bytes(text.encode("gb18030"))
    utf8, gbk = read_corpus(tmp_path / "utf8.jsonl"), read_corpus(tmp_path / "gb.jsonl")
    assert gbk.skipped == [] and len(gbk.articles) == 2
    assert [(a.id, a.title, a.paragraphs) for a in gbk.articles] == [(a.id, a.title, a.paragraphs) for a in utf8.articles]


def test_an_oversized_article_file_is_skipped_with_its_size(corpus_dir):
    (corpus_dir / "ok.txt").write_text(seed_text(SEED_IDS[0]), encoding="utf-8")
    (corpus_dir / "dump.txt").write_text("Party building. " * (MAX_ARTICLE_CHARS // 16 + 10), encoding="utf-8")
    report = read_corpus(corpus_dir)
    assert [a.id for a in report.articles] == ["ok"]
    [skipped] = report.skipped
    assert skipped.location.endswith("dump.txt") and "longer than any article" in skipped.reason
