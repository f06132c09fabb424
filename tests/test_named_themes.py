"""Named (seeded) themes and covariate effects: planted tests, and the seed articles.

The planted tests draw corpora from the LDA generative process with a known answer: seeds
of a planted topic must bring that topic back as the named theme; a planted difference in
prevalence between two groups must lie inside its interval. On the seed articles: every
named theme of the shipped file is fitted, an invented one is reported absent, and an
effect five articles cannot support says so.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import pandas as pd
import pytest

from polthemes.modelling.backends import TomotopyLDA
from polthemes.modelling.matching import align_topics, cosine_similarity_rows
from polthemes.modelling.features import bag_of_words
from polthemes.modelling.seeded import NAMED_ETA_SHARE, SeededLDA
from polthemes.modelling.synthetic import planted_corpus, planted_effect_corpus
from polthemes.modelling.units import ModellingUnit
from polthemes.resources import ResourceFileError
from polthemes.themes.effects import (EffectError, MixturePosterior, estimate_effect, posterior_of, prevalence_by_period,
                                      share_intervals)
from polthemes.themes.named import (MIN_SEED_SHARE, MIN_SEED_TOKENS, NamedTheme, fit_named_themes, named_theme_tables,
                                    peak_periods, read_named_themes)

from conftest import SEEDS_DIR


# --- Seeded themes on planted corpora -------------------------------------------------------------


@pytest.mark.parametrize("seed", [0, 3])
def test_seeds_of_a_planted_topic_recover_it_as_the_named_theme(seed):
    corpus = planted_corpus(n_documents=300, n_topics=6, n_terms=300, document_length=80, seed=seed)
    # Seeding another planted topic brings *that* one to topic 0: no chain's accident.
    for target in (4, 1):
        seeds = [corpus.vocabulary[j] for j in np.argsort(-corpus.topics[target])[:3]]
        named = SeededLDA(6, seeds={"planted": seeds}, random_state=seed).fit(corpus.bag())
        similarity = cosine_similarity_rows(corpus.topics, named.components_[[0]])[:, 0]
        assert similarity[target] >= 0.9
        assert np.delete(similarity, target).max() < 0.5


def test_a_seed_term_goes_to_its_named_theme_only():
    corpus = planted_corpus(n_documents=200, n_topics=4, n_terms=200, document_length=60, seed=1)
    seeds = [corpus.vocabulary[j] for j in np.argsort(-corpus.topics[2])[:3]]
    model = SeededLDA(4, seeds={"planted": seeds}, random_state=1).fit(corpus.bag())
    columns = [corpus.vocabulary.index(term) for term in seeds]
    weights = model.components_[:, columns]
    assert (weights[0] > 100 * weights[1:].max(axis=0)).all()


def test_one_seed_term_in_two_named_themes_is_refused():
    corpus = planted_corpus(n_documents=50, n_topics=3, n_terms=100, seed=2)
    with pytest.raises(ValueError, match="belongs to two named themes"):
        SeededLDA(3, seeds={"a": ["w00001"], "b": ["w00001"]}).fit(corpus.bag())


def _units(corpus, ids=None) -> list[ModellingUnit]:
    ids = ids or [f"d{i:03d}" for i in range(len(corpus.documents))]
    return [ModellingUnit(ids[i], 0, "en", tuple(doc)) for i, doc in enumerate(corpus.documents)]


def test_a_named_theme_whose_seeds_are_absent_is_reported_not_invented():
    corpus = planted_corpus(n_documents=120, n_topics=4, n_terms=200, document_length=60, seed=4)
    present = [corpus.vocabulary[j] for j in np.argsort(-corpus.topics[1])[:3]]
    themes = [NamedTheme("planted", "Planted", tuple(present)), NamedTheme("missing", "Missing", ("no_such_term",))]
    fit = fit_named_themes(_units(corpus), themes, n_free=3, n_chains=2, seed=4)
    assert [t.name for t in fit.fitted] == ["planted"]
    assert [t.name for t in fit.absent] == ["missing"]
    assert fit.chains[0].n_topics == 4  # the absent theme took no topic
    articles = pd.DataFrame({"id": [u.article_id for u in fit.units], "language": "en"})
    table = named_theme_tables(fit, articles, covariates=(), n_draws=20)["named_themes"].set_index("name")
    assert table.loc["missing", "status"].startswith("absent")
    assert np.isnan(table.loc["missing", "mean_share"])
    assert table.loc["planted", "status"] == "fitted" and table.loc["planted", "lower"] <= table.loc["planted", "mean_share"] <= table.loc["planted", "upper"]


def test_a_named_theme_that_is_mostly_not_its_seeds_rests_on_weak_evidence():
    """Enough seed tokens are not enough: a theme seeded with one word from another topic's
    tail holds that word's tokens and a great deal else, and must not be called strong (the
    archive's named themes were 0.1-1% seeds and followed other news)."""
    corpus = planted_corpus(n_documents=200, n_topics=4, n_terms=200, document_length=60, seed=5)
    counts = Counter(term for document in corpus.documents for term in document)
    top = [corpus.vocabulary[j] for j in np.argsort(-corpus.topics[2])[:3]]
    tail = next(corpus.vocabulary[j] for j in np.argsort(-corpus.topics[0])[25:] if counts[corpus.vocabulary[j]] >= MIN_SEED_TOKENS)
    themes = [NamedTheme("top", "Top", tuple(top)), NamedTheme("sliver", "Sliver", (tail,))]
    fit = fit_named_themes(_units(corpus), themes, n_free=3, n_chains=2, seed=5)
    articles = pd.DataFrame({"id": [u.article_id for u in fit.units], "language": "en"})
    table = named_theme_tables(fit, articles, covariates=(), n_draws=20)["named_themes"].set_index("name")
    assert table.loc["sliver", "seed_tokens"] >= MIN_SEED_TOKENS  # the token count alone would say strong
    assert table.loc["sliver", "seed_share"] < MIN_SEED_SHARE and table.loc["sliver", "evidence"] == "weak"
    assert table.loc["top", "seed_share"] >= MIN_SEED_SHARE and table.loc["top", "evidence"] == "strong"


