"""One run: config → load → prepare → indices → battery → findings → render → write, timed
per stage."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import platform
import shutil
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reporter import __version__, messages, signals
from reporter.config import Config, load_config
from reporter.errors import Interrupted
from reporter.formats import FORMATS, needs_brief
from reporter.lock import OutputLock
from reporter.log import LOGGER, run_log
from reporter.models import main_id
from reporter.prepare import time_step
from reporter.results import DataSummary, PrepStep, Results, to_json
from reporter.workers import Renderer, spare_cores, start_renderer
from reporter.write import Staging, check_target, inventory, write_failed, write_json

if TYPE_CHECKING:
    from reporter.load import Panel

DEFAULT_LANGS = ("zh", "en")
_VERSIONED = ("numpy", "pandas", "scipy", "matplotlib", "jinja2", "weasyprint")


@dataclass
class Timer:
    """Wall time per stage, for the manifest and the benchmarks."""

    seconds: dict[str, float] = field(default_factory=dict)
    on_stage: Callable[[str], None] | None = None
    current: str = "start"  # the stage running (or last run), for the log of a signal
    started: float = field(default_factory=time.perf_counter)

    def wall(self) -> float:
        """Seconds since the timer started (stages may overlap: languages render at once)."""
        return time.perf_counter() - self.started

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        signals.check()  # a signal whose exception Python swallowed ends the run here
        self.current = name
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
    wall: float = 0.0  # the run's wall time, from before the config was read
    results: Results | None = None
    config: Config | None = None
    # what the user should know though the run succeeded (a missing font library, …):
    # (messages.toml key, parameters), logged, and shown by the CLI once each
    notices: tuple[tuple[str, dict[str, str]], ...] = ()


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


def validate(config_path: str | Path | None, langs: Sequence[str] = DEFAULT_LANGS,
             ) -> tuple[Config, Panel, tuple[PrepStep, ...]]:
    """Check config and data, indices included, without estimating or rendering (`reporter
    validate`), and with English among `langs` that the English brief has every name in
    English. The steps returned are the winsorising ones, which the CLI counts as "values
    winsorised"; interpolation, logs and the rest are in results.json."""
    from reporter.english import check_english
    from reporter.indices import build_indices
    from reporter.load import load_panel
    from reporter.prepare import prepare

    config = load_config(config_path)
    panel = load_panel(config)
    prepared, steps = prepare(panel, config)
    built, _, index_steps = build_indices(prepared, config)
    if "en" in langs:
        group = config.model.heterogeneity
        check_english(config, [(e, panel.entity_name(e, "en")) for e in panel.entities],
                      built.frame[group].dropna().unique() if group else ())
    return config, built, tuple(s for s in steps + index_steps if s.step == "winsorize")


def previous_results(config: Config, target: Path) -> dict[str, Any] | None:
    """Last year's results.json of the same study beside `target`, if it is readable."""
    path = target.parent / str(config.study.year - 1) / "results.json"
    try:
        previous = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    same = previous.get("study", {}).get("id") == config.study.id
    return previous if same else None


