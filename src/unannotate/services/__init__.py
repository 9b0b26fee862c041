"""Application services: the one place that wires storage, nlp and core together.

The window and the command line both go through these functions.
"""