# --- Covariate effects by the method of composition --------------------------------------------


def _effect_interval(replication: int) -> tuple[float, float, float]:
    corpus, groups = planted_effect_corpus(effect=0.6, seed=replication)
    model = TomotopyLDA(3, random_state=replication, max_iter=300).fit(corpus.bag())
    order = align_topics(corpus.topics, model.components_)
    ids = [f"d{i:03d}" for i in range(len(groups))]
    posterior = MixturePosterior([model.document_topic_counts_[:, order]], model.alpha_, ids,
                                 np.array([len(d) for d in corpus.documents]))
    effect = estimate_effect(posterior, pd.Series(groups, index=ids, name="group"), ["t0", "t1", "t2"], reference="a", n_draws=100)
    row = effect[effect.theme == 0].iloc[0]
    assert row.supported and row.level == "b"
    return row.estimate, row.lower, row.upper


def test_a_planted_effect_of_0_6_lies_inside_its_interval_in_9_of_10_replications():
    intervals = [_effect_interval(r) for r in range(10)]
    covered = sum(lower <= 0.6 <= upper for _, lower, upper in intervals)
    assert covered >= 9, intervals
    assert all(lower > 0 for _, lower, _ in intervals), "the interval must exclude zero"
    assert all(lower <= estimate <= upper for estimate, lower, upper in intervals)


def test_the_posterior_rests_on_the_prior_the_chain_learned():
    """tomotopy re-estimates the document-topic prior as it samples; a posterior drawn with
    the starting 1/K instead gives every unit a mixture the chain itself does not report."""
    corpus = planted_corpus(n_documents=150, n_topics=4, n_terms=120, document_length=30, seed=2)
    chain = TomotopyLDA(4, random_state=3).fit(corpus.bag())
    assert not np.allclose(chain.topic_prior_, chain.alpha_, rtol=0.05)  # it did learn one
    units = [f"d{i:03d}" for i in range(len(corpus.documents))]
    posterior = posterior_of([chain], units, [len(d) for d in corpus.documents])
    np.testing.assert_allclose(posterior.article_means(), chain.document_topics_, atol=1e-6)