def analyse(config: Config, timer: Timer, *, rule_dirs: Sequence[Path] | None = None,
            previous: Mapping[str, Any] | None = None) -> Results:
    """Everything up to the language-free results. `rule_dirs` are the folders with the
    editor's rules and recommendations; `previous` is last year's results.json, if any.
    The analysis libraries are imported here, not with the module, so that a run's render
    workers fork before pandas and scipy load (reporter/workers.py)."""
    from reporter.battery import run_battery
    from reporter.findings import DEFAULT_RULE_DIRS, findings, year_over_year
    from reporter.indices import build_indices
    from reporter.load import load_panel
    from reporter.prepare import prepare

    with timer.stage("load"):
        panel = load_panel(config)
    with timer.stage("prepare"):
        panel, steps = prepare(panel, config)
    with timer.stage("indices"):
        panel, indices, index_steps = build_indices(panel, config)
    with timer.stage("battery"):
        battery = run_battery(panel, config)
    with timer.stage("findings"):
        graded, recommended = findings(battery.models, battery.status, config,
                                       tests=battery.tests, sensitivity=battery.sensitivity,
                                       vif=battery.vif,
                                       rule_dirs=rule_dirs or DEFAULT_RULE_DIRS,
                                       descriptives=battery.descriptives)
        change = year_over_year(previous, graded, battery.status)
        if change is not None:
            graded = (*graded[:2], change, *graded[2:])
    model = config.model
    study = {"id": config.study.id, "year": config.study.year,
             "title": {"zh": config.study.title.zh, "en": config.study.title.en},
             "region": {"zh": config.study.region.zh, "en": config.study.region.en},
             "dependent": model.dependent, "core": model.core, "controls": list(model.controls),
             "moderators": list(model.moderators), "instruments": list(model.instruments),
             "cluster": model.cluster, "illustrative": config.study.illustrative,
             "topic": {lang: config.topic(lang) for lang in ("zh", "en")},
             "themes": list(config.study_themes())}
    periods = panel.periods
    data = DataSummary(nobs=len(panel.frame), n_entities=len(panel.entities),
                       n_periods=len(periods), balanced=panel.balanced, sha256=panel.sha256,
                       first_year=periods[0], last_year=periods[-1], encoding=panel.encoding,
                       file=panel.path.name, reading=panel.reading,
                       singletons=model.singletons,
                       singletons_dropped=_singletons_dropped(battery.models),
                       missing=config.prepare.missing,
                       missing_dropped=_main_model_missing(battery.models),
                       time_step=time_step(panel.frame, panel.entity, panel.time))
    nouns = config.nouns()  # model names speak of the study's entities: State fixed effects
    models = tuple(dataclasses.replace(m, label={lang: messages.with_nouns(text, nouns[lang])
                                                 for lang, text in m.label.items()})
                   for m in battery.models)
    return Results(study=study, data=data, preparation=steps + index_steps, indices=indices,
                   descriptives=battery.descriptives, correlations=battery.correlations,
                   vif=battery.vif, tests=battery.tests, models=models,
                   status=battery.status, selection=battery.selection,
                   sensitivity=battery.sensitivity, findings=graded,
                   recommendations=recommended)


def _main_model(models: Sequence[Any]) -> Any:
    """The main two-way model: with controls, else core only."""
    by_id = {m.id: m for m in models}
    main = main_id(by_id)
    return by_id[main] if main else None


def _singletons_dropped(models: Sequence[Any]) -> int:
    """Rows the main two-way model dropped as singletons."""
    main = _main_model(models)
    return int(main.diagnostics.get("singletons_dropped", 0)) if main else 0


def _main_model_missing(models: Sequence[Any]) -> Mapping[str, Any] | None:
    """What the main two-way model left out for a missing value, or None."""
    main = _main_model(models)
    return main.diagnostics.get("missing") if main else None


def run(config_path: str | Path | Config | None = None, output_root: str | Path = "output",
        langs: Sequence[str] = DEFAULT_LANGS, formats: Sequence[str] | None = None,
        template_dirs: Sequence[Path] | None = None,
        on_stage: Callable[[str], None] | None = None, render_jobs: int = 0) -> RunSummary:
    """The whole job: write OUTPUT/<study.id>/<study.year>/ atomically, holding that
    folder's lock (exit 4 if another run has it) and logging to OUTPUT/reporter.log.
    `render_jobs`: 1 renders the languages one after the other in this process; 0 (the
    default) renders them all at once, by a renderer forked at the start (reporter/
    workers.py), when there is a spare core; N > 1 renders N at a time that way.
    REPORTER_RENDER_JOBS in the environment overrides 0 (for benchmarks). `formats`: None
    for the study's `report.formats`."""
    timer = Timer(on_stage=_logged(on_stage))
    with timer.stage("config"):
        config = (config_path if isinstance(config_path, Config)
                  else load_config(config_path))
    formats = tuple(formats) if formats is not None else config.report.formats
    processes = render_processes(langs, render_jobs) if needs_brief(formats) else 1
    renderer = start_renderer(processes)  # warms up meanwhile
    try:
        target = Path(output_root).resolve() / config.study.id / str(config.study.year)
        with run_log(target.parent.parent):
            LOGGER.info("run %s (pid %d) -> %s", config.path, os.getpid(), target)
            try:
                with OutputLock(target) as lock:
                    check_target(target)  # a file or a link where the brief goes
                    if lock.stale:
                        LOGGER.warning("took over the stale lock of pid %s (started %s)",
                                       lock.stale.get("pid"), lock.stale.get("started"))
                    summary = _produce(config, target, timer, langs, formats,
                                       template_dirs, renderer)
            except Interrupted as stop:
                stop.stage = timer.current  # run_log says which stage it hit
                raise
            LOGGER.info("done: %s (%s) in %.1f s", target, ", ".join(summary.files),
                        summary.wall)
    finally:
        if renderer is not None:
            renderer.close()
    return summary


