"""The Python API: what `reporter run` does, callable from a notebook or another program.

    import reporter
    study = reporter.analyse("study.toml")          # estimates and findings, no files
    study.findings()                                 # each with its sentence in zh and en
    study.tables("en")["baseline"]                   # a table of the brief as a DataFrame
    study.coefficients()                             # every model's estimates, tidy
    reporter.run("study.toml", output="output", formats=("pdf", "json"))

The CLI is a thin layer over the same pipeline; the results stay language-free
(`reporter.results.Results`), and `Analysis` adds the words and tables on request.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reporter.config import Config, load_config

if TYPE_CHECKING:
    import pandas as pd

    from reporter.results import Results


@dataclass(frozen=True)
class Analysis:
    """One study's results with its config: findings in words, tables, tidy estimates."""

    config: Config
    results: Results
    template_dirs: tuple[Path, ...]
    output: Path | None = None  # the folder `run` wrote, None after `analyse`
    files: tuple[str, ...] = field(default=())

    def findings(self) -> list[dict[str, Any]]:
        """Each finding: key, grade, model, variable, the numbers it cites (params) and its
        sentence in both languages (text), as results.json holds them."""
        return self._json()["findings"]

    def recommendations(self) -> list[dict[str, Any]]:
        """Each chosen recommendation: id, item and its text in both languages."""
        return self._json()["recommendations"]

    def to_json(self) -> str:
        """results.json, exactly as `run` writes it."""
        from reporter.render.brief import sentences
        from reporter.results import to_json

        return to_json(self.results, sentences(self.results, self.config, self.template_dirs))

    def tables(self, lang: str = "en") -> dict[str, pd.DataFrame]:
        """Every table of the brief in `lang`, keyed by id, as the brief shows it (text
        cells: stars, parentheses and dashes included); notes in `DataFrame.attrs`."""
        import pandas as pd

        from reporter.render.brief import translator
        from reporter.render.tables import build_tables

        t = translator(self.config, self.template_dirs, lang)
        out = {}
        for table_id, table in build_tables(self.results, self.config, t).items():
            columns = _unique([c.text or " " for c in table.header])
            rows = [[c.text + c.sup for c in row.cells] for row in table.rows]
            frame = pd.DataFrame(rows, columns=columns[:len(rows[0])] if rows else columns)
            frame.attrs.update(title=table.title, notes=list(table.notes))
            out[table_id] = frame
        return out

    def coefficients(self) -> pd.DataFrame:
        """Every model's coefficients as numbers: model, variable, estimate, std_error,
        stat, p_value, ci_low, ci_high, nobs and the covariance convention."""
        import pandas as pd

        rows = [{"model": m.id, "variable": name, "estimate": c.estimate,
                 "std_error": c.std_error, "stat": c.stat, "p_value": c.p_value,
                 "ci_low": c.ci_low, "ci_high": c.ci_high, "nobs": m.nobs,
                 "cov_type": m.cov_type}
                for m in self.results.models for name, c in m.coefficients.items()]
        return pd.DataFrame(rows)

    def _json(self) -> dict[str, Any]:
        import json

        return json.loads(self.to_json())


def _unique(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    return out


def _config(config: str | Path | Config | None) -> Config:
    return config if isinstance(config, Config) else load_config(config)


def analyse(config: str | Path | Config | None = None,
            templates: str | Path | None = None) -> Analysis:
    """Load, prepare, build indices, estimate and grade one study (no files written);
    `config` is a study file, a loaded Config or None for the bundled default study;
    `templates` an editor's folder for the wording of findings."""
    from reporter import pipeline

    study = _config(config)
    dirs = tuple(pipeline.template_folders(study, [Path(templates)] if templates else None))
    results = pipeline.analyse(study, pipeline.Timer(), rule_dirs=dirs)
    return Analysis(config=study, results=results, template_dirs=dirs)


def run(config: str | Path | Config | None = None, output: str | Path = "output",
        formats: Sequence[str] | None = None, langs: Sequence[str] = ("zh", "en"),
        templates: str | Path | None = None) -> Analysis:
    """What `reporter run` does: write OUTPUT/<study.id>/<study.year>/ atomically under
    its lock (the same errors, ReporterError subclasses with exit codes, as the CLI).
    `formats`: None for the study's `report.formats` (by default pdf and json)."""
    from reporter import pipeline
    from reporter.literals import LANGUAGES, OUTPUT_FORMATS

    for value, allowed, what in ((formats or (), OUTPUT_FORMATS, "formats"),
                                 (langs, LANGUAGES, "langs")):
        unknown = [v for v in value if v not in allowed]
        if unknown or isinstance(value, str):
            raise ValueError(f"{what}: {unknown or value!r}; choose from {allowed}")
    study = _config(config)
    extra = [Path(templates)] if templates else None
    summary = pipeline.run(study, output, tuple(langs),
                           tuple(formats) if formats is not None else None, extra)
    if summary.results is None:  # pragma: no cover - a run that returns has its results
        raise RuntimeError("the run returned no results")
    return Analysis(config=study, results=summary.results,
                    template_dirs=tuple(pipeline.template_folders(study, extra)),
                    output=summary.output, files=summary.files)
