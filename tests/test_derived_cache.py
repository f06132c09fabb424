"""Readings and tokens kept between runs: reused only when nothing that shapes them changed.

A stale entry would be a silent wrong answer (yesterday's glossary in today's themes), so
these tests change each input in turn and check that the cache is missed, and damage the
stored file and check that it is rebuilt, not trusted.
"""

from __future__ import annotations

import shutil
from dataclasses import replace

import pytest

from conftest import SEED_IDS, seed_bytes
from polthemes import derived_cache
from polthemes.corpus.reader import read_corpus, read_corpus_cached
from polthemes.derived_cache import cached, code_fingerprint
from polthemes.engines.local import unit_counts
from polthemes.modelling.features import bag_of_words
from polthemes.modelling.units import modelling_units
from polthemes.settings import AnalysisSettings
from polthemes.text.pipeline import TokenPipeline, tokenize_articles

from test_scale import _snapshot


def seed_text_of(article_id):
    return read_corpus_single(seed_bytes(article_id))


def read_corpus_single(data: bytes) -> str:
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "article.txt").write_bytes(data)
        return read_corpus(Path(folder)).articles[0].text


def _entries(folder, kind):
    return sorted(folder.glob(f"{kind}-*.pickle"))


def test_tokens_are_reused_for_the_same_articles_and_identical_to_a_fresh_tokenizing(seed_report, tmp_path, monkeypatch):
    articles = seed_report.articles[:3]
    first = tokenize_articles(articles, workers=1, cache_dir=tmp_path)
    [entry] = _entries(tmp_path, "tokens")

    def refuse(*args, **kwargs):
        raise AssertionError("tokenized again although the same articles were tokenized before")

    with monkeypatch.context() as patch:
        patch.setattr(TokenPipeline, "transform", refuse)
        again = tokenize_articles(articles, workers=1, cache_dir=tmp_path)
    assert _snapshot(again) == _snapshot(first) == _snapshot(TokenPipeline().fit(articles).transform(articles))
    # Another mode, or one paragraph changed: a new entry, tokenized afresh.
    assert tokenize_articles(articles, "monolingual", cache_dir=tmp_path).mode == "monolingual"
    edited = [replace(articles[0], paragraphs=articles[0].paragraphs[:-1]), *articles[1:]]
    shorter = tokenize_articles(edited, cache_dir=tmp_path)
    assert len(shorter.articles[0].paragraphs) == len(articles[0].paragraphs) - 1
    assert len(_entries(tmp_path, "tokens")) == 3


def test_unit_counts_are_reused_for_the_same_tokens_and_settings_and_equal_a_fresh_count(seed_report, tmp_path, monkeypatch):
    """A rerun that changes only K, seeds, chains or backend starts from the kept counts; a
    setting that shapes units or vocabulary names a new entry; uncached tokens are counted."""
    tokens = tokenize_articles(seed_report.articles, workers=1, cache_dir=tmp_path)
    assert tokens.cache_key
    settings = AnalysisSettings()
    units = modelling_units(tokens, "paragraph", window_tokens=settings.window_tokens, min_terms=settings.min_unit_terms)
    first = unit_counts(units, "paragraph", settings, tokens_key=tokens.cache_key, cache_dir=tmp_path)
    fresh = bag_of_words([u.terms for u in units], min_count=settings.min_count, max_document_share=settings.max_document_share)
    assert first.vocabulary == fresh.vocabulary and (first.counts != fresh.counts).nnz == 0
    assert len(_entries(tmp_path, "counts")) == 1

    def refuse(*args, **kwargs):
        raise AssertionError("counted again although these tokens were counted with these settings before")

    with monkeypatch.context() as patch:
        patch.setattr("polthemes.engines.local.bag_of_words", refuse)
        again = unit_counts(units, "paragraph", settings, tokens_key=tokens.cache_key, cache_dir=tmp_path)
        assert again.vocabulary == first.vocabulary and (again.counts != first.counts).nnz == 0
        with pytest.raises(AssertionError, match="counted again"):
            unit_counts(units, "paragraph", settings, cache_dir=tmp_path)  # tokens not from the cache
        with pytest.raises(AssertionError, match="counted again"):  # as many units, not the same ones
            unit_counts([*units[1:], units[0]], "paragraph", settings, tokens_key=tokens.cache_key, cache_dir=tmp_path)
    stricter = unit_counts(units, "paragraph", replace(settings, min_count=settings.min_count + 3),
                           tokens_key=tokens.cache_key, cache_dir=tmp_path)
    assert len(stricter.vocabulary) < len(first.vocabulary)
    assert len(_entries(tmp_path, "counts")) == 2