def template_folders(config: Config, extra: Sequence[Path] | None = None) -> list[Path]:
    """Where templates are looked up, first match wins: `--templates`, the config's
    `report.templates`, then the bundled defaults."""
    from reporter.render.html import DEFAULT_TEMPLATES

    dirs = [Path(d).resolve() for d in (extra or [])]
    if config.report.templates is not None:
        dirs.append(config.report.templates)
    return [*dirs, DEFAULT_TEMPLATES]


def render_meta(results: Results) -> dict[str, Any]:
    """What templates know about the run: version, dates (SOURCE_DATE_EPOCH), software."""
    stamp = created_at()
    return {"version": __version__, "created": stamp.isoformat(),
            "date": stamp.date().isoformat(), "versions": versions(),
            "cov_type": results.models[0].cov_type if results.models else ""}


def _logged(on_stage: Callable[[str], None] | None) -> Callable[[str], None]:
    def hook(name: str) -> None:
        LOGGER.info("stage %s", name)
        if on_stage is not None:
            on_stage(name)

    return hook


def _render_language(results: Results, config: Config, lang: str, dirs: Sequence[Path],
                     folder: Path, meta: dict[str, Any],
                     formats: Sequence[str], on_stage: Callable[[str], None] | None = None,
                     ) -> tuple[dict[str, float], list[str]]:
    """The brief of one language (charts, tables, HTML) and every requested format's file
    of it, into `folder`: (stage seconds, warnings). The brief is rendered once for each
    medium the formats need (print: the PDF; screen: the HTML page, whose charts are inlined
    and so drawn into a folder of their own, removed once the page is written)."""
    from reporter.render.brief import MEDIA, render_brief

    timer = Timer(on_stage=on_stage)
    warnings: list[str] = []
    media = [m for m in MEDIA if any(FORMATS[name].needs_brief and FORMATS[name].medium == m
                                     for name in formats)] or [MEDIA[0]]
    for i, medium in enumerate(media):
        stage = f"render_{lang}" if i == 0 else f"render_{lang}_{medium}"
        charts = folder / ("charts" if medium == "print" else f".{medium}-{lang}")
        with timer.stage(stage):
            brief = render_brief(results, config, lang, dirs, charts, meta,
                                 medium=medium, export=i == 0)
        for name in formats:
            writer = FORMATS[name].write
            # a format of any medium (the tables') is written from the first brief rendered
            own = FORMATS[name].medium
            if writer is not None and (own == medium or (own is None and i == 0)):
                with timer.stage(f"{name}_{lang}"):
                    warnings += writer(brief, folder, dirs)
        if medium != "print":
            shutil.rmtree(charts, ignore_errors=True)
    return timer.seconds, warnings


def render_processes(langs: Sequence[str], render_jobs: int) -> int:
    """How many processes render the languages at once (1: this one, one after another)."""
    if render_jobs == 0 and os.environ.get("REPORTER_RENDER_JOBS", "").isdigit():
        render_jobs = int(os.environ["REPORTER_RENDER_JOBS"])
    if len(langs) < 2 or render_jobs == 1:
        return 1
    if render_jobs == 0:
        return len(langs) if spare_cores() >= 1 else 1
    return min(render_jobs, len(langs))


