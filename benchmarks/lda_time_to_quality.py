"""LDA time to quality: how long each backend takes to recover topics planted in a corpus.

Why: the project's default topic model is tomotopy's collapsed Gibbs sampler, stopped by
its own log-likelihood rule (:class:`polthemes.modelling.backends.TomotopyLDA`). That choice is only
sound if it reaches good topics at least as fast as the usual alternatives. On real text
nobody knows the true topics, so the corpora here are drawn from the LDA generative
process with known ("planted") topics, and quality is :func:`polthemes.modelling.synthetic.topic_recovery`
(mean cosine between planted and estimated topic-word distributions, matched one to one).

What, for each corpus size:

1. the default backend as the project runs it (``make_model("tomotopy")``): wall time of
   ``fit`` (which includes its own conversion of the corpus), iterations, recovery; on the
   summary size also with a few other model seeds, since one chain can settle with two
   planted topics merged and another split, whatever the run time;
2. tomotopy ``LDAModel`` itself, with the default's seed and priors, trained in increments:
   recovery against cumulative training time. It is the default's very chain (same
   topics after the same number of sweeps), so it shows what the default had at each
   point before it stopped, and what more sweeps would have brought;
3. gensim ``LdaModel`` (online variational Bayes) at its usual settings, read after each of
   an increasing number of passes of one run;
4. scikit-learn ``LatentDirichletAllocation``, online variational Bayes at its default
   mini-batch settings, read after each epoch. Not scikit-learn's default batch mode: a
   batch iteration is a full E-step over the corpus, and the first one on 20,000 documents
   took about a minute when tried, too slow for a curve within the time budget.

A backend's "best" is its highest recovery; its "time to best" is the training time of the
first checkpoint within ``BEST_MARGIN`` of that. Times exclude drawing the corpus and
converting it to each library's input format (reported apart). Everything runs on one core:
the thread variables below are set before numpy is imported, every library gets one worker,
and the script is meant to be started under ``taskset -c 1``.

Run from the project root (about 20 minutes for the default sizes)::

    taskset -c 1 .venv/bin/python benchmarks/lda_time_to_quality.py
"""

from __future__ import annotations

import os

for _variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_variable] = "1"

import argparse
import platform
import shlex
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import gensim
import numpy as np
import scipy
import sklearn
import tomotopy as tp
from gensim.models import LdaModel
from gensim.models.callbacks import Metric
from scipy import sparse
from scipy.optimize import linear_sum_assignment
from sklearn.decomposition import LatentDirichletAllocation

from polthemes.config import DEFAULT_SEED, PROJECT_ROOT
from polthemes.modelling.features import BagOfWords
from polthemes.modelling.backends import DEFAULT_ETA, TomotopyLDA, make_model
from polthemes.modelling.synthetic import topic_recovery

#: Checkpoints: total Gibbs sweeps for tomotopy, total passes (epochs) for gensim and sklearn.
TOMOTOPY_ITERATIONS = (10, 20, 30, 50, 70, 100, 150, 200)
PASSES = (1, 2, 3, 5, 7, 10, 15, 20)
#: A checkpoint within this much of a backend's highest recovery counts as reaching its best.
BEST_MARGIN = 0.005
#: The recovery the summary asks the default backend for.
TARGET_RECOVERY = 0.99
#: A planted topic counts as found when its matched estimated topic is at least this close.
FOUND_COSINE = 0.9
#: The corpus size the summary question is about.
SUMMARY_SIZE = 20_000
GENSIM_CHUNKSIZE = 2000
GENSIM_ITERATIONS = 50


@dataclass(frozen=True)
class CorpusParameters:
    """The generative process: theta ~ Dir(alpha), topic ~ theta, term ~ phi[topic], phi ~ Dir(eta)."""

    n_topics: int = 20
    n_terms: int = 5000
    document_length: int = 100
    alpha: float = 0.1
    eta: float = 0.01


