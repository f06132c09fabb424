"""Stage 3, modelling: terms to topics, K chosen, chains agreed.

``units`` cuts articles into modelling units (article, paragraph, window);
``features`` counts them (bag of words, TF-IDF); ``backends`` are the topic models
(tomotopy, gensim, scikit-learn LDA, NMF) behind one :class:`TopicModel` interface;
``coherence`` scores topics (NPMI); ``matching`` is the one Hungarian matching of topics
between runs; ``selection`` sweeps K over several chains and applies the K rule;
``consensus`` turns the chains at the chosen K into one set of themes; ``synthetic``
plants corpora with known topics for tests and benchmarks.
"""

from polthemes.modelling.backends import TopicModel, make_model, top_terms_per_topic
from polthemes.modelling.consensus import ConsensusTopics, consensus_model, theme_support
from polthemes.modelling.features import BagOfWords, bag_of_words
from polthemes.modelling.selection import KSelection, sweep_k
from polthemes.modelling.units import ModellingUnit, modelling_units

__all__ = ["BagOfWords", "ConsensusTopics", "KSelection", "ModellingUnit", "TopicModel", "bag_of_words",
           "consensus_model", "make_model", "modelling_units", "sweep_k", "theme_support", "top_terms_per_topic"]
