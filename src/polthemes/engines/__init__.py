"""Stage 5, engines: two ways of running the same analysis, beside each other.

``local`` runs it in this process and its workers (:func:`run_analysis`); ``spark`` runs
it on Apache Spark for archives that outgrow one machine. Both build their tables with
:mod:`polthemes.themes` and write through :mod:`polthemes.results`; neither imports the other.
"""

from polthemes.engines.local import run_analysis

__all__ = ["run_analysis"]