@dataclass(frozen=True)
class Checkpoint:
    setting: str
    seconds: float  # cumulative training time
    recovery: float
    found: int  # planted topics matched at cosine >= FOUND_COSINE

    @classmethod
    def measure(cls, setting: str, seconds: float, estimated: np.ndarray, planted: np.ndarray) -> Checkpoint:
        return cls(setting, seconds, topic_recovery(estimated, planted), topics_found(estimated, planted))


@dataclass
class Run:
    """One backend on one corpus: its checkpoints and the conversion time kept out of them."""

    backend: str
    settings: str
    preparation_seconds: float
    checkpoints: list[Checkpoint] = field(default_factory=list)

    @property
    def best(self) -> float:
        return max(point.recovery for point in self.checkpoints)

    def first_reaching(self, recovery: float) -> Checkpoint | None:
        return next((point for point in self.checkpoints if point.recovery >= recovery), None)

    @property
    def time_to_best(self) -> Checkpoint:
        return next(point for point in self.checkpoints if point.recovery >= self.best - BEST_MARGIN)


@dataclass(frozen=True)
class SizeResult:
    n_documents: int
    n_tokens: int
    corpus_seconds: float
    default: Checkpoint
    seeds: dict[int, Checkpoint]  # the default backend with other model seeds
    curves: dict[str, Run]


def topics_found(estimated: np.ndarray, planted: np.ndarray) -> int:
    """Planted topics whose match (the one-to-one matching of ``topic_recovery``) has cosine >= FOUND_COSINE."""
    a = estimated / np.linalg.norm(estimated, axis=1, keepdims=True)
    b = planted / np.linalg.norm(planted, axis=1, keepdims=True)
    similarity = b @ a.T
    rows, columns = linear_sum_assignment(-similarity)
    return int((similarity[rows, columns] >= FOUND_COSINE).sum())


# --- corpus --------------------------------------------------------------------------------


def draw_corpus(n_documents: int, parameters: CorpusParameters, seed: int) -> tuple[np.ndarray, BagOfWords]:
    """Planted topics and a bag of words drawn from them, vectorised.

    The same generative process as :func:`polthemes.modelling.synthetic.planted_corpus`, which draws
    one document at a time in Python and takes about two minutes for 100,000 documents.
    The topics are its very first draw, so they are identical to
    ``planted_corpus(..., seed=seed).topics``; the documents are drawn topic by topic
    instead of document by document (same distribution, different random stream). Per
    document, the topic counts of its ``document_length`` tokens are multinomial(theta),
    which is what drawing each token's topic from theta and counting gives.
    """
    rng = np.random.default_rng(seed)
    vocabulary = tuple(f"w{j:05d}" for j in range(parameters.n_terms))
    topics = rng.dirichlet(np.full(parameters.n_terms, parameters.eta), size=parameters.n_topics)
    theta = rng.dirichlet(np.full(parameters.n_topics, parameters.alpha), size=n_documents)
    topic_counts = rng.multinomial(parameters.document_length, theta)
    rows, columns = [], []
    for k in range(parameters.n_topics):
        cumulative = np.cumsum(topics[k])
        draws = rng.random(topic_counts[:, k].sum()) * cumulative[-1]
        columns.append(np.minimum(np.searchsorted(cumulative, draws, side="right"), parameters.n_terms - 1))
        rows.append(np.repeat(np.arange(n_documents), topic_counts[:, k]))
    row_index, column_index = np.concatenate(rows), np.concatenate(columns)
    counts = sparse.csr_matrix(
        (np.ones(len(row_index), dtype=np.int64), (row_index, column_index)),
        shape=(n_documents, parameters.n_terms),
    )
    counts.sum_duplicates()
    counts.sort_indices()
    return topics, BagOfWords(vocabulary, counts)


# --- backends ------------------------------------------------------------------------------


