"""Stage 4, themes: from fitted topics to the tables a researcher reads and cites.

``labels`` names each theme (bilingual top terms, or a hand label); ``shares`` rolls unit
mixtures up to articles, bootstraps their uncertainty and says which themes recur;
``passages`` quotes the units most devoted to each theme; ``tables`` builds every result
table from plain arrays, the same for the local and the Spark engine.
"""

from polthemes.themes.labels import read_label_overrides, theme_labels
from polthemes.themes.passages import representative_passages
from polthemes.themes.shares import PRESENT_SHARE, article_theme_matrix, bootstrap_article_themes, recurring_themes

__all__ = ["PRESENT_SHARE", "article_theme_matrix", "bootstrap_article_themes", "read_label_overrides",
           "recurring_themes", "representative_passages", "theme_labels"]
