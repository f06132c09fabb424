"""Saving figures deterministically, and regenerating every figure of the project.

Matplotlib stamps files with creation dates and random SVG ids by default; both are
pinned here so regenerating a figure from the same data gives byte-identical files.
"""

from __future__ import annotations

import io
from pathlib import Path

import matplotlib
from matplotlib.figure import Figure

from polthemes.config import FIGURES_DIR, RAW_DIR
from polthemes.corpus import read_corpus
from polthemes.outputs import write_bytes_atomic
from polthemes.plots import plot_corpus_overview

#: Formats written for every figure: PNG to look at, SVG to edit or print.
FIGURE_FORMATS = ("png", "svg")
_FIXED_METADATA = {"png": {"Software": None}, "svg": {"Date": None, "Creator": None}}


def save_figure(figure: Figure, name: str, directory: str | Path = FIGURES_DIR) -> list[Path]:
    """Write ``figure`` as ``<name>.png`` and ``<name>.svg``; return the paths written."""
    written = []
    with matplotlib.rc_context({"svg.hashsalt": name, "svg.fonttype": "path"}):
        for extension in FIGURE_FORMATS:
            buffer = io.BytesIO()
            figure.savefig(buffer, format=extension, dpi=150, metadata=_FIXED_METADATA[extension])
            written.append(write_bytes_atomic(Path(directory) / f"{name}.{extension}", buffer.getvalue()))
    return written


def regenerate_figures(corpus: str | Path = RAW_DIR, directory: str | Path = FIGURES_DIR) -> list[Path]:
    """Rebuild every figure from ``corpus`` into ``directory``; return the files written."""
    report = read_corpus(corpus)
    return save_figure(plot_corpus_overview(report), "corpus_overview", directory)
