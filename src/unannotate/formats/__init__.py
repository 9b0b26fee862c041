"""Readers and writers of documents and interchange formats, on core types only."""
