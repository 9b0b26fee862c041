"""unannotate: review entity and claim suggestions in documents, every decision kept."""

__version__ = "0.1.0"
