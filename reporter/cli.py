"""The `reporter` command: parse arguments, call the pipeline, map errors to exit codes.

Exit codes (the contract): 0 success; 1 internal error (traceback in the log only);
2 bad input, config or template; 3 estimation impossible; 4 output folder locked.
"""

from __future__ import annotations

import sys
import tempfile
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from reporter import __version__, literals
from reporter.errors import InputError, ReporterError

HELP = """Bilingual policy briefs from regional trade panels.

由地区贸易面板数据生成中英文政策简报。"""


def _csv_choice(allowed: tuple[str, ...], option: str) -> Callable[..., tuple[str, ...]]:
    def convert(ctx: click.Context, param: click.Parameter, value: str) -> tuple[str, ...]:
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


def _internal(exc: BaseException) -> None:
    log = Path(tempfile.gettempdir()) / "reporter-error.log"
    try:
        log.write_text("".join(traceback.format_exception(exc)), encoding="utf-8")
    except OSError:
        log = Path("(unwritable)")
    _fail(ReporterError("internal.unexpected", detail=type(exc).__name__, file=log))


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


class BilingualGroup(click.Group):
    """A click group whose usage errors (unknown option, missing value) are bilingual and
    exit 2, like every other bad-input error of the contract."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True,
             **extra):
        try:
            code = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.UsageError as exc:
            _fail(InputError("cli.usage", detail=exc.format_message()))
        except click.exceptions.Abort:
            click.echo("Aborted / 已中止", err=True)
            sys.exit(1)
        if standalone_mode:
            sys.exit(code if isinstance(code, int) else 0)
        return code


@click.group(cls=BilingualGroup, help=HELP,
             context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="reporter")
def main() -> None:
    pass


@main.command(help="Load the panel, run the whole battery and write the briefs.\n\n"
                   "读取面板数据，运行全部分析并生成简报。")
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="Study config (TOML). Default: the bundled sample study.")
@click.option("--output", "output", type=click.Path(file_okay=False, path_type=Path),
              default=Path("output"), show_default=True, help="Output folder.")
@click.option("--lang", "langs", default="zh,en", show_default=True,
              callback=_csv_choice(literals.LANGUAGES, "--lang"),
              help="Languages, comma-separated.")
@click.option("--format", "formats", default="pdf,json", show_default=True,
              callback=_csv_choice(literals.OUTPUT_FORMATS, "--format"),
              help="Formats, comma-separated (results.json is always written).")
@click.option("--templates", "templates", type=click.Path(file_okay=False, path_type=Path),
              default=None, help="An editor's template folder, read before the defaults.")
def run(config_path: Path | None, output: Path, langs: tuple[str, ...],
        formats: tuple[str, ...], templates: Path | None) -> None:
    from reporter import pipeline

    if templates is not None and not templates.is_dir():
        _fail(InputError("config.not_found", file=templates))
    summary = _guard(lambda: pipeline.run(
        config_path, output, langs, formats, [templates] if templates else None))
    total = sum(v for k, v in summary.seconds.items())
    click.echo(f"reporter: {summary.output} ({', '.join(summary.files)}) in {total:.1f} s")


@main.command(help="Check config and data without estimating or rendering.\n\n"
                   "检查配置与数据，不做估计、不生成简报。")
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path),
              required=True, help="Study config (TOML).")
def validate(config_path: Path) -> None:
    from reporter import pipeline

    config, panel, steps = _guard(lambda: pipeline.validate(config_path))
    click.echo(f"reporter: {config.path.name} OK — {len(panel.frame)} rows, "
               f"{len(panel.entities)} entities, {len(panel.periods)} periods; "
               f"{sum(s.count for s in steps)} values winsorised.")


if __name__ == "__main__":  # pragma: no cover
    main()