def test_a_damaged_entry_is_reported_and_rebuilt_never_loaded(seed_report, tmp_path, capsys):
    articles = seed_report.articles[:2]
    reference = _snapshot(tokenize_articles(articles, cache_dir=tmp_path))
    [entry] = _entries(tmp_path, "tokens")
    data = entry.read_bytes()
    entry.write_bytes(data[:-20] + bytes(20))  # the payload changed under its checksum
    assert _snapshot(tokenize_articles(articles, cache_dir=tmp_path)) == reference
    assert "failed its checksum" in capsys.readouterr().err
    assert entry.read_bytes() == data  # rebuilt whole


def test_editing_a_resource_file_or_a_source_file_names_a_new_entry(tmp_path):
    package, resources = tmp_path / "package", tmp_path / "resources"
    shutil.copytree(derived_cache.PACKAGE_DIR, package, ignore=shutil.ignore_patterns("__pycache__", "resources"))
    shutil.copytree(derived_cache.RESOURCES_DIR, resources)
    before = code_fingerprint(package, resources)
    with (resources / "stopwords_zh_domain.txt").open("a", encoding="utf-8") as handle:
        handle.write("群众\n")
    after_stopword = code_fingerprint(package, resources)
    with (package / "text" / "chinese.py").open("a", encoding="utf-8") as handle:
        handle.write("\n# a comment\n")
    after_code = code_fingerprint(package, resources)
    assert len({before, after_stopword, after_code}) == 3


def test_a_reading_is_reused_until_a_file_of_the_corpus_changes(tmp_path, monkeypatch):
    corpus, cache = tmp_path / "corpus", tmp_path / "cache"
    corpus.mkdir()
    for name in ("one.txt", "two.txt"):
        (corpus / name).write_bytes(seed_bytes(SEED_IDS[1] if name == "one.txt" else SEED_IDS[4]))
    fresh = read_corpus(corpus)
    first = read_corpus_cached(corpus, cache)
    assert [a.text for a in first.articles] == [a.text for a in fresh.articles]

    from polthemes.corpus import reader

    def refuse(*args, **kwargs):
        raise AssertionError("read again although no file changed")

    with monkeypatch.context() as patch:
        patch.setattr(reader, "read_corpus", refuse)
        assert [a.id for a in read_corpus_cached(corpus, cache).articles] == [a.id for a in fresh.articles]
    (corpus / "three.txt").write_bytes(seed_bytes(SEED_IDS[2]))
    assert len(read_corpus_cached(corpus, cache).articles) == len(fresh.articles) + 1
    (corpus / "three.txt").write_bytes(seed_bytes(SEED_IDS[3]))  # same name, other bytes
    texts = [a.text for a in read_corpus_cached(corpus, cache).articles]
    assert texts == [a.text for a in read_corpus(corpus).articles] and seed_text_of(SEED_IDS[3]) in texts