def default_settings() -> str:
    """The default backend's priors and stopping-rule settings, read from the code being measured."""
    model = make_model("tomotopy")
    rule = ", ".join(
        f"{name}={value:,}" if isinstance(value, int) else f"{name}={value:g}"
        for name, value in vars(TomotopyLDA).items()
        if not name.startswith("_") and isinstance(value, (int, float))
    )
    return (
        f"alpha=1/K, eta={model.eta}, {model.workers} worker; stopping rule as in `TomotopyLDA` ({rule}); "
        "fit time includes its own conversion of the corpus"
    )


def fit_default(bag: BagOfWords, planted: np.ndarray, n_topics: int, seed: int) -> Checkpoint:
    """The project's default backend exactly as ``make_model`` gives it, stopping itself."""
    model = make_model("tomotopy", n_topics=n_topics, random_state=seed)
    start = time.perf_counter()
    model.fit(bag)
    seconds = time.perf_counter() - start
    return Checkpoint.measure(f"{model.n_iter_} iterations (stopped itself)", seconds, model.components_, planted)


def tomotopy_components(model: tp.LDAModel, vocabulary: Sequence[str]) -> np.ndarray:
    """Topic-word distributions in the planted vocabulary's column order (as TomotopyLDA builds them)."""
    column = {term: j for j, term in enumerate(vocabulary)}
    order = [column[term] for term in model.used_vocabs]
    components = np.zeros((model.k, len(vocabulary)))
    for k in range(model.k):
        components[k, order] = model.get_topic_word_dist(k)
    return components


def tomotopy_curve(bag: BagOfWords, planted: np.ndarray, n_topics: int, seed: int) -> Run:
    """tomotopy LDAModel trained in increments up to each of ``TOMOTOPY_ITERATIONS``."""
    start = time.perf_counter()
    model = tp.LDAModel(k=n_topics, alpha=1 / n_topics, eta=DEFAULT_ETA, seed=seed)
    for i in range(bag.n_documents):
        model.add_doc(bag.document_terms(i))
    run = Run(
        "tomotopy `LDAModel`",
        f"collapsed Gibbs, alpha=1/K, eta={DEFAULT_ETA}, seed as the default, workers=1, ParallelScheme.NONE, "
        "trained in increments",
        time.perf_counter() - start,
    )
    trained, seconds = 0, 0.0
    for total in TOMOTOPY_ITERATIONS:
        start = time.perf_counter()
        model.train(total - trained, workers=1, parallel=tp.ParallelScheme.NONE)
        seconds += time.perf_counter() - start
        trained = total
        run.checkpoints.append(Checkpoint.measure(f"{total} iterations", seconds, tomotopy_components(model, bag.vocabulary), planted))
    return run


class _GensimCheckpoints(Metric):
    """A gensim callback: at the end of the chosen passes, records cumulative training time
    (the callback's own time left out) and recovery. It only reads the topics, so the
    model after pass p is the one ``LdaModel(..., passes=p)`` would return."""

    logger = None
    title = "recovery"

    def __init__(self, run: Run, planted: np.ndarray, passes: Sequence[int]) -> None:
        self.run, self.planted, self.passes = run, planted, set(passes)
        self.completed = 0
        self.start = time.perf_counter()
        self.excluded = 0.0

    def get_value(self, model: LdaModel, **_: object) -> None:
        now = time.perf_counter()
        self.completed += 1
        if self.completed in self.passes:
            setting = f"{self.completed} pass{'es' if self.completed > 1 else ''}"
            self.run.checkpoints.append(Checkpoint.measure(setting, now - self.start - self.excluded, model.get_topics(), self.planted))
        self.excluded += time.perf_counter() - now


