"""reporter: bilingual policy briefs from regional trade panels, one command from data to PDF."""

__version__ = "0.1.0"
