"""Suggesters. The only package that imports spaCy."""
