"""Stage 6, report: figures from a run's tables.

``plots`` draws (never saves), ``figures`` builds a run's figures and saves them with a
provenance stamp and fixed metadata (so they are byte-identical), ``fonts`` registers
the CJK font a dependency ships, ``intertopic`` writes the pyLDAvis map, ``explorer`` the
theme explorer (one page per run that steps through its themes, with Plotly's charts).
"""

from polthemes.report.figures import save_figure, theme_figures

__all__ = ["save_figure", "theme_figures"]