def test_the_method_of_composition_is_wider_than_regressing_the_point_estimates():
    """The point of the method: the model's uncertainty about each mixture widens the interval."""
    corpus, groups = planted_effect_corpus(n_per_group=40, effect=0.3, document_length=30, seed=7)
    model = TomotopyLDA(3, random_state=7, max_iter=300).fit(corpus.bag())
    ids = [f"d{i:03d}" for i in range(len(groups))]
    lengths = np.array([len(d) for d in corpus.documents])
    covariate = pd.Series(groups, index=ids, name="group")
    composed = estimate_effect(MixturePosterior([model.document_topic_counts_], model.alpha_, ids, lengths), covariate, list("abc"), n_draws=200)
    # A posterior with a thousand times the evidence is, in effect, the point estimates.
    certain = MixturePosterior([model.document_topics_ * lengths[:, None] * 1000], model.alpha_, ids, lengths)
    plain = estimate_effect(certain, covariate, list("abc"), n_draws=200)
    assert ((composed.upper - composed.lower) > 1.05 * (plain.upper - plain.lower)).all()


def test_periods_and_bad_covariates_say_what_is_wrong():
    counts = np.array([[5.0, 1.0], [1.0, 5.0], [4.0, 2.0], [2.0, 4.0], [5.0, 0.0], [0.0, 5.0]])
    ids = [f"a{i}" for i in range(6)]
    posterior = MixturePosterior([counts], 0.5, ids, np.full(6, 6))
    dates = pd.Series(["2023-01-05", "2023-01-20", "2023-02-03", "2023-02-10", "2023-02-11", "not a date"], index=ids)
    table = prevalence_by_period(posterior, dates, ["x", "y"], period="month", n_draws=50)
    assert sorted(table.period.unique()) == ["2023-01", "2023-02"]
    assert table.set_index(["theme", "period"]).loc[(0, "2023-02"), "articles"] == 3
    assert not table.set_index(["theme", "period"]).loc[(0, "2023-01"), "supported"]  # two articles only
    with pytest.raises(EffectError, match="1 value.*two or more"):
        estimate_effect(posterior, pd.Series(["en"] * 6, index=ids, name="language"), ["x", "y"])
    with pytest.raises(EffectError, match="unknown period"):
        prevalence_by_period(posterior, dates, ["x", "y"], period="week")
    shares = share_intervals(posterior, ["x", "y"], n_draws=50)
    assert ((shares.lower <= shares.share) & (shares.share <= shares.upper)).all()


def test_a_planted_campaign_is_the_peak_of_its_named_theme_over_time():
    """Theme 0 is planted 0.3 more prevalent in the articles of two campaign months (2023-04
    and -05) than in the twelve months of 2022; the named theme seeded with three of its words
    must peak in those two months, each interval above every other month's estimate."""
    corpus, groups = planted_effect_corpus(n_per_group=60, effect=0.3, seed=7)
    ids = [f"d{i:03d}" for i in range(len(groups))]
    quiet, campaign = iter(range(60)), iter(range(60))
    dates = [f"2022-{next(quiet) % 12 + 1:02d}-15" if g == "a" else f"2023-{4 + next(campaign) % 2:02d}-15" for g in groups]
    seeds = tuple(corpus.vocabulary[j] for j in np.argsort(-corpus.topics[0])[:3])
    fit = fit_named_themes(_units(corpus, ids), [NamedTheme("campaign", "Campaign", seeds)], n_free=2, n_chains=2, seed=7)
    articles = pd.DataFrame({"id": ids, "language": "en", "date": dates})
    periods = named_theme_tables(fit, articles, covariates=(), n_draws=50)["named_theme_periods"]
    ranked = peak_periods(periods, "campaign")
    assert len(ranked) == 14 and set(ranked.period.head(2)) == {"2023-04", "2023-05"}
    assert ranked.lower.head(2).min() > ranked.estimate.iloc[2:].max()
    assert list(peak_periods(periods, "campaign", 3).period) == list(ranked.period.head(3))
    with pytest.raises(EffectError, match="no named theme 'mass_line' among the fitted ones"):
        peak_periods(periods, "mass_line")


