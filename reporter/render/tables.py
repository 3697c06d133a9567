"""Tables as specifications (title, header, rows of cells, notes), rendered by one macro.

These functions choose what to show from the results and in which language; `fmt` formats
the numbers. Nothing here recomputes a statistic.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from reporter import messages
from reporter.config import Config
from reporter.english import CJK
from reporter.models import BY_ID, main_id, robustness_rows
from reporter.render import fmt
from reporter.render.i18n import Translator, listed
from reporter.results import EntityStatus, ModelResult, Results, Status

# data columns a printed table holds before it is set in parts (Table.parts)
PRINT_COLUMNS = 6
SHORT = 12  # a label of at most this many characters is kept on one line in a table


@dataclass(frozen=True)
class Cell:
    text: str
    sup: str = ""
    # num | label | head | text (words in a column of numbers: may wrap) | name (a short
    # category name beside the row labels, an index's group: kept on one line) | short (a
    # code, a unit or a short label among wrapping words: kept on one line, left-aligned)
    kind: str = "num"


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
    wrap: bool = False  # its row labels are long (specifications): they may wrap in print

    @property
    def named_columns(self) -> bool:
        """Whether a column besides the row labels holds names (an index's groups): its
        names stay on one line and the row labels wrap instead."""
        return any(c.kind == "name" for row in self.rows for c in row.cells[1:])

    def parts(self, most: int = PRINT_COLUMNS) -> tuple[Table, ...]:
        """The table as printed: whole, or, with more than `most` columns after the row
        labels, in parts of about equal width, each with the labels, the rows that have
        something in its columns and, on the last, the notes (a page is not a screen: no
        column may be cut off at its edge)."""
        columns = len(self.header) - 1
        if columns <= most:
            return (self,)
        count = -(-columns // most)
        size = -(-columns // count)
        out = []
        for start in range(1, columns + 1, size):
            keep = [0, *range(start, min(start + size, columns + 1))]
            rows = [Row(tuple(row.cells[i] for i in keep if i < len(row.cells)), row.kind)
                    for row in self.rows]
            rows = [r for r, whole in zip(rows, self.rows, strict=True)
                    if any(c.text for c in r.cells[1:]) or not any(
                        c.text for c in whole.cells[1:])]
            last = start + size > columns
            out.append(Table(self.id if start == 1 else f"{self.id}-{start}", self.title,
                             tuple(self.header[i] for i in keep), tuple(rows),
                             self.notes if last else (), self.wide, self.wrap))
        return tuple(out)


def _label(config: Config, name: str, lang: str) -> Cell:
    return Cell(_label_of(name, config, lang), kind="label")


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


def _rescale(models: Sequence[ModelResult], var: str) -> int:
    """The power of ten a row's coefficients are shown multiplied by: 0, unless the largest
    is below 0.001 (printed 0.0001 or 1.66e−6 it would say little), then enough to bring it
    between 0.1 and 1."""
    largest = max((abs(c.estimate) for m in models
                   if (c := m.coefficients.get(var)) is not None
                   and math.isfinite(c.estimate)), default=0.0)
    if largest == 0.0 or largest >= 1e-3:
        return 0
    return -math.floor(math.log10(largest)) - 1


def regression_table(table_id: str, models: list[ModelResult], config: Config,
                     t: Translator, by: str = "dependent", **title: object) -> Table:
    """Journal style: coefficient with stars, t (or SE) in parentheses, then N, R², effects.
    Columns are headed by the dependent variable or (`by="label"`) by the model's name."""
    show_t = config.report.parentheses == "t"
    heads = [config.label(m.dependent, t.lang) if by == "dependent" else m.label[t.lang]
             for m in models]
    header = (Cell(t("table.regression.variable"), kind="head"),
              *(Cell(f"({i}) {h}", kind="head") for i, h in enumerate(heads, start=1)))
    variables: list[str] = list(dict.fromkeys(
        v for m in models for v in (*m.coefficients, *m.diagnostics.get("absorbed", ()))))
    rows: list[Row] = []
    rescaled = False
    for var in variables:
        power = _rescale(models, var)
        label = _label(config, var, t.lang)
        if power:  # a tiny coefficient (a variable in yuan): shown per 10^power units
            rescaled = True
            label = Cell(label.text + t("table.regression.rescaled",
                                        power=fmt.power_of_ten(power)), kind="label")
        top, sub = [label], [Cell("", kind="label")]
        scale = 10.0 ** power
        for m in models:
            c = m.coefficients.get(var)
            if c is None and var in m.diagnostics.get("absorbed", ()):
                top.append(Cell(t("table.regression.absorbed")))
                sub.append(Cell(""))
                continue
            top.append(Cell(fmt.coef(c.estimate * scale), fmt.stars(c.p_value)) if c
                       else Cell(""))
            sub.append(Cell(f"({fmt.num(c.stat if show_t else c.std_error * scale, 3)})")
                       if c else Cell(""))
        rows += [Row(tuple(top)), Row(tuple(sub), kind="sub")]
    yes, no = t("table.regression.yes"), t("table.regression.no")
    stats_rows = [
        (t("table.regression.nobs"), [fmt.integer(m.nobs) for m in models]),
        (t("table.regression.r2"), [fmt.num(m.r2, 3) for m in models]),
        (t("table.regression.r2_within"), [fmt.num(m.r2_within, 3) for m in models]),
        (t("table.regression.entity_fe"), [yes if m.entity_effects else no for m in models]),
        (t("table.regression.time_fe"), [yes if m.time_effects else no for m in models]),
        # conventional (not clustered) standard errors have no clusters to count
        (t("table.regression.clusters"), [fmt.integer(m.n_clusters)
                                          if m.cov_type != "classical" else "—"
                                          for m in models]),
    ]
    for i, (name, values) in enumerate(stats_rows):
        rows.append(Row((Cell(name, kind="label"), *(Cell(v) for v in values)),
                        kind="rule" if i == 0 else ""))
    note = t("table.regression.note_t" if show_t else "table.regression.note_se")
    notes = [note, t("table.regression.note_stars")]
    if rescaled:
        notes.insert(1, t("table.regression.note_rescaled"))
    if any(m.cov_type == "classical" for m in models):
        notes.insert(1, t("table.regression.note_classical"))
    if any(m.diagnostics.get("absorbed") for m in models):
        notes.insert(1, t("table.regression.note_absorbed"))
    return Table(table_id, t(f"table.{table_id}.title", **title), header, tuple(rows),
                 tuple(notes), wide=len(models) >= 4)


def ar_set_text(d: Mapping[str, Any], t: Translator, scale: float = 1.0) -> str:
    """The Anderson-Rubin confidence set of a 2SLS model: an interval (times `scale`), or
    its kind."""
    kind = d.get("ar_ci_kind", "bounded")
    if kind == "bounded":
        return fmt.interval(d["ar_ci_low"] * scale, d["ar_ci_high"] * scale)
    return t(f"table.iv.ar_{kind}")


def _test_text(test: Mapping[str, Any]) -> str:
    """A test's statistic and p: '0.146 (p = 0.703)'; a dash when it was not estimable."""
    if test.get("stat") is None:
        return "—"
    return f"{fmt.num(test['stat'], 2)} ({fmt.p_clause(test['p_value'])})"


def _endogeneity_rows(d: Mapping[str, Any], t: Translator) -> list[tuple[str, str, str]]:
    """The endogeneity and overidentification tests and the LIML estimate of the 2SLS
    (battery/endogeneity.py) as rows under the IV table, each in the second-stage column."""
    rows = []
    for key, df in (("wu_hausman", "F({df1}, {df2})"), ("durbin", "χ²({df})"),
                    ("endogeneity_cluster", "F({df1}, {df2})"), ("sargan", "χ²({df})"),
                    ("hansen_j", "χ²({df})")):
        test = d.get(key)
        if test:
            comma = "，" if t.lang == "zh" else ", "
            rows.append((f"{t(f'table.iv.{key}')}{comma}{df.format(**test)}", "",
                         _test_text(test)))
    liml = d.get("liml")
    if liml:
        rows.append((t("table.iv.liml"), "", f"{fmt.coef(liml['estimate'])} "
                     f"({fmt.coef(liml['std_error'])})"))
    return rows


def iv_table(first: ModelResult, second: ModelResult, config: Config, t: Translator) -> Table:
    """Both stages side by side, then the first-stage and weak-IV diagnostics as rows."""
    table = regression_table("iv", [first, second], config, t, by="label")
    d = second.diagnostics
    ar = d["anderson_rubin"]
    ar_ci = ar_set_text(d, t)
    extra = [
        (t("table.iv.first_stage_f"), fmt.num(d["first_stage_f"], 2), ""),
        (t("table.iv.first_stage_f_cluster"), fmt.num(d["first_stage_f_cluster"], 2), ""),
        (t("table.iv.partial_r2"), fmt.num(d["partial_r2"], 3), ""),
        (t("table.iv.anderson_rubin"), "",
         f"{fmt.num(ar['stat'], 2)} ({fmt.p_clause(ar['p_value'])})"),
        (t("table.iv.ar_ci"), "", ar_ci),
        *_endogeneity_rows(d, t),
    ]
    note = t("table.iv.note", instruments=", ".join(
        _label_of(z, config, t.lang) for z in d["instruments"]), dropped=d["n_dropped_for_lags"])
    return _extra_rows(table, [(name, [a, b]) for name, a, b in extra], (note,))


def _extra_rows(table: Table, rows: list[tuple[str, list[str]]], notes: Sequence[str] = ()
                ) -> Table:
    """`table` with rows of test statistics under a mid rule (one value per model column)."""
    extra = tuple(Row((Cell(name, kind="label"), *(Cell(v) for v in values)),
                      kind="rule" if i == 0 else "") for i, (name, values) in enumerate(rows))
    return replace(table, rows=(*table.rows, *extra), notes=(*table.notes, *notes))


def _with_sobel(table: Table, models: list[ModelResult], results: Results,
                t: Translator) -> Table:
    """The mechanisms with each channel's Sobel test under its second-step column: the
    indirect effect a·b, its standard error, z and p."""
    cells: dict[str, list[str]] = {k: [] for k in ("indirect", "se", "z", "p")}
    for m in models:
        test = (results.tests.get(f"sobel_{m.diagnostics.get('mediator')}")
                if m.id.endswith("_b") else None)
        if test is None:
            for values in cells.values():
                values.append("")
            continue
        cells["indirect"].append(fmt.coef(test.extra["indirect"]) + fmt.stars(test.p_value))
        cells["se"].append(fmt.coef(test.extra["std_error"]))
        cells["z"].append(fmt.num(test.stat, 3))
        cells["p"].append(fmt.pval(test.p_value))
    if not any(cells["z"]):
        return table
    return _extra_rows(table, [(t(f"table.mechanisms.sobel_{k}"), v) for k, v in cells.items()],
                       (t("table.mechanisms.note_sobel"),))


def _with_equal_effects(table: Table, models: list[ModelResult], results: Results,
                        config: Config, t: Translator) -> Table:
    """The groups with the test that the core's effect is equal across them (F with its
    degrees of freedom and p, in the interaction model's column) and the base group."""
    test = results.tests.get("heterogeneity_equal_effects")
    column = next((i for i, m in enumerate(models) if m.id == "heterogeneity_interaction"),
                  None)
    if test is None or column is None or test.stat != test.stat:
        return table
    group = config.model.heterogeneity or ""
    base = models[column].diagnostics.get("base_level")
    values = ["" for _ in models]
    f_values, p_values, base_values = list(values), list(values), list(values)
    f_values[column] = fmt.num(test.stat, 3)
    p_values[column] = fmt.pval(test.p_value)
    base_values[column] = config.level_label(group, base, t.lang) if base is not None else ""
    df = f"{fmt.integer(int(test.df))}, {fmt.integer(int(test.extra.get('df2', 0)))}"
    rows = [(t("table.heterogeneity.equal_f", df=df), f_values),
            (t("table.heterogeneity.equal_p"), p_values),
            (t("table.heterogeneity.base"), base_values)]
    core = config.model.core
    wild = [m.coefficients[core].inference.get("wild_bootstrap") if core in m.coefficients
            else None for m in models]
    if any(wild):  # each group has few clusters: the core's p that holds up with few
        rows.insert(0, (t("table.heterogeneity.wild_p"),
                        [fmt.pval(w["p"]) if w else "" for w in wild]))
    return _extra_rows(table, rows)


def _label_of(name: str, config: Config, lang: str) -> str:
    """Variable label, also for built names: `<core>_lag1`, `<a>_x_<b>`."""
    if name.endswith("_lag1") and name[:-5] in config.model.variables:
        return f"{config.label(name[:-5], lang)} (t−1)"
    if "_x_" in name:
        left, right = name.split("_x_", 1)
        group = config.model.heterogeneity
        if group is not None and right.startswith(f"{group}_"):  # core × 1[group = level]
            level = right[len(group) + 1:]
            return f"{config.label(left, lang)} × {config.level_label(group, level, lang)}"
        return f"{config.label(left, lang)} × {config.label(right, lang)}"
    if name == "const":  # the pooled model's intercept
        return messages.label("table.constant")[lang]
    return config.label(name, lang)


def tests_table(results: Results, config: Config, t: Translator) -> Table:
    """The specification tests, each with its statistic, df, p-value and verdict."""
    alpha = config.report.significance
    header = tuple(Cell(t(f"table.tests.{c}"), kind="head")
                   for c in ("test", "stat", "df", "p", "verdict"))
    rows = []
    for name in ("f_entity", "bp_lm", "hausman", "hausman_twoways", "hausman_robust"):
        test = results.tests.get(name)
        if test is None or test.stat != test.stat:  # absent or not estimable (NaN)
            continue
        df = (f"{test.extra['df1']}, {test.extra['df2']}" if "df1" in test.extra
              else fmt.integer(int(test.df)))
        if test.extra.get("applicable") is False:  # outside the statistic's domain
            verdict, p_text = t(f"table.tests.not_applicable_{test.extra['reason']}"), "—"
        else:
            verdict = t.inline(f"table.tests.{name}_{'reject' if test.p_value < alpha else 'keep'}")
            p_text = fmt.pval(test.p_value)
        rows.append(Row((Cell(t(f"table.tests.{name}"), kind="label"),
                         Cell(fmt.num(test.stat, 3)), Cell(df), Cell(p_text),
                         Cell(verdict, kind="label"))))
    chosen = results.selection.get("chosen")
    label = results.model(chosen).label[t.lang] if chosen else ""
    label = fmt.midsentence(label) if t.lang == "en" else label  # a heading, mid-sentence
    notes = [t("table.tests.note_chosen", model=label,
               reason=t(f"table.tests.reason_{results.selection['reason']}"))] if chosen else []
    core = next((f.params for f in results.findings if f.key == "core_effect"), {})
    robust = results.tests.get("hausman_robust")
    if core.get("few_clusters") and robust is not None and robust.stat == robust.stat:
        # the rules' few-clusters caveat holds for the cluster-robust Hausman test as well
        notes.append(t("table.tests.note_few_clusters", clusters=core["n_clusters"]))
    return Table("tests", t("table.tests.title"), header, tuple(rows), tuple(notes))


def core_coefficient(model: ModelResult, core: str):
    """The core variable's coefficient in a model, under its name or its lag's."""
    return model.coefficients.get(core) or model.coefficients.get(f"{core}_lag1")


def specifications(results: Results, core: str) -> list[ModelResult]:
    """The models that estimate the core effect, in the order the robustness table lists."""
    ids = {m.id: m for m in results.models if m.diagnostics.get("identified", True)}
    return [ids[i] for i in robustness_rows(ids) if core_coefficient(ids[i], core)]


def _winsorized_note(results: Results, config: Config, t: Translator) -> list[str]:
    """The winsorised row's cuts, and what they were applied to: the data as read, or data
    the preparation had already winsorised (5/95 on data already cut at 1/99)."""
    model = next((m for m in results.models if m.id == "robustness_winsorized"), None)
    if model is None or not model.diagnostics.get("cuts"):
        return []
    cuts = fmt.percentiles([100 * c for c in model.diagnostics["cuts"]], t.lang)
    prepared = config.prepare.winsorize
    count = fmt.integer(sum(model.diagnostics.get("clipped", {}).values()))
    if prepared:
        return [t("table.robustness.note_winsorized_again", cuts=cuts, count=count,
                  prepared=fmt.percentiles([100 * c for c in prepared], t.lang))]
    return [t("table.robustness.note_winsorized", cuts=cuts, count=count)]


SCALED = ("estimate", "se", "ci")  # the robustness table's columns a rescaling multiplies


def robustness_table(results: Results, config: Config, t: Translator) -> Table:
    """The core coefficient in every specification: one row each, same columns, with the
    wild cluster bootstrap p where the battery computed it (no column where it computed
    none: the notes say why)."""
    core = config.model.core
    columns = ["spec", "estimate", "se", "p", "p_boot", "ci", "nobs"]
    rows = []
    boot = None
    weak = None
    specs = specifications(results, core)
    # a tiny baseline coefficient (a variable in yuan) is shown, with the whole table, per
    # 10^power units, as in the baseline table
    power = _rescale(specs[:1], core)
    scale = 10.0 ** power
    for model in specs:
        c = core_coefficient(model, core)
        wild = c.inference.get("wild_bootstrap")
        boot = boot or wild
        interval = Cell(fmt.interval(c.ci_low * scale, c.ci_high * scale))
        if model.diagnostics.get("weak_instruments"):  # the AR set replaces the Wald CI
            weak = model.diagnostics
            bounded = model.diagnostics.get("ar_ci_kind", "bounded") == "bounded"
            interval = Cell(ar_set_text(model.diagnostics, t, scale) + "†",
                            kind="num" if bounded else "text")  # an interval stays whole
        rows.append(Row((Cell(model.label[t.lang], kind="label"),
                         Cell(fmt.coef(c.estimate * scale), fmt.stars(c.p_value)),
                         Cell(fmt.coef(c.std_error * scale)), Cell(fmt.pval(c.p_value)),
                         Cell(fmt.pval(wild["p"]) if wild else "—"),
                         interval, Cell(fmt.integer(model.nobs)))))
    if boot is None:  # a column of dashes says nothing the notes do not
        at = columns.index("p_boot")
        columns.pop(at)
        rows = [Row(r.cells[:at] + r.cells[at + 1:], r.kind) for r in rows]
    rescaled = t("table.regression.rescaled", power=fmt.power_of_ten(power)) if power else ""
    header = tuple(Cell(t(f"table.robustness.{c}") + (rescaled if c in SCALED else ""),
                        kind="head") for c in columns)
    step = results.data.time_step
    lag = (t("table.robustness.lag_year") if step == 1
           else t("table.robustness.lag_period", step=step))
    notes = [t("table.robustness.note", core=config.label(core, t.lang), lag=lag)]
    if power:
        notes.append(t("table.robustness.note_rescaled", power=fmt.power_of_ten(power),
                       core=config.label(core, t.lang)))
    notes += _winsorized_note(results, config, t)
    notes += _sample_note(results, core, t)
    if weak is not None:
        threshold = weak.get("stock_yogo_10")
        notes.append(t("table.robustness.note_weak_iv", f=fmt.num(weak["first_stage_f"], 2),
                       threshold=fmt.num(threshold, 2) if threshold else "—",
                       f_cluster=fmt.num(weak["first_stage_f_cluster"], 2)))
    if boot:
        draws = t("table.robustness.draws_enumerated" if boot["enumerated"]
                  else "table.robustness.draws_random", reps=fmt.integer(boot["reps"]),
                  weights=t(f"table.robustness.weights_{boot['weights']}"))
        notes.append(t("table.robustness.note_boot", draws=draws))
    left_out = {**results.sensitivity.get("not_estimated", {}),
                **{m.id: m.diagnostics["not_identified"] for m in results.models
                   if not m.diagnostics.get("identified", True)}}
    for model_id, why in left_out.items():
        label = messages.with_nouns(messages.label(f"model.{model_id}")[t.lang], t.nouns)
        # the brief's own wording (the entity noun, no instructions to the analyst) where
        # the catalogue has it; else the error message as the terminal shows it
        key = f"not_estimated.{why['reason'].removeprefix('estimate.')}"
        params = {k: v for k, v in why.items() if k != "reason"} | {"model": label}
        notes.append(t(key, **params) if t.has(key)
                     else messages.text(why["reason"], t.lang, **params))
    skipped = results.sensitivity.get("wild_bootstrap", {}).get("skipped", {})
    for reason, key in (("sample_mismatch", "note_boot_skipped"),
                        ("many_clusters", "note_boot_many")):
        which = [m for m, why in skipped.items() if why == reason]
        if which:  # the bootstrap was left out for these models: said, not hidden
            labels = [messages.with_nouns(messages.label(f"model.{m}")[t.lang], t.nouns)
                      if m in BY_ID else m for m in which]
            clusters = max((m.n_clusters for m in results.models if m.id in which), default=0)
            notes.append(t(f"table.robustness.{key}", clusters=fmt.integer(clusters),
                           models=("、" if t.lang == "zh" else ", ").join(labels)))
    fgls = next((m for m in results.models if m.id == "fgls"), None)
    hetero = results.tests.get("groupwise_heteroskedasticity")
    serial = results.tests.get("serial_correlation")
    if fgls is not None and hetero is not None and serial is not None \
            and hetero.stat is not None and serial.stat is not None:
        comma = "，" if t.lang == "zh" else ", "
        notes.append(t("table.robustness.note_fgls_tests",
                       hetero=f"χ²({hetero.df}) = {fmt.num(hetero.stat, 1)}{comma}"
                              f"{fmt.p_clause(hetero.p_value)}",
                       serial=f"F({serial.extra.get('df1', 1)}, {serial.extra.get('df2')}) = "
                              f"{fmt.num(serial.stat, 2)}{comma}{fmt.p_clause(serial.p_value)}"))
    if fgls is not None and fgls.diagnostics.get("rho_by_entity_outside_unit"):
        notes.append(t("table.robustness.note_rho", count=fgls.diagnostics[
            "rho_by_entity_outside_unit"], rho=fmt.num(fgls.diagnostics["rho"], 3)))
    loo = results.sensitivity.get("leave_one_out")
    if loo:
        names = results.status.names_in(t.lang)
        notes.append(t("table.robustness.note_loo", low=fmt.coef(loo["min"]),
                       low_entity=names.get(loo["min_without"], loo["min_without"]),
                       high=fmt.coef(loo["max"]),
                       high_entity=names.get(loo["max_without"], loo["max_without"]),
                       share=f"{100 * loo['share_significant']:.0f}",
                       level=f"{100 * config.report.significance:g}"))
    return Table("robustness", t("table.robustness.title", core=config.label(core, t.lang)),
                 header, tuple(rows), tuple(notes), wrap=True)


def status_digits(status: Status) -> int:
    """Decimals for the status section's levels of the dependent (fmt.level_digits)."""
    return fmt.level_digits([*status.dependent_mean, *(e.value for e in status.entities)])


def previous_period(results: Results, t: Translator) -> str:
    """What a change is measured from: the year before, or on five-yearly data the
    previous observation five years earlier ({previous} in the catalogues)."""
    step = results.data.time_step
    return (t("period.previous_year") if step == 1
            else t("period.previous_period", step=step))


# the share of the baseline's rows a specification may lose before its table says so
SAMPLE_LOSS_NOTED = 0.25


def _sample_note(results: Results, core: str, t: Translator) -> list[str]:
    """Which specifications lost more than a quarter of the baseline's rows (a lag or an
    instrument on sparse years), with their counts: said next to them, not hidden."""
    ids = {m.id for m in results.models}
    base = results.model(main_id(ids) or "baseline")
    short = [m for m in specifications(results, core)
             if m.nobs < (1 - SAMPLE_LOSS_NOTED) * base.nobs]
    if not short:
        return []
    items = [t("table.robustness.sample_item", model=m.label[t.lang], nobs=fmt.integer(m.nobs),
               share=f"{100 * m.nobs / base.nobs:.0f}") for m in short]
    return [t("table.robustness.note_sample", base=fmt.integer(base.nobs),
              models=("；" if t.lang == "zh" else "; ").join(items))]


def marginal_effects_table(model: ModelResult, config: Config, t: Translator) -> Table:
    moderator = model.diagnostics["moderator"]
    header = tuple(Cell(t(f"table.marginal.{c}", moderator=config.label(moderator, t.lang)),
                        kind="head") for c in ("percentile", "value", "estimate", "se", "ci"))
    rows = tuple(Row((Cell(f"P{round(e['percentile'] * 100)}"),
                      Cell(fmt.coef(e["moderator_value"], 3)),
                      Cell(fmt.coef(e["estimate"]), fmt.stars(e["p_value"])),
                      Cell(fmt.coef(e["std_error"])),
                      Cell(fmt.interval(e["ci_low"], e["ci_high"]))))
                 for e in model.diagnostics["marginal_effects"])
    return Table(f"marginal_{moderator}", t("table.marginal.title",
                                              core=config.label(config.model.core, t.lang),
                                              moderator=config.label(moderator, t.lang)),
                 header, rows, (t("table.marginal.note"),))


def variables_table(results: Results, config: Config, t: Translator) -> Table:
    """The codebook of the model's variables: role, label, unit and source."""
    model = config.model
    roles = [("dependent", [model.dependent]), ("core", [model.core]),
             ("control", list(model.controls)), ("moderator", list(model.moderators)),
             ("mediator", list(model.mediators))]
    # the data's column names, unless written in a script the brief's language does not use
    # (Chinese headers in the English brief, whose Meaning column names them in English)
    names = [n for _, group in roles for n in group]
    show_name = t.lang == "zh" or not any(CJK.search(n) for n in names)
    columns = ("role", "name", "label", "unit", "source") if show_name else (
        "role", "label", "unit", "source")
    header = tuple(Cell(t(f"table.variables.{c}"), kind="head") for c in columns)
    rows = []
    for role, names in roles:
        for name in names:
            spec = config.variables.get(name)
            built = results.indices.get(name)
            source = (spec.source.get(t.lang) if spec and spec.source else
                      t("table.variables.built",
                        method=t(f"table.variables.methods.{built.method}")) if built else
                      config.data.source.get(t.lang) if config.data.source else
                      results.data.file)
            label, unit = config.label(name, t.lang), config.unit(name, t.lang) or "—"
            rows.append(Row((Cell(t(f"table.variables.role_{role}"), kind="label"),
                             *([Cell(name, kind="short")] if show_name else []),
                             Cell(label, kind="short" if len(label) <= SHORT else "label"),
                             Cell(unit, kind="short" if len(unit) <= SHORT else "label"),
                             Cell(source, kind="label"))))
    # the note says where a source-less variable comes from only when a row names the data
    # file, and points to the indices' section only when the brief has one
    sources = {row.cells[-1].text for row in rows}
    notes = [t("table.variables.note") if results.indices else
             t("table.variables.note_file") if results.data.file in sources else ""]
    if len(sources) == 1 and len(rows) > 1:  # one source for all: said once, below
        header, rows = header[:-1], [Row(row.cells[:-1], row.kind) for row in rows]
        source = sources.pop()
        notes = [t("table.variables.note_only_file", file=source) if source ==
                 results.data.file else t("table.variables.note_one_source", source=source)]
    return Table("variables", t("table.variables.title"), header, tuple(rows),
                 tuple(n for n in notes if n))


def preparation_table(results: Results, config: Config, t: Translator) -> Table:
    """Every preparation step with its count, so the appendix says exactly what was done."""
    header = tuple(Cell(t(f"table.preparation.{c}"), kind="head")
                   for c in ("step", "column", "count", "detail"))
    names = results.status.names_in(t.lang)
    rows = []
    for step in results.preparation:
        p = step.params
        if step.step in ("interpolate", "extrapolate"):
            detail = "; ".join(f"{names.get(e, e)} {y}" for e, y in p.get("cells", ()))
        elif step.step == "winsorize":
            detail = t("table.preparation.detail_winsorize", low=p["clipped_low"],
                       high=p["clipped_high"], lower=f"{p['lower'] * 100:g}",
                       upper=f"{p['upper'] * 100:g}")
        elif step.step == "ratio":  # the columns by their labels where the config has them
            detail = (f"{config.label(p['numerator'], t.lang)} / "
                      f"{config.label(p['denominator'], t.lang)}")
        else:
            detail = config.label(str(p.get("source", "")), t.lang)
        rows.append(Row((Cell(t(f"table.preparation.kind_{step.step}"), kind="label"),
                         Cell(config.label(step.column, t.lang), kind="label"),
                         Cell(fmt.integer(step.count)), Cell(detail, kind="label"))))
    return Table("preparation", t("table.preparation.title"), header, tuple(rows),
                 (t("table.preparation.note"),))


def index_tables(results: Results, config: Config, t: Translator) -> list[Table]:
    """For each entropy-weighted index, its indicators with direction, group, entropy,
    redundancy and weight (pooled stage, or the reporting year's when weighted per year)."""
    tables = []
    for name, index in results.indices.items():
        stages = [s for s in index.stages if s.over == name] or list(index.stages)
        if not stages:
            continue
        stage = next((s for s in stages if s.rows in ("all", str(results.status.report_year))),
                     stages[0])
        group_of = {c: g for g, cols in index.params.get("groups", {}).items() for c in cols}
        header = tuple(Cell(t(f"table.index.{c}"), kind="head")
                       for c in ("indicator", "group", "direction", "entropy", "redundancy",
                                 "weight"))
        def indicator(column: str, method: str = index.method) -> str:
            """The trade indices it combines by their names, or a data column's label."""
            key = f"table.index.components.{column}"
            return (t(key) if method == "trade_entropy" and t.has(key)
                    else config.label(column, t.lang))

        rows = tuple(
            Row((Cell(indicator(column), kind="label"),
                 Cell(config.label(group_of.get(column, ""), t.lang), kind="name"),
                 Cell(t("table.index.negative" if index.directions.get(column) in ("-", "negative")
                        else "table.index.positive")),
                 Cell(fmt.num(stage.entropy[column], 4)),
                 Cell(fmt.num(stage.redundancy[column], 4)),
                 Cell(fmt.num(stage.weight[column], 4))))
            for column in stage.weight)
        tables.append(Table(f"index_{name}", t("table.index.title",
                                                 index=config.label(name, t.lang)),
                            header, rows, (t(f"table.index.note_{index.method}",
                                             rows=t("table.index.rows_all")
                                             if stage.rows == "all" else
                                             t("table.index.rows_year", year=stage.rows)),)))
    return tables


# The brief lists every entity up to FULL_RANKING of them; beyond, the RANKING_ENDS highest
# and lowest and the config's `status.focus` entities (the full ranking is in tables/)
FULL_RANKING = 30
RANKING_ENDS = 10


def shown_entities(status: Status, focus: Sequence[str] = ()) -> list[EntityStatus | None]:
    """The entities the brief shows, in rank order, None where others are left out."""
    entities = list(status.entities)
    if len(entities) <= FULL_RANKING:
        return list(entities)
    keep = {i for i in range(RANKING_ENDS)} | {
        i for i in range(len(entities) - RANKING_ENDS, len(entities))} | {
        i for i, e in enumerate(entities) if e.entity in focus or e.names.get("zh") in focus
        or e.names.get("en") in focus}
    out: list[EntityStatus | None] = []
    for i, e in enumerate(entities):
        if i in keep:
            out.append(e)
        elif out and out[-1] is not None:
            out.append(None)
    return out


def ranking_table(results: Results, config: Config, t: Translator,
                  full: bool = True) -> Table:
    """Each entity's level, rank and change in the reporting year, and its share of the
    regional total of the status column when one is configured; `full=False`: as the
    brief shows it, shortened beyond FULL_RANKING entities."""
    status = results.status
    columns = ["rank", "entity", "value", "change"]
    if status.share_column:
        columns += ["share", "share_change"]
    share_label = config.label(status.share_column or "", t.lang)
    level = status.variable or config.model.dependent  # in levels (Config.level_of)
    unit = config.unit(level, t.lang)
    previous = previous_period(results, t)
    digits = status_digits(status)
    header = tuple(Cell(fmt.with_unit(t(f"table.ranking.{c}", year=status.report_year,
                                        column=share_label, previous=previous),
                                      unit if c == "value" else None, t.lang), kind="head")
                   for c in columns)
    rows = []
    shown = list(status.entities) if full else shown_entities(status, config.status.focus)
    for e in shown:
        if e is None:  # entities left out here (all of them are in tables/)
            rows.append(Row((Cell("…"), *(Cell("") for _ in columns[1:])), kind="gap"))
            continue
        cells = [Cell(str(e.rank)), Cell(e.names[t.lang], kind="label"),
                 Cell(fmt.num(e.value, digits)),
                 Cell(fmt.signed(e.change, digits))]
        if status.share_column:
            cells += [Cell(fmt.percent(e.share)), Cell(fmt.points(e.share_change))]
        rows.append(Row(tuple(cells)))
    notes = [t("table.ranking.note", previous=previous)]
    # who entered and who left since the previous period, by name (an unbalanced panel):
    # those that left have no rank, and those that entered no change
    names = status.names_in(t.lang)  # those that left too
    for key in ("entered", "left"):
        if status.recent.get(key):
            notes.append(t(f"table.ranking.note_{key}", year=status.report_year,
                           previous=previous,
                           names=listed([names[e] for e in status.recent[key]], t)))
    if None in shown:
        notes.append(t("table.ranking.note_short" if config.status.focus
                       else "table.ranking.note_short_nofocus", ends=RANKING_ENDS,
                       n=len(status.entities),
                       file=f"tables/ranking_{t.lang}.csv"))
    if status.share_column:
        notes.append(t("table.ranking.note_share", column=share_label))
    return Table("ranking", t("table.ranking.title", year=status.report_year,
                              variable=config.label(level, t.lang)),
                 header, tuple(rows), tuple(notes))


def status_table(results: Results, config: Config, t: Translator) -> Table:
    """The region by year: mean of the dependent, total and growth of the status column,
    and the concentration of entity shares (HHI)."""
    status = results.status
    column = config.label(status.share_column or "", t.lang)
    unit = config.unit(status.share_column or "", t.lang)
    level = status.variable or config.model.dependent
    # on an unbalanced panel, how many entities each year's mean and total are over: a jump
    # when entities enter is then not read as growth
    counts = list(status.n_by_year) if len(set(status.n_by_year)) > 1 else []
    columns = ("year", *(("n",) if counts else ()), "mean", "total", "growth", "hhi")
    header = tuple(Cell(fmt.with_unit(t(f"table.status.{c}", column=column,
                                        variable=config.label(level, t.lang)),
                                      unit if c == "total" else None, t.lang), kind="head")
                   for c in columns)
    # counts (deaths, firms) stay whole; amounts keep one decimal
    whole = all(float(v).is_integer() for v in status.share_total)
    digits = status_digits(status)
    rows = tuple(Row((Cell(str(year)), *((Cell(str(counts[i])),) if counts else ()),
                      Cell(fmt.num(mean, digits)), Cell(fmt.num(total, 0 if whole else 1)),
                      Cell(fmt.percent(growth) if growth is not None else "—"),
                      Cell(fmt.small(hhi, 3))))
                 for i, (year, mean, total, growth, hhi) in enumerate(zip(
                     status.years, status.dependent_mean, status.share_total,
                     status.share_growth, status.hhi, strict=True)))
    notes = [t("table.status.note")]
    if counts:  # growth over the entities in both years unless the total is the reported one
        notes.append(t("table.status.note_counts" if status.share_total_row
                       else "table.status.note_counts_matched"))
    shares = [c for c in status.share_coverage if c is not None]
    if status.share_total_row and shares:
        notes.append(t("table.status.note_total",
                       low=fmt.percent(min(shares)), high=fmt.percent(max(shares))))
    return Table("status", t("table.status.title", column=column), header, rows, tuple(notes))


def build_tables(results: Results, config: Config, t: Translator) -> dict[str, Table]:
    """Every table of the brief, keyed by id, in one language (absent analyses, absent
    tables)."""
    by_id = {m.id: m for m in results.models}

    def pick(*ids: str) -> list[ModelResult]:
        return [by_id[i] for i in ids if i in by_id]

    tables = [ranking_table(results, config, t), *index_tables(results, config, t),
              *([status_table(results, config, t)] if results.status.share_column else []),
              descriptives_table(results, config, t),
              correlation_table(results, config, t),
              *([vif_table(results, config, t)] if results.vif else []),
              regression_table("baseline", pick("baseline", "baseline_controls"), config, t)]
    tables.append(variables_table(results, config, t))
    if results.preparation:
        tables.append(preparation_table(results, config, t))
    if "re" in by_id:
        tables += [regression_table("selection", pick("pooled_ols", "fe_entity", "re"),
                                    config, t, by="label"), tests_table(results, config, t)]
    tables.append(robustness_table(results, config, t))
    if "iv_2sls" in by_id:
        tables.append(iv_table(by_id["iv_first_stage"], by_id["iv_2sls"], config, t))
    moderation = [m for m in results.models if m.id.startswith("moderation_")]
    if moderation:
        tables.append(regression_table("moderation", moderation, config, t, by="label"))
        tables += [marginal_effects_table(m, config, t) for m in moderation]
    mechanisms = [m for m in results.models if m.id.startswith("mechanism_")]
    if mechanisms:
        tables.append(_with_sobel(regression_table("mechanisms", mechanisms, config, t),
                                  mechanisms, results, t))
    groups = [m for m in results.models if m.id.startswith("heterogeneity_")]
    if groups:
        tables.append(_with_equal_effects(
            regression_table("heterogeneity", groups, config, t, by="label"), groups, results,
            config, t))
    return {table.id: table for table in tables}
