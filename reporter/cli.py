"""The `reporter` command: parse arguments, call the pipeline, map errors to exit codes.

Exit codes (the contract): 0 success; 1 internal error (traceback in the log only);
2 bad input, config or template; 3 estimation impossible; 4 output folder locked;
128 + the signal's number when SIGINT (130), SIGTERM (143) or SIGHUP (129) stops it.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
import traceback
import unicodedata
from collections.abc import Callable, Sequence
from contextlib import nullcontext
from pathlib import Path
from typing import IO, Any

import click

from reporter import __version__, literals, messages
from reporter.errors import InputError, Interrupted, ReporterError

HELP = """Bilingual policy briefs from regional trade panels.

由地区贸易面板数据生成中英文政策简报。"""


def _csv_choice(allowed: tuple[str, ...],
                option: str) -> Callable[..., tuple[str, ...] | None]:
    def convert(ctx: click.Context, param: click.Parameter,
                value: str | None) -> tuple[str, ...] | None:
        if value is None:  # not given: the study's own choice (--format)
            return None
        items = tuple(dict.fromkeys(v.strip() for v in value.split(",") if v.strip()))
        bad = [v for v in items if v not in allowed]
        if bad or not items:
            raise click.BadParameter(
                f"{', '.join(bad) or '(empty)'} — choose from {', '.join(allowed)} / "
                f"可选值：{', '.join(allowed)}", param_hint=option)
        return items

    return convert


def _fail(error: ReporterError) -> None:
    click.echo(error.bilingual(), err=True)
    sys.exit(error.exit_code)


def _internal_error(exc: BaseException) -> ReporterError:
    from reporter.log import traceback_log

    log = traceback_log(exc)  # a run logs its traceback in OUTPUT/reporter.log
    if log is None:
        log = Path(tempfile.gettempdir()) / "reporter-error.log"
        try:
            log.write_text("".join(traceback.format_exception(exc)), encoding="utf-8")
        except OSError:
            log = Path("(unwritable)")
    return ReporterError("internal.unexpected", detail=type(exc).__name__, file=log)


def _internal(exc: BaseException) -> None:
    _fail(_internal_error(exc))


def _say(key: str, **params: object) -> None:
    """A success message from the catalogue, Chinese then English."""
    for lang in messages.LANGUAGES:
        click.echo(messages.text(key, lang, **params))


def _display_width(text: str) -> int:
    """Terminal columns: Chinese characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


class _Progress:
    """One self-overwriting line on a terminal: time so far and the stage running; while
    the languages render at once, the stage of each (`render_zh`, `pdf_en`, …)."""

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream
        self.start = time.perf_counter()
        self.running: dict[str, str] = {}  # language ("" for the run's own) -> its stage

    def __call__(self, stage: str) -> None:
        base, _, rest = stage.partition("_")
        try:
            label = " / ".join(messages.text(f"progress.{base}", lang_)
                               for lang_ in messages.LANGUAGES)
        except KeyError:
            label = base
        langs = rest.partition("_")[0].split("+") if rest else []
        if langs:
            self.running.pop("", None)
            self.running.update(dict.fromkeys(langs, label))
        else:
            self.running = {"": label}
        shown = " · ".join(f"{text} ({lang})" if lang else text
                           for lang, text in self.running.items())
        elapsed = time.perf_counter() - self.start
        line = f"[{elapsed:5.1f} s] {shown} …"
        width = shutil.get_terminal_size().columns - 1  # a wrapped line would not overwrite
        if _display_width(line) > width:
            while line and _display_width(line + "…") > width:
                line = line[:-1]
            line += "…"
        self.stream.write(f"\r\033[K{line}")
        self.stream.flush()

    def close(self) -> None:
        self.stream.write("\r\033[K")
        self.stream.flush()


def _guard(func: Callable[[], Any]) -> Any:
    """Run a command body, turning our errors into bilingual messages and exit codes."""
    try:
        return func()
    except ReporterError as error:
        _fail(error)
    except (KeyboardInterrupt, click.exceptions.Exit, click.ClickException):
        raise
    except Exception as exc:
        _internal(exc)