def gensim_curve(bag: BagOfWords, planted: np.ndarray, n_topics: int, seed: int, passes: Sequence[int]) -> Run:
    """gensim LdaModel trained once for ``max(passes)`` passes, read at each of ``passes``."""
    start = time.perf_counter()
    counts = bag.counts
    corpus = [
        list(zip(counts.indices[counts.indptr[i] : counts.indptr[i + 1]].tolist(), counts.data[counts.indptr[i] : counts.indptr[i + 1]].tolist()))
        for i in range(bag.n_documents)
    ]
    id2word = dict(enumerate(bag.vocabulary))
    run = Run(
        "gensim `LdaModel`",
        f"online VB, chunksize={GENSIM_CHUNKSIZE}, iterations={GENSIM_ITERATIONS}, update_every=1, decay=0.5, offset=1, "
        f"alpha=1/K, eta={DEFAULT_ETA}, eval_every=None; one run of {max(passes)} passes, read after each checkpoint pass "
        "by a callback (identical topics to a separate fit with that many passes)",
        time.perf_counter() - start,
    )
    checkpoints = _GensimCheckpoints(run, planted, passes)
    LdaModel(
        corpus=corpus,
        id2word=id2word,
        num_topics=n_topics,
        alpha=np.full(n_topics, 1 / n_topics),
        eta=DEFAULT_ETA,
        chunksize=GENSIM_CHUNKSIZE,
        iterations=GENSIM_ITERATIONS,
        passes=max(passes),
        eval_every=None,
        random_state=seed,
        callbacks=[checkpoints],
    )
    return run


def sklearn_curve(bag: BagOfWords, planted: np.ndarray, n_topics: int, seed: int, epochs: Sequence[int]) -> Run:
    """scikit-learn online LDA, one ``partial_fit`` per epoch, read at each of ``epochs``.

    With ``total_samples`` set to the corpus size, ``partial_fit`` over the corpus is the
    epoch ``fit(learning_method="online")`` makes, so after e epochs the topics are those
    of ``fit`` with ``max_iter=e`` (without fit's closing perplexity pass).
    """
    start = time.perf_counter()
    counts = bag.counts.astype(np.float64)
    model = LatentDirichletAllocation(
        n_components=n_topics,
        doc_topic_prior=1 / n_topics,
        topic_word_prior=DEFAULT_ETA,
        learning_method="online",
        total_samples=bag.n_documents,
        random_state=seed,
        n_jobs=1,
    )
    run = Run(
        "scikit-learn `LatentDirichletAllocation`",
        f"learning_method='online' (its default is 'batch': too slow here, see the script), otherwise defaults "
        f"(batch_size={model.batch_size}, learning_decay={model.learning_decay}, learning_offset={model.learning_offset:g}, "
        f"max_doc_update_iter={model.max_doc_update_iter}), doc_topic_prior=1/K, topic_word_prior={DEFAULT_ETA}, n_jobs=1; "
        "partial_fit once per epoch (identical topics to fit with max_iter=epochs)",
        time.perf_counter() - start,
    )
    seconds = 0.0
    for epoch in range(1, max(epochs) + 1):
        start = time.perf_counter()
        model.partial_fit(counts)
        seconds += time.perf_counter() - start
        if epoch in epochs:
            run.checkpoints.append(Checkpoint.measure(f"{epoch} epoch{'s' if epoch > 1 else ''}", seconds, model.components_, planted))
    return run


# --- report --------------------------------------------------------------------------------