def _register_corpus(seed: int) -> tuple[list[ModellingUnit], list[str], dict[str, np.ndarray], dict[str, list[str]]]:
    """24 months of 20 articles, each half a common *register* of speech (0.8 in 2022-10, a
    congress month) and the rest four subjects; in 2023-04 and -05 eight articles a month also
    give 0.2 to a campaign. The archive's failure in small: a campaign's seeds always appear
    inside the register, so a seeded theme may take the register for its subject."""
    rng = np.random.default_rng(seed)
    words = {"register": [f"reg{i}" for i in range(40)], "campaign": [f"camp{i}" for i in range(20)]}
    words |= {f"subject{o}": [f"s{o}w{i}" for i in range(40)] for o in range(4)}
    weights = {name: rng.dirichlet(np.full(len(w), 0.5)) for name, w in words.items()}
    units, dates = [], []
    for month in [f"{year}-{m:02d}" for year in (2022, 2023) for m in range(1, 13)]:
        for j in range(20):
            share = {"register": 0.8 if month == "2022-10" else 0.5}
            if month in ("2023-04", "2023-05") and j < 8:
                share["campaign"] = 0.2
            rest = rng.dirichlet(np.full(4, 0.3)) * (1 - sum(share.values()))
            share |= {f"subject{o}": rest[o] for o in range(4)}
            terms = [t for name, s in share.items() for t in rng.choice(words[name], size=int(round(100 * s)), p=weights[name])]
            units.append(ModellingUnit(f"d{len(units):03d}", 0, "en", tuple(terms)))
            dates.append(f"{month}-15")
    return units, dates, weights, words


@pytest.mark.slow  # ten seeded fits (five corpora, two priors): 20 s
def test_a_named_theme_keeps_to_its_seeds_company_not_the_register_they_appear_in():
    """With fewer free themes than subjects (K = 4 for six), a seeded theme whose non-seed
    words have the free topics' prior becomes the register (the archive's theme education
    did: xi_jinping, implement, persevere); the narrow prior keeps it the campaign. Measured
    over five corpora: 0 of 5 campaign themes with the free prior, 4 of 5 with the narrow
    one (the fifth, corpus 1, merges the campaign with a subject); asserted with one to spare."""
    campaign_like = {1.0: 0, NAMED_ETA_SHARE: 0}
    for seed in range(5):
        units, _, weights, words = _register_corpus(seed)
        seeds = tuple(np.asarray(words["campaign"])[np.argsort(-weights["campaign"])[:3]])
        bag = bag_of_words([u.terms for u in units])
        for share in campaign_like:
            top = SeededLDA(4, seeds={"campaign": seeds}, named_eta_share=share, random_state=7).fit(bag).top_terms(5)[0]
            campaign_like[share] += sum(t.startswith("camp") for t in top) >= 4
    assert campaign_like[1.0] <= 1 and campaign_like[NAMED_ETA_SHARE] >= 4, campaign_like


def test_a_narrow_named_theme_peaks_with_its_campaign_not_with_the_register():
    units, dates, weights, words = _register_corpus(0)
    seeds = tuple(np.asarray(words["campaign"])[np.argsort(-weights["campaign"])[:3]])
    fit = fit_named_themes(units, [NamedTheme("campaign", "Campaign", seeds)], n_free=3, n_chains=2, seed=7)
    articles = pd.DataFrame({"id": [u.article_id for u in units], "language": "en", "date": dates})
    tables = named_theme_tables(fit, articles, covariates=(), n_draws=50)
    assert set(peak_periods(tables["named_theme_periods"], "campaign", 2).period) == {"2023-04", "2023-05"}
    assert tables["named_themes"].evidence.iloc[0] == "strong"


# --- The named-themes file and the seed articles ---------------------------------------------------


def test_the_shipped_named_themes_are_glossary_concepts():
    names = [t.name for t in read_named_themes()]
    assert {"mass_line", "theme_education", "party_building", "clean_governance", "grassroots_organisation", "new_media"} <= set(names)


@pytest.mark.parametrize("row, problem", [
    ("mass\tMass\tmass_line|not_a_concept", "not in the glossary"),
    ("Mass Line\tMass\tmass_line", "snake_case"),
    ("a\tA\tmass_line\nb\tB\tmass_line", "seeds two themes"),
    ("a\tA\t", "no seed concepts"),
])
def test_a_bad_named_themes_file_is_an_error_naming_it(tmp_path, row, problem):
    path = tmp_path / "mine.tsv"
    path.write_text("name\tlabel\tconcepts\n" + row + "\n", encoding="utf-8")
    with pytest.raises(ResourceFileError, match=problem) as error:
        read_named_themes(path)
    assert str(path) in str(error.value)


#: The named themes of the seed-article run: two the seeds have, one they do not.
SEED_RUN_THEMES = ("name\tlabel\tconcepts\n"
                   "mass_line\tMass line\tmass_line|mass_line_educational_practice\n"
                   "party_building\tParty building\tparty_building\n"
                   "belt_and_road\tBelt and Road\tbelt_and_road\n")


