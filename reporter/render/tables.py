"""Tables as specifications (title, header, rows of cells, notes), rendered by one macro.

These functions choose what to show from the results and in which language; `fmt` formats
the numbers. Nothing here recomputes a statistic.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from reporter.config import Config
from reporter.render import fmt
from reporter.render.i18n import Translator
from reporter.results import ModelResult, Results


@dataclass(frozen=True)
class Cell:
    text: str
    sup: str = ""
    kind: str = "num"  # num | label | head


@dataclass(frozen=True)
class Row:
    cells: tuple[Cell, ...]
    kind: str = ""  # "" | "sub" (t or SE under a coefficient) | "rule" (a mid rule above)


@dataclass(frozen=True)
class Table:
    id: str
    title: str
    header: tuple[Cell, ...]
    rows: tuple[Row, ...]
    notes: tuple[str, ...] = field(default_factory=tuple)
    wide: bool = False


def _label(config: Config, name: str, lang: str) -> Cell:
    return Cell(config.label(name, lang), kind="label")


def descriptives_table(results: Results, config: Config, t: Translator) -> Table:
    header = tuple(Cell(t(f"table.descriptives.{c}"), kind="head")
                   for c in ("variable", "n", "mean", "sd", "min", "max"))
    rows = tuple(
        Row((_label(config, name, t.lang), Cell(fmt.integer(d.n)), Cell(fmt.num(d.mean)),
             Cell(fmt.num(d.sd)), Cell(fmt.num(d.min)), Cell(fmt.num(d.max))))
        for name, d in results.descriptives.items())
    return Table("descriptives", t("table.descriptives.title"), header, rows,
                 (t("table.descriptives.note"),))


def correlation_table(results: Results, config: Config, t: Translator) -> Table:
    corr = results.correlations
    names = corr.variables
    header = (Cell(t("table.correlations.variable"), kind="head"),
              *(Cell(f"({i})", kind="head") for i in range(1, len(names) + 1)))
    rows = []
    for i, a in enumerate(names):
        cells = [Cell(f"({i + 1}) {config.label(a, t.lang)}", kind="label")]
        for j, b in enumerate(names):
            if j > i:
                cells.append(Cell(""))
            elif j == i:
                cells.append(Cell("1"))
            else:
                cells.append(Cell(fmt.num(corr.r[a][b]), fmt.stars(corr.p[a][b])))
        rows.append(Row(tuple(cells)))
    return Table("correlations", t("table.correlations.title"), header, tuple(rows),
                 (t("table.correlations.note"),), wide=len(names) > 7)


def vif_table(results: Results, config: Config, t: Translator) -> Table:
    header = tuple(Cell(t(f"table.vif.{c}"), kind="head") for c in ("variable", "vif", "inverse"))
    rows = [Row((_label(config, name, t.lang), Cell(fmt.num(v, 3)), Cell(fmt.num(1 / v, 3))))
            for name, v in results.vif.items()]
    if results.vif:
        mean = sum(results.vif.values()) / len(results.vif)
        rows.append(Row((Cell(t("table.vif.mean"), kind="label"), Cell(fmt.num(mean, 3)),
                         Cell("")), kind="rule"))
    return Table("vif", t("table.vif.title"), header, tuple(rows), (t("table.vif.note"),))


def regression_table(table_id: str, models: list[ModelResult], config: Config,
                     t: Translator) -> Table:
    """Journal style: coefficient with stars, t (or SE) in parentheses, then N, R², effects."""
    show_t = config.report.parentheses == "t"
    header = (Cell(t("table.regression.variable"), kind="head"),
              *(Cell(f"({i}) {config.label(m.dependent, t.lang)}", kind="head")
                for i, m in enumerate(models, start=1)))
    variables: list[str] = list(dict.fromkeys(v for m in models for v in m.coefficients))
    rows: list[Row] = []
    for var in variables:
        top, sub = [_label(config, var, t.lang)], [Cell("", kind="label")]
        for m in models:
            c = m.coefficients.get(var)
            top.append(Cell(fmt.num(c.estimate, 4), fmt.stars(c.p_value)) if c else Cell(""))
            sub.append(Cell(f"({fmt.num(c.stat if show_t else c.std_error, 3)})") if c
                       else Cell(""))
        rows += [Row(tuple(top)), Row(tuple(sub), kind="sub")]
    yes, no = t("table.regression.yes"), t("table.regression.no")
    stats_rows = [
        (t("table.regression.nobs"), [fmt.integer(m.nobs) for m in models]),
        (t("table.regression.r2"), [fmt.num(m.r2, 3) for m in models]),
        (t("table.regression.r2_within"), [fmt.num(m.r2_within, 3) for m in models]),
        (t("table.regression.entity_fe"), [yes if m.entity_effects else no for m in models]),
        (t("table.regression.time_fe"), [yes if m.time_effects else no for m in models]),
        (t("table.regression.clusters"), [fmt.integer(m.n_clusters) for m in models]),
    ]
    for i, (name, values) in enumerate(stats_rows):
        rows.append(Row((Cell(name, kind="label"), *(Cell(v) for v in values)),
                        kind="rule" if i == 0 else ""))
    note = t("table.regression.note_t" if show_t else "table.regression.note_se")
    return Table(table_id, t(f"table.{table_id}.title"), header, tuple(rows),
                 (note, t("table.regression.note_stars")))


def ranking_table(results: Results, config: Config, t: Translator) -> Table:
    status = results.status
    header = tuple(Cell(t(f"table.ranking.{c}", year=status.report_year), kind="head")
                   for c in ("rank", "entity", "value", "change"))
    rows = tuple(
        Row((Cell(str(e.rank)), Cell(e.names[t.lang], kind="label"), Cell(fmt.num(e.value)),
             Cell(fmt.num(e.change) if e.change is not None else "—")))
        for e in status.entities)
    return Table("ranking", t("table.ranking.title", year=status.report_year,
                              variable=config.label(config.model.dependent, t.lang)),
                 header, rows, (t("table.ranking.note"),))


def build_tables(results: Results, config: Config, t: Translator) -> dict[str, Table]:
    """Every table of the brief, keyed by id, in one language."""
    baseline = [m for m in results.models if m.id in ("baseline", "baseline_controls")]
    tables = [ranking_table(results, config, t), descriptives_table(results, config, t),
              correlation_table(results, config, t), vif_table(results, config, t),
              regression_table("baseline", baseline, config, t)]
    return {table.id: table for table in tables}