def test_only_the_newest_entries_of_a_kind_are_kept_and_nothing_else_is_touched(tmp_path):
    mine = tmp_path / "notes-0000000000000000000000000000000000000000.pickle"
    mine.write_bytes(b"a file of the user's, named like an entry of another kind")
    alien = tmp_path / f"tokens-{'f' * 40}.pickle"
    alien.write_bytes(b"not written by polthemes")
    for n in range(derived_cache.KEPT_ENTRIES + 2):
        value, reused = cached("tokens", f"{n:040x}", lambda: n, tmp_path)
        assert (value, reused) == (n, False)
    kept = {p.name for p in _entries(tmp_path, "tokens")} - {alien.name}
    assert len(kept) == derived_cache.KEPT_ENTRIES
    assert alien.exists() and mine.exists()
    assert cached("tokens", f"{derived_cache.KEPT_ENTRIES + 1:040x}", lambda: pytest.fail("rebuilt"), tmp_path) == (
        derived_cache.KEPT_ENTRIES + 1, True)


def test_no_cache_folder_means_nothing_is_written(seed_report, tmp_path, monkeypatch):
    default = tmp_path / "default-cache"
    monkeypatch.setenv("POLTHEMES_CACHE_DIR", str(default))
    tokenize_articles(seed_report.articles[:1], cache_dir=None)
    assert not default.exists()  # neither tokens nor jieba's dictionary went to the default folder
    tokenize_articles(seed_report.articles[:1], cache_dir=default)
    assert _entries(default, "tokens")


def test_a_resource_edited_during_a_session_is_read_again_so_the_tokens_follow_it(tmp_path):
    """A notebook session that edits the glossary must tokenize with the new one: loaders of
    resource files are remembered only until their file changes (before, once per process,
    and the old glossary's tokens were kept under the new glossary's digest)."""
    from polthemes.resources import cached_until_changed, read_list

    (tmp_path / "words.txt").write_text("群众路线\n", encoding="utf-8")
    loads = []

    @cached_until_changed("words.txt", directory=tmp_path)
    def words():
        loads.append(1)
        return read_list("words.txt", tmp_path)

    assert words() == ("群众路线",) and words() is words() and len(loads) == 1  # unchanged: not read again
    (tmp_path / "words.txt").write_text("群众路线\n主题教育\n", encoding="utf-8")
    assert words() == ("群众路线", "主题教育") and len(loads) == 2
    (tmp_path / "words.txt").unlink()
    with pytest.raises(Exception, match="words.txt"):
        words()  # a file gone is reported by its loader, not served from memory


def test_the_shipped_loaders_of_resource_files_are_the_ones_that_follow_edits():
    from polthemes.corpus.boilerplate import default_rules
    from polthemes.corpus.metadata import field_line_reader, source_name_endings
    from polthemes.text.glossary import default_glossary

    for loader in (default_glossary, default_rules, field_line_reader, source_name_endings):
        assert loader() is loader()  # remembered while unchanged
        assert not hasattr(loader, "cache_info")  # not functools' once-per-process cache


def test_a_cache_file_anyone_could_have_written_is_never_unpickled(seed_report, tmp_path, capsys):
    """Its digest proves a file whole, not who wrote it: a pickle everyone may write (or one
    in a folder where anyone may swap files) is refused and rebuilt, not loaded."""
    articles = seed_report.articles[:1]
    tokenize_articles(articles, cache_dir=tmp_path)
    [entry] = _entries(tmp_path, "tokens")
    entry.chmod(0o666)
    capsys.readouterr()
    tokenize_articles(articles, cache_dir=tmp_path)
    assert "may not be this user's own" in capsys.readouterr().err
    assert not entry.stat().st_mode & 0o002  # rebuilt as an ordinary file of ours
    tokenize_articles(articles, cache_dir=tmp_path)
    assert "reused" in capsys.readouterr().err  # and trusted from then on
    tmp_path.chmod(0o777)  # a folder everyone may write, without the sticky bit
    try:
        assert not derived_cache.only_ours(entry)
        tmp_path.chmod(0o1777)  # /tmp's kind: others cannot rename or remove our files
        assert derived_cache.only_ours(entry)
    finally:
        tmp_path.chmod(0o755)