@pytest.fixture(scope="module")
def seeds_named(tmp_path_factory):
    from polthemes.engines.named import run_named_themes
    from polthemes import read_corpus

    themes = tmp_path_factory.mktemp("named") / "themes.tsv"
    themes.write_text(SEED_RUN_THEMES, encoding="utf-8")
    out = tmp_path_factory.mktemp("named-run") / "seeds-named"
    articles = read_corpus(SEEDS_DIR).articles
    return run_named_themes(articles, out_dir=out, themes=themes, n_free=3, n_chains=2, workers=1), articles, out


def test_on_the_seed_articles_every_article_gets_a_share_with_an_interval_in_both_languages(seeds_named):
    run, articles, out = seeds_named
    shares = run.tables["named_theme_shares"]
    assert set(shares.id) == {a.id for a in articles}
    assert set(shares.language) == {"en", "zh"}
    assert ((shares.lower <= shares.share) & (shares.share <= shares.upper) & (shares.upper <= 1)).all()
    overview = run.tables["named_themes"].set_index("name")
    assert overview.loc["belt_and_road", "status"].startswith("absent")  # no seed article mentions it
    assert overview.loc["mass_line", "seed_tokens"] > 0


def test_on_the_seed_articles_an_effect_of_language_is_reported_as_unsupported(seeds_named):
    run, _, _ = seeds_named
    effects = run.tables["named_theme_effects"]
    language = effects[effects.covariate == "language"]
    assert len(language) == 2 and not language.supported.any()
    assert language.note.str.contains("cannot support an effect").all()


def test_a_named_run_reloads_from_its_folder(seeds_named):
    from polthemes.engines.named import load_named_run

    run, _, out = seeds_named
    loaded = load_named_run(out)
    assert loaded.manifest["named_themes"]["absent"] == ["belt_and_road"]
    pd.testing.assert_frame_equal(loaded.tables["named_theme_shares"][["id", "name"]], run.tables["named_theme_shares"][["id", "name"]])


def test_the_named_prior_is_a_parameter_the_manifest_records(seeds_named, tmp_path, capsys):
    """The free topics' prior on a named theme's other words (named_prior 1) lets party
    building hold more than its seeds on the seed articles; the default keeps it nearer them.
    Everything else is the fixture's run: the same themes, free themes, chains and seeds."""
    from polthemes.cli import main
    from polthemes.engines.named import run_named_themes

    run, articles, _ = seeds_named
    themes = tmp_path / "themes.tsv"
    themes.write_text(SEED_RUN_THEMES, encoding="utf-8")
    broad = run_named_themes(articles, themes=themes, n_free=3, n_chains=2, workers=1, named_prior=1.0)
    assert run.manifest["model"]["named_prior"] == NAMED_ETA_SHARE and broad.manifest["model"]["named_prior"] == 1.0

    def held(r):
        return r.tables["named_themes"].set_index("name").loc["party_building", ["theme_tokens", "seed_share"]]

    assert held(broad).theme_tokens > 2 * held(run).theme_tokens and held(broad).seed_share < held(run).seed_share
    with pytest.raises(ValueError, match="named_prior"):
        fit_named_themes([], [], named_prior=0)
    with pytest.raises(SystemExit):
        main(["named", "--help"])
    assert f"default: {NAMED_ETA_SHARE};" in " ".join(capsys.readouterr().out.split())  # the help names the real default


def test_the_named_figures_say_which_themes_rest_on_weak_evidence(seeds_named):
    """Whether a figure shows each article (the seeds) or only the corpus means (an archive),
    and over time, a weak theme's label says so; a strong one's does not."""
    from polthemes.report.named_plots import plot_named_theme_shares, plot_named_themes_over_time

    run, _, _ = seeds_named
    overview = run.tables["named_themes"]
    fitted = overview[overview.status == "fitted"]
    weak = set(fitted.label[fitted.evidence == "weak"])
    assert weak and weak != set(fitted.label), "the seeds give both kinds, or this test proves nothing"
    means = plot_named_theme_shares(run.tables["named_theme_shares"], overview, max_articles=2)
    ticks = [tick.get_text() for tick in means.axes[0].get_yticklabels()]
    over_time = plot_named_themes_over_time(run.tables["named_theme_periods"], evidence=overview)
    legend = [text.get_text() for text in over_time.axes[0].get_legend().get_texts()]
    for labels in (ticks, legend):
        said = {label for label in fitted.label if any(t.startswith(label) and "weak evidence" in t for t in labels)}
        assert said == weak, labels
