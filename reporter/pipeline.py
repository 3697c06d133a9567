"""One run: config → load → prepare → battery → findings → render → write, timed per stage."""

from __future__ import annotations

import datetime as dt
import os
import platform
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from reporter import __version__
from reporter.battery import run_battery
from reporter.config import Config, load_config
from reporter.findings import findings
from reporter.load import Panel, load_panel
from reporter.prepare import prepare
from reporter.results import DataSummary, PrepStep, Results, to_json
from reporter.write import Staging, inventory, sha256_file, write_json

DEFAULT_LANGS = ("zh", "en")
DEFAULT_FORMATS = ("pdf", "json")
_VERSIONED = ("numpy", "pandas", "scipy", "matplotlib", "jinja2", "weasyprint")


@dataclass
class Timer:
    """Wall time per stage, for the manifest and the benchmarks."""

    seconds: dict[str, float] = field(default_factory=dict)
    on_stage: Callable[[str], None] | None = None

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        if self.on_stage is not None:
            self.on_stage(name)
        start = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] = round(time.perf_counter() - start, 4)


@dataclass(frozen=True)
class RunSummary:
    output: Path
    files: tuple[str, ...]
    seconds: dict[str, float]


def created_at() -> dt.datetime:
    """Now, or SOURCE_DATE_EPOCH when set, so builds can be reproducible."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC)
    return dt.datetime.now(tz=dt.UTC).replace(microsecond=0)


def versions() -> dict[str, str]:
    out = {"reporter": __version__, "python": platform.python_version()}
    for name in _VERSIONED:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def validate(config_path: str | Path | None) -> tuple[Config, Panel, tuple[PrepStep, ...]]:
    """Check config and data without estimating or rendering (`reporter validate`)."""
    config = load_config(config_path)
    panel = load_panel(config)
    prepared, steps = prepare(panel, config)
    return config, prepared, steps


def analyse(config: Config, timer: Timer) -> Results:
    """Everything up to the language-free results."""
    with timer.stage("load"):
        panel = load_panel(config)
    with timer.stage("prepare"):
        panel, steps = prepare(panel, config)
    with timer.stage("battery"):
        battery = run_battery(panel, config)
    with timer.stage("findings"):
        graded, recommended = findings(battery.models, battery.status, config,
                                       tests=battery.tests, sensitivity=battery.sensitivity,
                                       vif=battery.vif)
    model = config.model
    study = {"id": config.study.id, "year": config.study.year,
             "title": {"zh": config.study.title.zh, "en": config.study.title.en},
             "region": {"zh": config.study.region.zh, "en": config.study.region.en},
             "dependent": model.dependent, "core": model.core, "controls": list(model.controls),
             "moderators": list(model.moderators), "instruments": list(model.instruments),
             "cluster": model.cluster, "illustrative": config.study.illustrative}
    periods = panel.periods
    data = DataSummary(nobs=len(panel.frame), n_entities=len(panel.entities),
                       n_periods=len(periods), balanced=panel.balanced, sha256=panel.sha256,
                       first_year=periods[0], last_year=periods[-1], encoding=panel.encoding,
                       file=panel.path.name)
    return Results(study=study, data=data, preparation=steps,
                   descriptives=battery.descriptives, correlations=battery.correlations,
                   vif=battery.vif, tests=battery.tests, models=battery.models,
                   status=battery.status, selection=battery.selection,
                   sensitivity=battery.sensitivity, findings=graded,
                   recommendations=recommended)


def run(config_path: str | Path | None = None, output_root: str | Path = "output",
        langs: Sequence[str] = DEFAULT_LANGS, formats: Sequence[str] = DEFAULT_FORMATS,
        template_dirs: Sequence[Path] | None = None,
        on_stage: Callable[[str], None] | None = None) -> RunSummary:
    """The whole job: write OUTPUT/<study.id>/<study.year>/ atomically."""
    from reporter.render.brief import render_brief
    from reporter.render.html import DEFAULT_TEMPLATES
    from reporter.render.pdf import write_pdf

    timer = Timer(on_stage=on_stage)
    with timer.stage("config"):
        config = load_config(config_path)
    results = analyse(config, timer)
    dirs = [Path(d).resolve() for d in (template_dirs or [])] + [DEFAULT_TEMPLATES]
    target = Path(output_root).resolve() / config.study.id / str(config.study.year)
    stamp = created_at()
    meta = {"version": __version__, "created": stamp.isoformat(),
            "date": stamp.date().isoformat(), "versions": versions(),
            "cov_type": results.models[0].cov_type if results.models else ""}
    warnings: dict[str, list[str]] = {}

    with Staging(target) as staging:
        folder = staging.path
        assert folder is not None
        write_json(folder / "results.json", to_json(results))
        for lang in langs:
            with timer.stage(f"render_{lang}"):
                brief = render_brief(results, config, lang, dirs, folder / "charts", meta)
            if "html" in formats:
                (folder / f"brief_{lang}.html").write_text(brief.html, encoding="utf-8")
            if "pdf" in formats:
                with timer.stage(f"pdf_{lang}"):
                    warnings[lang] = write_pdf(brief.html, folder / f"brief_{lang}.pdf",
                                               folder, [*dirs, folder])
        manifest = {
            "reporter": __version__, "created": meta["created"],
            "study": {"id": config.study.id, "year": config.study.year},
            "inputs": {"config": {"path": str(config.path), "sha256": sha256_file(config.path)},
                       "data": {"path": str(config.data.path), "sha256": results.data.sha256}},
            "options": {"languages": list(langs), "formats": list(formats),
                        "templates": [str(d) for d in dirs]},
            "config": dict(config.raw), "versions": meta["versions"],
            "timings": timer.seconds, "render_warnings": warnings,
            "outputs": inventory(folder),
        }
        write_json(folder / "manifest.json", manifest)
        staging.commit()
    files = tuple(sorted(p.name for p in target.iterdir() if p.is_file()))
    return RunSummary(output=target, files=files, seconds=timer.seconds)
