"""Veille: e-reputation monitoring and sentiment analytics for blogs and forums."""

__version__ = "0.1.0"
