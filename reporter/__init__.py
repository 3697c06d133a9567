"""reporter: bilingual policy briefs from regional trade panels, one command from data to PDF.

The Python API (`reporter.analyse`, `reporter.run`, `reporter.Analysis`) lives in
reporter/api.py and is imported on first use, so `import reporter` stays light.
"""

__version__ = "0.1.0"
__all__ = ["Analysis", "__version__", "analyse", "run"]


def __getattr__(name: str):
    if name in ("analyse", "run", "Analysis"):
        from reporter import api

        return getattr(api, name)
    raise AttributeError(f"module 'reporter' has no attribute {name!r}")
