"""Veille: e-reputation monitoring and sentiment analytics for blogs and forums.

This package is the application (the command line, the pipeline, the demo) and holds the
core (veille/core/) that the stages import."""
