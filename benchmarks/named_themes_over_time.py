"""Named themes over time on the Xinwen Lianbo archive: does 主题教育 peak in 2023?

Issue 17's check against a known event: the Party's theme-education campaign (学习贯彻习近平
新时代中国特色社会主义思想主题教育) opened in April 2023 and ran in two batches to early
2024, so the named theme ``theme_education`` (seeded with the glossary concept 主题教育 and the
campaign's own tasks, see ``resources/named_themes.tsv``) should peak in 2023. The baseline in the same run is the text itself: how many archive items
mention 主题教育 in each month, counted on the raw text with no model at all. The model's
monthly prevalence (mean share with its 95% interval, stm's method of composition) should
put its peak months where the mentions are.

Runs :func:`polthemes.jobs.named_themes` on the archive (``--sample N`` for a seeded
random sample), writes ``benchmarks/results/named_themes_over_time.md`` and the named-theme
figures into a temporary folder (``--figures DIR`` to keep them). The archive lives in
``../shared/corpora/`` and is never copied into the project; when it is absent the script
says so and exits with status 0 without writing a result.
"""

from __future__ import annotations

import argparse
import collections
import gzip
import json
import platform
import resource
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
ARCHIVE = HERE.parent.parent / "shared" / "corpora" / "xinwen_lianbo_2022_2026.jsonl.gz"
CAMPAIGN = "主题教育"
THEME = "theme_education"
TOP_MONTHS = 6


def mentions_by_month(archive: Path, word: str = CAMPAIGN) -> collections.Counter:
    """Items whose title or text contains ``word``, per ``YYYY-MM`` (the model-free baseline)."""
    counts: collections.Counter = collections.Counter()
    with gzip.open(archive, "rt", encoding="utf-8") as lines:
        for line in lines:
            item = json.loads(line)
            if word in (item.get("title") or "") + (item.get("text") or ""):
                counts[str(item.get("date") or "")[:7]] += 1
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--archive", type=Path, default=ARCHIVE)
    parser.add_argument("--sample", type=int, default=None, help="model a seeded random sample of this many items")
    parser.add_argument("--free", type=int, default=None, help="free themes beside the named ones (default: the project's)")
    parser.add_argument("--chains", type=int, default=None, help="seeded chains (default: the project's)")
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--figures", type=Path, default=None, help="keep the named-theme figures in this folder")
    parser.add_argument("--out", type=Path, default=HERE / "results" / "named_themes_over_time.md")
    args = parser.parse_args(argv)
    if not args.archive.exists():
        print(f"{args.archive}: not found; this benchmark needs the Xinwen Lianbo archive in ../shared/corpora/ "
              "(the research group's checkout has it, a public clone does not). Nothing measured.")
        return 0

    from polthemes.jobs import named_theme_figures, named_themes
    from polthemes.themes.named import peak_periods

    mentions = mentions_by_month(args.archive)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as scratch:
        run = named_themes(args.archive, Path(scratch) / "named", sample=args.sample, period="month",
                           n_free=args.free, n_chains=args.chains, workers=args.workers)
        wall_s = time.perf_counter() - started
        named_theme_figures(run, args.figures or Path(scratch) / "figures")
    peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    themes = run.tables["named_themes"]
    periods = run.tables["named_theme_periods"]
    ranked = peak_periods(periods, THEME)
    peak = ranked.iloc[0]
    # Months whose interval overlaps the peak's: the data cannot tell them from the peak.
    tied = ranked[ranked["upper"] >= peak["lower"]]
    by_year = ranked.assign(year=ranked["period"].str[:4]).groupby("year")["estimate"].mean()
    mention_top = [month for month, _ in mentions.most_common(TOP_MONTHS)]
    model_top = list(ranked["period"].head(TOP_MONTHS))
    command = "python benchmarks/named_themes_over_time.py" + "".join(
        f" --{flag} {value}" for flag, value in (("sample", args.sample), ("free", args.free), ("chains", args.chains)) if value)
    lines = [
        "# Named themes over time on the Xinwen Lianbo archive (issue 17)",
        "",
        f"Measured {datetime.now(timezone.utc):%Y-%m-%d} on {platform.machine()}, Python {platform.python_version()}, "
        f"`{command}`: {run.manifest['corpus']['articles']} items"
        + (f" (a seeded sample of {args.sample})" if args.sample else " (the whole archive)")
        + f" modelled by {run.manifest['resolved_unit']}, {len(run.manifest['named_themes']['fitted'])} named themes "
        f"plus {run.manifest['model']['free_themes']} free themes, {run.manifest['model']['chains']} chains; "
        f"{wall_s:.0f} s wall, peak memory {peak_rss_mb:.0f} MB (parent).",
        "",
        f"**Baseline (no model):** items mentioning {CAMPAIGN}, per month, top {TOP_MONTHS}: "
        + ", ".join(f"{month} ({mentions[month]})" for month in mention_top)
        + f"; {sum(mentions.values())} items in all, {sum(n for m, n in mentions.items() if m.startswith('2023'))} of them in 2023.",
        "",
        f"**Model:** `{THEME}`'s monthly prevalence peaks in **{peak['period']}** "
        f"({peak['estimate']:.3f} [{peak['lower']:.3f}, {peak['upper']:.3f}]); its top {TOP_MONTHS} months: "
        + ", ".join(f"{row.period} ({row.estimate:.3f})" for row in ranked.head(TOP_MONTHS).itertuples())
        + f". {len(tied)} months have an interval reaching the peak's lower bound"
        + f" ({', '.join(tied['period'].head(12))}{', ...' if len(tied) > 12 else ''}).",
        "",
        f"Peak in 2023: **{'yes' if str(peak['period']).startswith('2023') else 'NO'}**; "
        f"top months shared with the mention counts: {len(set(model_top) & set(mention_top))} of {TOP_MONTHS}.",
        "",
        "Mean monthly prevalence by year: " + ", ".join(f"{year} {value:.3f}" for year, value in by_year.items()) + ".",
        "",
        "| named theme | evidence | seed tokens | mean share [95%] | peak month |",
        "| --- | --- | --- | --- | --- |",
    ]
    for theme in themes.itertuples():
        top = peak_periods(periods, theme.name, 1) if theme.status == "fitted" else periods.iloc[0:0]
        peak_month = f"{top.iloc[0]['period']} ({top.iloc[0]['estimate']:.3f})" if len(top) else "-"
        share = f"{theme.mean_share:.3f} [{theme.lower:.3f}, {theme.upper:.3f}]" if theme.status == "fitted" else theme.status
        lines.append(f"| {theme.name} | {theme.evidence} | {theme.seed_tokens} | {share} | {peak_month} |")
    sys.path.insert(0, str(HERE))
    from collect_results import write_result

    write_result(args.out, lines)
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