def _render_all(results: Results, config: Config, langs: Sequence[str], dirs: Sequence[Path],
                folder: Path, meta: dict[str, Any], formats: Sequence[str], timer: Timer,
                renderer: Renderer | None) -> dict[str, list[str]]:
    """Every language: here one after the other, or in parallel by the run's warm renderer
    (WeasyPrint is CPU-bound, so threads would not help). Returns the PDF warnings."""
    done: dict[str, tuple[dict[str, float], list[str]]] = {}
    if renderer is None:
        for lang in langs:
            done[lang] = _render_language(results, config, lang, dirs, folder, meta, formats,
                                          timer.on_stage)
    else:
        if timer.on_stage is not None:
            timer.on_stage(f"render_{'+'.join(langs)}")
        values = renderer.run([(lang, _render_language,
                                (results, config, lang, dirs, folder, meta, formats))
                               for lang in langs], timer.on_stage)
        done = dict(zip(langs, values, strict=True))
    warnings: dict[str, list[str]] = {}
    for lang in langs:
        seconds, warnings[lang] = done[lang]
        timer.seconds.update(seconds)
        for line in warnings[lang]:
            LOGGER.warning("render_%s: %s", lang, line)
    return warnings


def _manifest(config: Config, results: Results, meta: dict[str, Any], langs: Sequence[str],
              formats: Sequence[str], dirs: Sequence[Path], timer: Timer,
              warnings: dict[str, list[str]]) -> dict[str, Any]:
    """What made this brief: inputs' digests (of the bytes the run parsed), options,
    config, versions, timings, warnings and the bootstrap's seed."""
    return {
        "reporter": __version__, "created": meta["created"],
        "study": {"id": config.study.id, "year": config.study.year},
        "inputs": {"config": {"path": str(config.path), "sha256": config.sha256},
                   "data": {"path": str(config.data.path), "sha256": results.data.sha256}},
        "options": {"languages": list(langs), "formats": list(formats),
                    "templates": [str(d) for d in dirs]},
        "config": dict(config.raw), "versions": meta["versions"],
        "timings": timer.seconds, "render_warnings": warnings,
        "random": {"wild_bootstrap": dict(results.sensitivity.get("wild_bootstrap", {}))},
    }


def _levels(results: Results) -> list[str]:
    """The values of the heterogeneity column the brief names (its subgroup models')."""
    return [str(m.diagnostics["level"]) for m in results.models
            if m.id.startswith("heterogeneity_") and "level" in m.diagnostics]


def _produce(config: Config, target: Path, timer: Timer, langs: Sequence[str],
             formats: Sequence[str], template_dirs: Sequence[Path] | None,
             renderer: Renderer | None = None) -> RunSummary:
    """Analyse, render and write `target` atomically (called under the lock)."""
    from reporter.english import check_english
    from reporter.render.brief import sentences
    from reporter.render.placeholders import check_placeholders

    dirs = template_folders(config, template_dirs)
    check_placeholders(dirs[:-1])  # an editor's typo fails now, with file and line
    results = analyse(config, timer, rule_dirs=dirs, previous=previous_results(config, target))
    if "en" in langs and needs_brief(formats):  # before a brief prints Chinese in English
        check_english(config, [(e.entity, e.names["en"]) for e in results.status.entities],
                      _levels(results))
    meta = render_meta(results)

    try:
        with Staging(target) as staging:
            folder = staging.path
            assert folder is not None
            texts = sentences(results, config, dirs)  # the findings' words, in results.json
            write_json(folder / "results.json", to_json(results, texts))
            warnings: dict[str, list[str]] = {}
            notices = []
            if needs_brief(formats):
                from reporter.render.pdf import font_notices, setup_notices

                if "pdf" in formats:
                    notices += setup_notices(langs)
                with timer.stage("render"):  # wall time of all languages; per language below
                    warnings = _render_all(results, config, langs, dirs, folder, meta,
                                           formats, timer, renderer)
                notices += font_notices(warnings)
            for key, params in notices:
                LOGGER.warning("%s", messages.text(key, "en", **params))
            manifest = _manifest(config, results, meta, langs, formats, dirs, timer, warnings)
            manifest["outputs"] = inventory(folder)
            write_json(folder / "manifest.json", manifest)
            signals.check()  # never publish a run that a signal ended
            staging.commit()
    except OSError as exc:  # a full disk, a quota, a read-only folder
        raise write_failed(target, exc) from None
    files = tuple(sorted(p.name for p in target.iterdir() if p.is_file()))
    return RunSummary(output=target, files=files, seconds=timer.seconds, wall=timer.wall(),
                      results=results, config=config, notices=tuple(notices))
