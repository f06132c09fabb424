"""How many chains found each theme: the support a reported theme has across random starts.

A Gibbs chain started from another seed lands in another optimum; a theme that only one
chain finds is that chain's accident, not a finding about the corpus. The K sweep already
fits several chains (seeds) at every K, so at the chosen K each theme of the reported
model is matched one to one (Hungarian, on top-term overlap: :func:`polthemes.selection.
match_topics`) against the topics of every other chain. A theme counts as *found* by a
chain when at least :data:`MIN_SHARED_TERMS` of its top terms are shared; its **support**
is the share of chains that found it (the reported chain included), its **agreement** the
mean matched overlap over the other chains. This is the anchor of gensim's EnsembleLda
(topics that recur across many models are the stable ones) applied to the chains a run
has already paid for.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from polthemes.models import TopicModel
from polthemes.selection import COHERENCE_TOP_N, match_topics

#: A chain has found a theme when this share of the theme's top terms are shared (matched).
MIN_SHARED_TERMS = 0.5
#: Below this support a theme is flagged: fewer than half of the chains found it.
MIN_SUPPORT = 0.5


def theme_support(
    reference: TopicModel, chains: Sequence[TopicModel], labels: Sequence[str], *, n: int = COHERENCE_TOP_N
) -> pd.DataFrame:
    """One row per theme of ``reference``: how many of ``chains`` (which may include the
    reference itself; it is counted once) found it, and how closely.

    Columns: ``theme, label, chains, found_by, support, agreement, lowest_overlap, supported``.
    With no other chain, ``support`` and ``agreement`` are empty (nothing was compared) and
    ``supported`` is False: one chain cannot support anything.
    """
    others = [chain for chain in chains if chain is not reference]
    reference_top = reference.top_terms(n)
    overlaps = np.zeros((len(reference_top), len(others)))
    for c, chain in enumerate(others):
        for i, j, overlap in match_topics(reference_top, chain.top_terms(n)):
            overlaps[i, c] = overlap
    rows = []
    for theme, label in enumerate(labels):
        found = 1 + int((overlaps[theme] >= MIN_SHARED_TERMS).sum()) if others else 1
        support = found / (len(others) + 1) if others else float("nan")
        rows.append(
            {
                "theme": theme,
                "label": label,
                "chains": len(others) + 1,
                "found_by": found,
                "support": round(support, 6) if others else support,
                "agreement": round(float(overlaps[theme].mean()), 6) if others else float("nan"),
                "lowest_overlap": round(float(overlaps[theme].min()), 6) if others else float("nan"),
                "supported": bool(others) and support >= MIN_SUPPORT,
            }
        )
    return pd.DataFrame(rows)


def support_line(row: pd.Series) -> str:
    """``found by 3 of 3 chains, agreement 0.72`` (or why it cannot be said) for printing."""
    if row.chains <= 1:
        return "one chain: support not measured"
    flag = "" if row.supported else "; fewer than half of the chains found it: treat as tentative"
    return f"found by {row.found_by} of {row.chains} chains, agreement {row.agreement:.2f}{flag}"