HELP_OPTION = "Show this message and exit. / 显示本帮助并退出。"


class BilingualCommand(click.Command):
    """A command whose --help option says what it does in both languages."""

    def get_help_option(self, ctx: click.Context) -> click.Option | None:
        option = super().get_help_option(ctx)
        if option is not None:
            option.help = HELP_OPTION
        return option


class BilingualGroup(click.Group):
    """A click group whose usage errors (unknown option, missing value) are bilingual and
    exit 2, like every other bad-input error of the contract; its commands and groups
    are bilingual too."""

    command_class = BilingualCommand
    group_class = type  # subgroups are BilingualGroups

    def get_help_option(self, ctx: click.Context) -> click.Option | None:
        option = super().get_help_option(ctx)
        if option is not None:
            option.help = HELP_OPTION
        return option

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True,
             **extra):
        from reporter.signals import handled

        try:
            with handled():
                code = super().main(args, prog_name, complete_var, standalone_mode=False,
                                    **extra)
        except click.UsageError as exc:
            _fail(InputError("cli.usage", detail=exc.format_message()))
        except (click.exceptions.Abort, KeyboardInterrupt) as exc:
            # click turns a KeyboardInterrupt into Abort; ours carries the signal
            cause = exc.__cause__ if isinstance(exc, click.exceptions.Abort) else exc
            stop = cause if isinstance(cause, Interrupted) else Interrupted(2)
            if not stop.reported:
                click.echo(stop.bilingual(), err=True)
            sys.exit(stop.exit_code)
        if standalone_mode:
            sys.exit(code if isinstance(code, int) else 0)
        return code


@click.group(cls=BilingualGroup, help=HELP,
             context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="reporter",
                      help="Show the version and exit. / 显示版本号并退出。")
def main() -> None:
    pass


@main.command(short_help="Write the briefs. / 生成简报。",
    help="Load the panel, run the whole battery and write the briefs.\n\n"
                   "读取面板数据，运行全部分析并生成简报。")
@click.option("--config", "config_paths", type=click.Path(dir_okay=False, path_type=Path),
              multiple=True, help="Study config (TOML); give it several times for a batch. "
              "Default: the bundled sample study. / 研究配置（TOML），多次给出即批量运行；"
              "默认为自带示例研究。")
@click.option("--output", "output", type=click.Path(file_okay=False, path_type=Path),
              default=Path("output"), show_default=True,
              help="Output folder. / 输出目录。")
@click.option("--jobs", "jobs", type=click.IntRange(min=1), default=1, show_default=True,
              help="Studies run at once (a process pool) when --config is given several "
              "times. / 批量运行时同时运行的研究数。")
@click.option("--lang", "langs", default="zh,en", show_default=True,
              callback=_csv_choice(literals.LANGUAGES, "--lang"),
              help="Languages, comma-separated. / 语言，逗号分隔。")
@click.option("--format", "formats", default=None,
              callback=_csv_choice(literals.OUTPUT_FORMATS, "--format"),
              help="Formats, comma-separated: " + ", ".join(literals.OUTPUT_FORMATS) + ". "
              "Default: the study's report.formats, else pdf,json (results.json is always "
              "written). / 输出格式，逗号分隔；默认取研究的 report.formats，否则为 pdf,json"
              "（总会写出 results.json）。")
@click.option("--templates", "templates", type=click.Path(file_okay=False, path_type=Path),
              default=None, help="An editor's template folder, read before the defaults. / "
              "编辑的模板目录，优先于自带模板。")
@click.option("-v", "--verbose", is_flag=True,
              help="Show the run log on stderr (it is always written to OUTPUT/reporter.log). "
              "/ 在终端显示运行日志（日志总会写入 OUTPUT/reporter.log）。")