def machine_lines() -> list[str]:
    """CPU, cores, RAM, libraries and the code version, as markdown list items."""
    cpuinfo = Path("/proc/cpuinfo").read_text().splitlines()
    cpu = next((line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")), platform.processor())
    memory_kib = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal"))

    def git(*arguments: str) -> str:
        return subprocess.run(["git", *arguments], cwd=PROJECT_ROOT, capture_output=True, text=True).stdout.strip()

    dirty = " with uncommitted changes in the checkout" if git("status", "--porcelain") else ""
    return [
        f"- Date: {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC",
        f"- CPU: {cpu}; {os.cpu_count()} cores, this process pinned to core(s) {', '.join(map(str, sorted(os.sched_getaffinity(0))))}",
        f"- RAM: {memory_kib / 2**20:.1f} GiB",
        f"- OS: {platform.platform()}",
        f"- Python {platform.python_version()}; tomotopy {tp.__version__} ({tp.isa}), gensim {gensim.__version__}, "
        f"scikit-learn {sklearn.__version__}, numpy {np.__version__}, scipy {scipy.__version__}",
        f"- Code: git {git('rev-parse', '--short', 'HEAD')}{dirty}",
    ]


def seconds(value: float) -> str:
    return f"{value:.1f}" if value >= 10 else f"{value:.2f}"


def size_section(result: SizeResult, cap: int | None, default_settings_text: str) -> list[str]:
    lines = [
        f"## {result.n_documents:,} documents ({result.n_tokens:,} tokens)",
        "",
        f"Drawing the corpus took {seconds(result.corpus_seconds)} s (in no time below).",
    ]
    if cap is not None:
        lines.append(f"**gensim and scikit-learn were capped at {cap} passes/epochs at this size** (time budget); their best is the best within the cap.")
    lines += [
        "",
        f"| backend | setting | training time (s) | recovery | topics found (cos >= {FOUND_COSINE}) | |",
        "|---|---|---:|---:|---:|---|",
        f"| default (`make_model(\"tomotopy\")`) | {result.default.setting} | {seconds(result.default.seconds)} | "
        f"{result.default.recovery:.4f} | {result.default.found} | |",
    ]
    for run in result.curves.values():
        for point in run.checkpoints:
            mark = f"time to best (best {run.best:.4f})" if point is run.time_to_best else ""
            lines.append(f"| {run.backend} | {point.setting} | {seconds(point.seconds)} | {point.recovery:.4f} | {point.found} | {mark} |")
    if result.seeds:
        lines += [
            "",
            "The default backend with other model seeds, same corpus:",
            "",
            "| model seed | setting | fit time (s) | recovery | topics found |",
            "|---:|---|---:|---:|---:|",
        ]
        lines += [f"| {seed} | {point.setting} | {seconds(point.seconds)} | {point.recovery:.4f} | {point.found} |" for seed, point in result.seeds.items()]
    lines += ["", "Settings, and conversion of the corpus to each library's input (in no time above):", ""]
    lines.append(f"- default: {default_settings_text}.")
    lines += [f"- {run.backend}: {run.settings}; conversion {seconds(run.preparation_seconds)} s." for run in result.curves.values()]
    return lines + [""]


def summary_section(results: Sequence[SizeResult], n_topics: int) -> list[str]:
    lines = [
        "## Summary",
        "",
        f"Time to best: training time of the first checkpoint within {BEST_MARGIN} of the backend's highest recovery. "
        "The tomotopy chain is the default's own chain (same seed and priors), read at fixed iteration counts; "
        "\"at gensim's best\" is its first checkpoint with at least gensim's best recovery, a quality-matched comparison. "
        "Ratios: gensim's time to best divided by the default's fit time, and by the chain's time to gensim's best.",
        "",
        f"| documents | default: fit time, iterations, recovery, topics found | tomotopy chain: first >= {TARGET_RECOVERY} | "
        "tomotopy chain: at gensim's best | gensim: best, time to best | scikit-learn: best, time to best | "
        "ratio gensim / default | ratio gensim / chain at gensim's best |",
        "|---:|---|---|---|---|---|---:|---:|",
    ]
    for result in results:
        default, curves = result.default, result.curves
        gensim_best = curves["gensim"].time_to_best
        chain = {"target": curves["tomotopy"].first_reaching(TARGET_RECOVERY), "gensim": curves["tomotopy"].first_reaching(curves["gensim"].best)}
        chain_text = {name: f"{point.setting}, {seconds(point.seconds)} s" if point else "not reached" for name, point in chain.items()}
        best = {name: f"{run.best:.4f} at {run.time_to_best.setting}, {seconds(run.time_to_best.seconds)} s" for name, run in curves.items()}
        matched_ratio = f"{gensim_best.seconds / chain['gensim'].seconds:.1f}" if chain["gensim"] else "n/a"
        lines.append(
            f"| {result.n_documents:,} | {seconds(default.seconds)} s, {default.setting}, {default.recovery:.4f}, "
            f"{default.found}/{n_topics} | {chain_text['target']} | {chain_text['gensim']} | {best['gensim']} | {best['sklearn']} | "
            f"{gensim_best.seconds / default.seconds:.2f} | {matched_ratio} |"
        )
    lines.append("")
    result = next((result for result in results if result.n_documents == SUMMARY_SIZE), None)
    if result is not None:
        default, gensim_run = result.default, result.curves["gensim"]
        gensim_best = gensim_run.time_to_best
        reaches = default.recovery >= TARGET_RECOVERY
        faster = default.seconds < gensim_best.seconds
        lines += [
            f"**On {SUMMARY_SIZE:,} documents**, does the default backend reach recovery >= {TARGET_RECOVERY}, and in less "
            f"time than gensim `LdaModel` takes to reach its own best? Recovery: **{'yes' if reaches else 'no'}**, "
            f"{default.recovery:.4f} ({default.found} of {n_topics} planted topics found) after {default.setting}. "
            f"Time: **{'yes' if faster else 'no'}**, {seconds(default.seconds)} s (including about "
            f"{seconds(result.curves['tomotopy'].preparation_seconds)} s of corpus conversion) against gensim's "
            f"{seconds(gensim_best.seconds)} s to its best ({gensim_run.best:.4f}, {gensim_best.setting}): "
            f"ratio gensim time to best / default time = **{gensim_best.seconds / default.seconds:.2f}**.",
            "",
        ]
        if result.seeds:
            points = [default, *result.seeds.values()]
            recoveries, times = [p.recovery for p in points], [p.seconds for p in points]
            lines += [
                f"Across {len(points)} model seeds on this corpus the default reaches >= {TARGET_RECOVERY} with "
                f"{sum(r >= TARGET_RECOVERY for r in recoveries)}: recovery {min(recoveries):.4f} to {max(recoveries):.4f}, "
                f"fit time {seconds(min(times))} to {seconds(max(times))} s (table under {SUMMARY_SIZE:,} documents).",
                "",
            ]
    return lines


def render(
    results: Sequence[SizeResult],
    parameters: CorpusParameters,
    seed: int,
    caps: dict[int, int],
    machine: Sequence[str],
) -> str:
    lines = [
        "# LDA time to quality on corpora with planted topics",
        "",
        f"Written by `{shlex.join(['benchmarks/lda_time_to_quality.py', *sys.argv[1:]])}`; see its docstring for what and why. "
        "Quality is `polthemes.modelling.synthetic.topic_recovery`: mean cosine between planted and estimated topic-word "
        f"distributions, matched one to one (Hungarian); \"topics found\" counts matched pairs at cosine >= {FOUND_COSINE}. "
        "Times are training only, on one core: OMP/OPENBLAS/MKL_NUM_THREADS=1, one worker/job per library, the process "
        "pinned to one core with `taskset` (the machine's other core was busy with other work).",
        "",
        "## Machine",
        "",
        *machine,
        "",
        "## Parameters",
        "",
        f"- Corpora: K={parameters.n_topics} planted topics, {parameters.n_terms:,}-term vocabulary, "
        f"{parameters.document_length} tokens per document, document-topic alpha={parameters.alpha}, "
        f"topic-word eta={parameters.eta}, seed {seed}; drawn by the script's vectorised `draw_corpus` "
        "(the generative process of `polthemes.modelling.synthetic.planted_corpus`, and the same planted topics for the same seed).",
        f"- Every model: K={parameters.n_topics}, alpha=1/K={1 / parameters.n_topics:g}, eta={DEFAULT_ETA}, seed {seed}.",
        f"- Checkpoints: tomotopy after {', '.join(map(str, TOMOTOPY_ITERATIONS))} iterations in all; "
        f"gensim and scikit-learn after {', '.join(map(str, PASSES))} passes/epochs"
        + "".join(f"; **capped at {cap} for {n:,} documents**" for n, cap in caps.items())
        + ".",
        "",
        *summary_section(results, parameters.n_topics),
    ]
    settings = default_settings()
    for result in results:
        lines += size_section(result, caps.get(result.n_documents), settings)
    return "\n".join(lines)


# --- main ----------------------------------------------------------------------------------


def run_size(
    n_documents: int,
    parameters: CorpusParameters,
    seed: int,
    passes: Sequence[int],
    other_seeds: Sequence[int],
    log: Callable[[str], None],
) -> SizeResult:
    """Everything measured on one corpus size."""
    start = time.perf_counter()
    planted, bag = draw_corpus(n_documents, parameters, seed)
    corpus_seconds = time.perf_counter() - start
    log(f"{n_documents:,} documents drawn in {corpus_seconds:.1f} s")

    def describe(point: Checkpoint) -> str:
        return f"{point.setting}: {point.seconds:.1f} s, recovery {point.recovery:.4f}, {point.found} found"

    default = fit_default(bag, planted, parameters.n_topics, seed)
    log(f"  default, seed {seed}: {describe(default)}")
    seeds = {}
    for other in other_seeds:
        seeds[other] = fit_default(bag, planted, parameters.n_topics, other)
        log(f"  default, seed {other}: {describe(seeds[other])}")
    curves = {}
    for name, curve in (
        ("tomotopy", lambda: tomotopy_curve(bag, planted, parameters.n_topics, seed)),
        ("gensim", lambda: gensim_curve(bag, planted, parameters.n_topics, seed, passes)),
        ("sklearn", lambda: sklearn_curve(bag, planted, parameters.n_topics, seed, passes)),
    ):
        curves[name] = curve()
        log(f"  {name} (conversion {curves[name].preparation_seconds:.1f} s)")
        for point in curves[name].checkpoints:
            log(f"    {describe(point)}")
    return SizeResult(n_documents, int(bag.counts.sum()), corpus_seconds, default, seeds, curves)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="2000,20000,100000", help="corpus sizes in documents, comma-separated")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "lda_time_to_quality.md")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="seed of the corpora and of every model")
    parser.add_argument(
        "--caps",
        default="100000:5",
        help="SIZE:PASSES pairs, comma-separated: at most PASSES gensim passes / sklearn epochs at SIZE documents ('' for none)",
    )
    parser.add_argument(
        "--other-seeds",
        type=int,
        default=4,
        help=f"how many more model seeds the default backend is fitted with on {SUMMARY_SIZE:,} documents",
    )
    arguments = parser.parse_args()
    sizes = [int(size) for size in arguments.sizes.split(",")]
    caps = {int(n): int(cap) for n, cap in (pair.split(":") for pair in arguments.caps.split(",") if pair) if int(n) in sizes}
    parameters = CorpusParameters()
    machine = machine_lines()  # at the start: the code measured is the code checked out now
    began = time.perf_counter()

    def log(message: str) -> None:
        print(f"[{time.perf_counter() - began:7.1f} s] {message}", flush=True)

    arguments.out.parent.mkdir(parents=True, exist_ok=True)
    results: list[SizeResult] = []
    for n_documents in sizes:
        passes = [p for p in PASSES if p <= caps.get(n_documents, max(PASSES))]
        other_seeds = range(arguments.seed + 1, arguments.seed + 1 + arguments.other_seeds) if n_documents == SUMMARY_SIZE else []
        results.append(run_size(n_documents, parameters, arguments.seed, passes, other_seeds, log))
        staging = arguments.out.with_suffix(".tmp")
        staging.write_text(render(results, parameters, arguments.seed, caps, machine))
        staging.replace(arguments.out)  # atomic: a reader never sees half a table
        log(f"written {arguments.out}")
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from collect_results import collect

    collect()


if __name__ == "__main__":
    main()
