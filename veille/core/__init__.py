"""Veille's core: what every stage shares and that imports no stage.

The Mention record (record.py), the config files' schema and their YAML reader with its
line index (config.py), what a crawl reports (crawl_result.py), the VEILLE_* variables
(settings.py), where the data lives (home.py) and progress output (progress.py).
The stages (crawlers/, nlp/, warehouse/) import this package and their own modules only;
the application (veille/cli/, veille/pipeline.py, veille/demo/) composes them. The
layers are written down and checked in .importlinter (`make check`).
"""

__version__ = "0.1.0"