def run(config_paths: tuple[Path, ...], output: Path, jobs: int, langs: tuple[str, ...],
        formats: tuple[str, ...] | None, templates: Path | None, verbose: bool) -> None:
    from reporter import pipeline
    from reporter.log import echo

    if templates is not None and not templates.is_dir():
        _fail(InputError("templates.not_found", file=templates))
    if len(config_paths) > 1:
        with echo(sys.stderr) if verbose else nullcontext():
            code = _run_batch(config_paths, output, langs, formats, templates, jobs)
        sys.exit(code)
    config_path = config_paths[0] if config_paths else None
    progress = _Progress(sys.stderr) if sys.stderr.isatty() and not verbose else None

    def body() -> pipeline.RunSummary:
        try:
            return pipeline.run(config_path, output, langs, formats,
                                [templates] if templates else None, on_stage=progress)
        finally:
            if progress is not None:
                progress.close()

    with echo(sys.stderr) if verbose else nullcontext():
        summary = _guard(body)
    for line in _notice_lines(summary.notices):
        click.echo(line, err=True)
    click.echo(_summary_line(summary))


def _notice_lines(notices: Sequence[tuple[str, dict[str, str]]]) -> list[str]:
    """Each notice of a run, Chinese then English."""
    return [messages.text(key, lang, **params) for key, params in notices
            for lang in messages.LANGUAGES]


def _summary_line(summary: Any) -> str:
    """The one line a successful run prints (cron mails it): where, what, how long."""
    return (f"reporter: {summary.output} ({', '.join(summary.files)}) — "
            f"用时 {summary.wall:.1f} 秒 / in {summary.wall:.1f} s")


def _run_one(config_path: Path, output: Path, langs: tuple[str, ...],
             formats: tuple[str, ...] | None, templates: Path | None,
             render_jobs: int, in_worker: bool = False,
             ) -> tuple[int, str, tuple[tuple[str, dict[str, str]], ...]]:
    """One study of a batch: (exit code, what to print, its notices). Never raises, so one
    failing study does not stop the others; a signal stops the batch. A pool worker
    (`in_worker`) ends its study cleanly on the SIGTERM the batch sends, then exits."""
    import os

    from reporter import pipeline
    from reporter.signals import handled

    try:
        with handled() if in_worker else nullcontext():
            summary = pipeline.run(config_path, output, langs, formats,
                                   [templates] if templates else None,
                                   render_jobs=render_jobs)
    except Interrupted as stop:
        if in_worker:
            os._exit(stop.exit_code)  # staging and lock are gone; the batch is ending
        raise
    except ReporterError as error:
        return error.exit_code, error.bilingual(), ()
    except Exception as exc:
        internal = _internal_error(exc)
        return internal.exit_code, internal.bilingual(), ()
    return 0, _summary_line(summary), summary.notices


def _run_batch(config_paths: tuple[Path, ...], output: Path, langs: tuple[str, ...],
               formats: tuple[str, ...] | None, templates: Path | None, jobs: int) -> int:
    """Run every study (each with its own lock and atomic output), `jobs` at a time; print
    each outcome in the order given; return the worst exit code (the largest)."""
    jobs = min(jobs, len(config_paths))
    render_jobs = 1 if jobs > 1 else 0  # the pool already fills the cores
    args = [(path, output, langs, formats, templates, render_jobs) for path in config_paths]
    if jobs == 1:
        from reporter.workers import preload_all

        preload_all()  # each study's renderer forks from this process: warm from the start
        outcomes = (_run_one(*a) for a in args)
    else:
        import multiprocessing
        import os
        from concurrent.futures import ProcessPoolExecutor

        from reporter.workers import warm_worker

        pool = ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("spawn"),
                                   initializer=warm_worker, initargs=(os.getpid(),))
        futures = [pool.submit(_run_one, *a, True) for a in args]
        outcomes = (f.result() for f in futures)
    worst = 0
    failed = 0
    finished: list[Path] = []
    noticed: dict[str, None] = {}
    try:
        for path, (code, text, notices) in zip(config_paths, outcomes, strict=True):
            noticed.update(dict.fromkeys(_notice_lines(notices)))
            finished.append(path)
            if code:
                failed += 1
                click.echo(f"{path}:\n{text}", err=True)
            else:
                click.echo(text)
            worst = max(worst, code)
    except Interrupted as stop:
        if jobs > 1:
            _stop_workers()
            # studies the pool finished before the signal, not yet printed in order
            for path, future in zip(config_paths, futures, strict=True):
                if path not in finished and future.done() and not future.cancelled() \
                        and future.exception() is None:
                    code, text, _ = future.result()
                    click.echo(text if not code else f"{path}:\n{text}", err=bool(code))
                    finished.append(path)
        _batch_interrupted(stop, config_paths, finished)
        stop.reported = True
        raise
    finally:
        if jobs > 1:
            pool.shutdown(cancel_futures=True)
    for line in noticed:  # once for the batch, however many studies met it
        click.echo(line, err=True)
    if failed:
        click.echo(f"错误：{len(config_paths)} 项研究中 {failed} 项失败（退出码 {worst}）。\n"
                   f"Error: {failed} of {len(config_paths)} studies failed (exit code {worst}).",
                   err=True)
    return worst


