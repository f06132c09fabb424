"""Measures of a run against known structure: bilingual alignment of document pairs."""

from polthemes.evaluation.alignment import AlignmentReport, document_pairs, measure_alignment

__all__ = ["AlignmentReport", "document_pairs", "measure_alignment"]