def _stop_workers(grace: float = 10.0) -> None:
    """SIGTERM to the pool's workers: each ends its study as a single run would (staging
    and lock removed); any still alive after `grace` seconds is killed."""
    import multiprocessing

    workers = multiprocessing.active_children()
    for worker in workers:
        worker.terminate()
    deadline = time.monotonic() + grace
    for worker in workers:
        worker.join(max(0.0, deadline - time.monotonic()))
        if worker.is_alive():
            worker.kill()
            worker.join()


def _batch_interrupted(stop: Interrupted, paths: tuple[Path, ...],
                       finished: list[Path]) -> None:
    """Which studies of a stopped batch finished and which were interrupted."""
    stopped = [p for p in paths if p not in finished]
    for lang in messages.LANGUAGES:
        click.echo(messages.text(
            "run.batch_interrupted", lang, signal=stop.name, n=len(paths),
            done_count=len(finished), done=", ".join(map(str, finished)) or "—",
            stopped_count=len(stopped), stopped=", ".join(map(str, stopped)) or "—"),
            err=True)


@main.command(short_help="Check config and data. / 检查配置与数据。",
    help="Check config and data without estimating or rendering.\n\n"
                   "检查配置与数据，不做估计、不生成简报。")
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path),
              required=True, help="Study config (TOML). / 研究配置（TOML）。")
@click.option("--lang", "langs", default="zh,en", show_default=True,
              callback=_csv_choice(literals.LANGUAGES, "--lang"),
              help="The briefs' languages: with en, every name the English brief shows must "
              "have an English one. / 简报语言；含 en 时，英文简报中的每个名称都须有英文名。")
def validate(config_path: Path, langs: tuple[str, ...]) -> None:
    from reporter import pipeline

    config, panel, steps = _guard(lambda: pipeline.validate(config_path, langs))
    _say("validate.ok", file=config.path.name, rows=len(panel.frame),
         entities=len(panel.entities), periods=len(panel.periods),
         winsorised=sum(s.count for s in steps))


@main.command(short_help="Start a study folder. / 新建研究目录。",
    help="Start a study: a commented config, a copy of the templates and a data "
                   "folder with a README of the expected columns.\n\n"
                   "新建研究：带注释的配置文件、模板副本，以及说明所需数据列的数据目录。")
@click.argument("folder", type=click.Path(path_type=Path))
@click.option("--from", "source", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="Your workbook (CSV, XLSX): the config is written for it and "
              "a copy goes to the data folder. / 您的数据表：据此生成配置，并复制到数据目录。")
@click.option("--sheet", "sheet", default=None, help="The worksheet, in a workbook of several. / "
              "工作簿含多张表时所用的工作表。")
def init(folder: Path, source: Path | None, sheet: str | None) -> None:
    from reporter import scaffold

    config = _guard(lambda: scaffold.init_study(folder, source, sheet))
    data = (config.parent / "data" / source.name if source is not None
            else config.parent / scaffold.DATA_FILE)
    _say("scaffold.done" if source is None else "scaffold.done_from", folder=config.parent,
         config=config, data=data)


@main.group(short_help="Export, check, compare, preview templates. / 导出、检查、比较、预览模板。",
    help="Export the bundled templates for editing, or check edited ones.\n\n"
                 "导出自带模板以便修改，或检查修改后的模板。")
def templates() -> None:
    pass


@templates.command("export", short_help="Copy the templates to edit. / 复制模板以便编辑。",
    help="Copy the bundled templates and catalogues into FOLDER.\n\n"
                                  "将自带模板与消息目录复制到 FOLDER。")
@click.argument("folder", type=click.Path(path_type=Path))
def templates_export(folder: Path) -> None:
    from reporter import scaffold

    files = _guard(lambda: scaffold.export_templates(folder))
    _say("scaffold.exported", folder=folder, count=len(files))


@templates.command("check", short_help="Check edited templates. / 检查修改后的模板。",
    help="Render the templates in FOLDER against sample results and "
                                 "report every error with file and line (exit 2 if any).\n\n"
                                 "用示例结果渲染 FOLDER 中的模板，逐条报告错误及其文件与行号。")
@click.argument("folder", type=click.Path(path_type=Path))
def templates_check(folder: Path) -> None:
    from reporter import provenance, template_check

    problems, count = _guard(lambda: template_check.check_templates(folder))
    notices = list(provenance.notices(folder))
    for where, key, params in notices:  # the bundled brief moved under the editor's copy
        for lang in messages.LANGUAGES:
            click.echo(f"{where}: {messages.text(key, lang, **params)}", err=True)
    if notices:
        for lang in messages.LANGUAGES:
            click.echo(messages.text("templates.notices", lang, folder=folder,
                                     count=len(notices)), err=True)
    for problem in problems:
        for line in problem.lines():
            click.echo(line, err=True)
    if problems:
        _fail(InputError("templates.failed", folder=folder, count=len(problems)))
    _say("templates.ok", folder=folder, count=count)


@templates.command("diff", short_help="Show changes to the templates. / 显示模板的修改。",
    help="Show how the templates in FOLDER differ from the bundled "
                                "ones (unified diff, bundled first).\n\n"
                                "显示 FOLDER 中的模板与自带模板的差异。")
@click.argument("folder", type=click.Path(path_type=Path))
def templates_diff(folder: Path) -> None:
    from reporter import provenance

    if not folder.is_dir():
        _fail(InputError("templates.not_found", file=folder))
    for line in provenance.diff(folder):
        click.echo(line, nl=False)


@templates.command("preview", short_help="Preview the brief as you edit. / 边改边预览简报。",
    help="Serve the HTML brief on 127.0.0.1, rendered again on "
                                   "every save in FOLDER (Ctrl-C stops).\n\n"
                                   "在本机预览 HTML 简报，每次保存 FOLDER 中的文件后自动重新渲染。")
@click.argument("folder", type=click.Path(path_type=Path))
@click.option("--study", "config_path", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="Study config (default: the bundled study). / "
              "研究配置（默认为自带研究）。")
@click.option("--port", type=click.IntRange(0, 65535), default=8765, show_default=True,
              help="Port on 127.0.0.1 (0: any free port). / 本机端口（0 表示任一空闲端口）。")
def templates_preview(folder: Path, config_path: Path | None, port: int) -> None:
    import tempfile
    import threading

    from reporter import preview

    with tempfile.TemporaryDirectory(prefix="reporter-preview-") as work:
        shown = _guard(lambda: preview.start(folder, config_path, Path(work)))
        server = _guard(lambda: preview.serve(shown, port))
        url = f"http://{preview.HOST}:{server.server_address[1]}/"
        _say("preview.serving", url=url, folder=shown.folder)

        def rendered(p: preview.Preview, seconds: float) -> None:
            _say("preview.rendered", version=p.version, seconds=f"{seconds:.2f}")

        stop = threading.Event()
        watcher = preview.watch(shown, stop, rendered)
        try:
            server.serve_forever(poll_interval=0.2)
        finally:
            stop.set()
            server.server_close()
            watcher.join(timeout=2)


if __name__ == "__main__":  # pragma: no cover
    main()
