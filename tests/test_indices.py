"""The indices stage against independent references: a published entropy-weight example
reproduced by hand, base R on the province panel (tests/reference/make_indices.R) at 1e-10,
and PRODY/EXPY and the method of reflections on hand-computed 3 x 4 cases and against
brute-force loops on seeded random tables."""

from __future__ import annotations

import dataclasses
import json
import math
from fractions import Fraction
from pathlib import Path
from types import MappingProxyType

import numpy as np
import pandas as pd
import pytest

from reporter import pipeline
from reporter.config import EntropyIndex, IndexConfig, TradeEntropyIndex, load_config
from reporter.errors import InputError
from reporter.indices import build_indices
from reporter.indices.complexity import Flows, prody_expy, reflections
from reporter.indices.entropy import composite, entropy_weights, normalise
from reporter.load import load_panel
from reporter.prepare import prepare
from reporter.results import to_dict

ROOT = Path(__file__).resolve().parent.parent
PROVINCE = ROOT / "data" / "provinces_resilience.toml"
FIXTURE = ROOT / "tests" / "reference" / "fixtures" / "indices" / "provinces.json"
NM = tuple(f"nm_{i:02d}" for i in range(1, 13))
ERES = tuple(f"eres_{i:02d}" for i in range(1, 14))
NM_GROUPS = {"digital_industrialisation": NM[:6], "industrial_digitalisation": NM[6:]}
ERES_GROUPS = {"resistance_recovery": ERES[:8], "reconstruction": ERES[8:]}


# --- entropy weights: a published worked example, by hand ------------------------------

# Xu, X. (2004). A note on the subjective and objective integrated approach to determine
# attribute weights. European Journal of Operational Research 156(2), 530-532: four
# alternatives, four benefit attributes, p = x / column sum, published weights to 4 places.
XU_MATRIX = np.array([[30, 30, 38, 29], [19, 54, 86, 29], [19, 15, 85, 28.9],
                      [68, 70, 60, 29]], dtype=float)
XU_WEIGHTS = (0.4630, 0.3992, 0.1378, 0.0000)


def test_entropy_weights_reproduce_the_published_example():
    entropy, redundancy, weight = entropy_weights(XU_MATRIX)
    assert tuple(np.round(weight, 4)) == XU_WEIGHTS
    # by hand, column 1: sum 136; p = 30/136, 19/136, 19/136, 68/136
    p = [30 / 136, 19 / 136, 19 / 136, 68 / 136]
    e1 = -sum(v * math.log(v) for v in p) / math.log(4)
    assert entropy[0] == pytest.approx(e1, abs=1e-15)
    assert redundancy[0] == pytest.approx(1 - e1, abs=1e-15)
    # every column the same way, then w = d / sum(d)
    d = []
    for column in XU_MATRIX.T:
        total = sum(column)
        d.append(1 + sum(v / total * math.log(v / total) for v in column) / math.log(4))
    assert weight == pytest.approx([v / sum(d) for v in d], abs=1e-15)
    assert weight.sum() == pytest.approx(1.0, abs=1e-15)


def test_zero_shares_count_as_zero_in_the_entropy():
    """0 ln 0 = 0: a column with one nonzero value has entropy 0, an even column 1."""
    entropy, _, weight = entropy_weights(np.array([[0.0, 1.0], [0.0, 1.0], [5.0, 1.0]]))
    assert entropy == pytest.approx([0.0, 1.0], abs=1e-15)
    assert weight == pytest.approx([1.0, 0.0], abs=1e-15)


def test_min_max_by_direction_and_the_shift_by_hand():
    """Three rows, one benefit and one cost indicator, shift a = 0.5 (to keep it exact)."""
    data = pd.DataFrame({"good": [1.0, 2.0, 5.0], "bad": [10.0, 30.0, 20.0]})
    z = normalise(data.to_numpy(), np.array([False, True]), ["good", "bad"], "all")
    assert z.tolist() == [[0.0, 1.0], [0.25, 0.0], [1.0, 0.5]]
    made = composite(data, "x", negative=["bad"], shift=0.5)
    # shifted: good 0.5, 0.75, 1.5 (sum 2.75); bad 1.5, 0.5, 1.0 (sum 3)
    e = [-sum(v / s * math.log(v / s) for v in col) / math.log(3)
         for col, s in (((0.5, 0.75, 1.5), 2.75), ((1.5, 0.5, 1.0), 3.0))]
    w = [(1 - v) / (2 - sum(e)) for v in e]
    stage = made.stages[0]
    assert (stage.over, stage.rows) == ("x", "all")
    assert [stage.entropy["good"], stage.entropy["bad"]] == pytest.approx(e, abs=1e-15)
    assert [stage.weight["good"], stage.weight["bad"]] == pytest.approx(w, abs=1e-15)
    # the score uses the unshifted z
    assert made.values == pytest.approx([w[1], 0.25 * w[0], w[0] + 0.5 * w[1]], abs=1e-15)


# --- the province panel against base R ---------------------------------------------------

@pytest.fixture(scope="module")
def province():
    config = load_config(PROVINCE)
    panel, steps = prepare(load_panel(config), config)
    return config, panel, steps


@pytest.fixture(scope="module")
def reference():
    return json.loads(FIXTURE.read_text(encoding="utf-8"))


def _spec(case: str) -> IndexConfig:
    trade = {"exports": "mfg_export", "imports": "mfg_import", "total_exports": "total_export"}
    national = {"reference_exports": "nat_mfg_export", "reference_total": "nat_total_export"}
    return {
        "nm": EntropyIndex("nm", columns=NM, groups=NM_GROUPS),
        "nm_two_level": EntropyIndex("nm", columns=NM, groups=NM_GROUPS, hierarchy="entropy"),
        "nm_by_year": EntropyIndex("nm", columns=NM, groups=NM_GROUPS, pooling="year"),
        "eres": EntropyIndex("eres", columns=ERES, negative=("eres_03",), groups=ERES_GROUPS),
        "ecpv": TradeEntropyIndex("ecpv", **trade, **national),
        "ecpv_panel_by_year": TradeEntropyIndex("ecpv", **trade, pooling="year"),
    }[case]


def _aligned(panel, reference, values) -> np.ndarray:
    """Our row-aligned values in the fixture's row order."""
    ours = pd.Series(np.asarray(values, dtype=float),
                     index=pd.MultiIndex.from_frame(panel.frame[[panel.entity, panel.time]]))
    keys = pd.MultiIndex.from_arrays([reference["province"], reference["year"]])
    return ours.reindex(keys).to_numpy()


def _close(actual, expected, what):
    assert np.allclose(actual, expected, rtol=1e-10, atol=1e-12), what


def test_fixture_matches_the_committed_data(reference):
    import hashlib
    digest = hashlib.md5((ROOT / reference["data_file"]).read_bytes()).hexdigest()
    assert digest == reference["input_md5"]


def test_interpolated_cells_match_r(province, reference):
    _, panel, steps = province
    frame = panel.frame.set_index([panel.entity, panel.time])
    for cell in reference["interpolated"]:
        assert frame.loc[(cell["province"], cell["year"]), cell["column"]] == pytest.approx(
            cell["value"], rel=1e-12)
    filled = {(s.column, e, y) for s in steps if s.step == "interpolate"
              for e, y in s.params["cells"]}
    assert filled == {(c["column"], c["province"], c["year"]) for c in reference["interpolated"]}
    assert sum(s.count for s in steps if s.step == "interpolate") == 8


@pytest.mark.parametrize("case", ["nm", "nm_two_level", "nm_by_year", "eres", "ecpv",
                                  "ecpv_panel_by_year"])
def test_indices_match_r(province, reference, case):
    config, panel, _ = province
    spec = _spec(case)
    built, results, _ = build_indices(panel, dataclasses.replace(
        config, indices=MappingProxyType({spec.name: spec})))
    ref, ours = reference["cases"][case], results[spec.name]
    _close(_aligned(built, reference, built.frame[spec.name]), ref["values"], "values")
    assert len(ours.stages) == len(ref["stages"])
    for mine, theirs in zip(ours.stages, ref["stages"], strict=True):
        assert (mine.over, mine.rows) == (theirs["over"], theirs["rows"])
        for part in ("entropy", "redundancy", "weight"):
            got = getattr(mine, part)
            assert list(got) == list(theirs[part])
            _close(list(got.values()), list(theirs[part].values()), f"{mine.rows} {part}")
    for rows, weights in (ref.get("group_weights") or {}).items():  # R writes {} as []
        _close([ours.group_weights[rows][g] for g in weights], list(weights.values()), rows)
    for name, values in {**(ref.get("subindices") or {}), **ref.get("components", {})}.items():
        component = ours.components[name]
        flat = [component[e][y] for e, y in zip(built.frame[panel.entity],
                                                built.frame[panel.time], strict=True)]
        _close(_aligned(built, reference, flat), values, name)


def test_province_study_builds_its_indices_before_estimating(tmp_path):
    results = pipeline.analyse(load_config(PROVINCE), pipeline.Timer())
    assert list(results.indices) == ["nm", "eres", "ecpv", "ecpc"]
    assert results.indices["ecpc"].method == "expy"
    eres = results.indices["eres"]
    assert eres.directions["eres_03"] == "-"
    assert sum(eres.stages[0].weight.values()) == pytest.approx(1.0, abs=1e-12)
    assert set(eres.group_weights["all"]) == {"resistance_recovery", "reconstruction"}
    assert results.descriptives["nm"].max <= 1.0
    body = to_dict(results)
    assert body["indices"]["ecpv"]["stages"][0]["weight"].keys() == {"tc", "ms", "rca"}
    assert body["indices"]["nm"]["components"]["digital_industrialisation"]["北京"]["2011"] > 0
    steps = [s for s in body["preparation"] if s["step"] == "interpolate"]
    assert sum(s["count"] for s in steps) == 8
    json.dumps(body, allow_nan=False)  # serialisable as results.json


def test_a_constant_indicator_in_a_year_is_named(province):
    """eres_11 (pilot zones) is 0 in every province in 2011: no per-year min-max."""
    config, panel, _ = province
    spec = EntropyIndex("eres", columns=ERES, pooling="year")
    with pytest.raises(InputError) as info:
        build_indices(panel, dataclasses.replace(config, indices=MappingProxyType(
            {"eres": spec})))
    assert info.value.exit_code == 2
    assert info.value.key == "indices.constant"
    assert info.value.params["column"] == "eres_11" and info.value.params["years"] == "2011"
    assert "eres_11" in info.value.bilingual() and "2011" in info.value.message("zh")


# --- trade indices on a 3-region toy panel -----------------------------------------------

def _toy_study(tmp_path: Path, indices: str, rows: list[dict], model: str = "") -> Path:
    pd.DataFrame(rows).to_csv(tmp_path / "panel.csv", index=False)
    model = model or 'dependent = "y"\ncore = "x"\n'
    text = (f'[study]\nid = "t"\ntitle = "t"\nregion = "r"\nyear = 2022\n\n'
            f'[data]\npath = "panel.csv"\nentity = "region"\ntime = "year"\n\n'
            f"{indices}\n[model]\n{model}")
    path = tmp_path / "study.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _toy_rows() -> list[dict]:
    rows = []
    for year, scale in ((2020, 1.0), (2021, 2.0), (2022, 4.0)):
        for region, x, m, t in (("A", 6, 2, 10), ("B", 3, 3, 12), ("C", 1, 5, 8)):
            rows.append({"region": region, "year": year, "y": x * scale + year % 7,
                         "x": t * scale - year % 5, "ex": x * scale, "im": m * scale,
                         "tot": t * scale, "nat_ex": 20 * scale, "nat_tot": 50 * scale})
    return rows


def _build(path: Path):
    config = load_config(path)
    panel, _ = prepare(load_panel(config), config)
    return build_indices(panel, config)


def test_tc_ms_rca_and_deviation_by_hand(tmp_path):
    path = _toy_study(tmp_path, """
[indices.tc]
method = "tc"
exports = "ex"
imports = "im"
[indices.ms]
method = "ms"
exports = "ex"
reference_exports = "nat_ex"
[indices.ms_panel]
method = "ms"
exports = "ex"
[indices.rca]
method = "rca"
exports = "ex"
total_exports = "tot"
reference_exports = "nat_ex"
reference_total = "nat_tot"
[indices.rca_panel]
method = "rca"
exports = "ex"
total_exports = "tot"
[indices.dev]
method = "deviation"
column = "ex"
base_year = 2020
""", _toy_rows())
    panel, results, _ = _build(path)
    a = panel.frame.set_index(["region", "year"]).loc[("A", 2021)]
    assert a.tc == pytest.approx((12 - 4) / (12 + 4))  # (X - M)/(X + M), scale 2
    assert a.ms == pytest.approx(12 / 40)
    assert a.ms_panel == pytest.approx(12 / (12 + 6 + 2))
    assert a.rca == pytest.approx((12 / 20) / (40 / 100))
    assert a.rca_panel == pytest.approx((12 / 20) / (20 / 60))
    assert a.dev == pytest.approx((12 - 6) / 6)
    c = panel.frame.set_index(["region", "year"]).loc[("C", 2020)]
    assert (c.tc, c.dev) == (pytest.approx(-4 / 6), 0.0)
    assert results["dev"].params["base_year"] == 2020
    assert results["ms_panel"].params["reference"] == "panel sum"


def test_deviation_without_the_base_year_names_the_entity(tmp_path):
    rows = [r for r in _toy_rows() if not (r["region"] == "B" and r["year"] == 2020)]
    path = _toy_study(tmp_path, '[indices.dev]\nmethod = "deviation"\ncolumn = "ex"\n'
                      "base_year = 2020\n", rows)
    with pytest.raises(InputError) as info:
        _build(path)
    assert info.value.key == "indices.no_base_year"
    assert (info.value.params["entity"], info.value.params["year"]) == ("B", 2020)


def test_zero_trade_is_an_error_naming_entity_and_year(tmp_path):
    rows = _toy_rows()
    rows[4].update(ex=0, im=0)  # B 2021
    path = _toy_study(tmp_path, '[indices.tc]\nmethod = "tc"\nexports = "ex"\nimports = "im"\n',
                      rows)
    with pytest.raises(InputError) as info:
        _build(path)
    assert info.value.key == "prepare.zero_denominator"
    assert (info.value.params["entity"], info.value.params["year"]) == ("B", 2021)
    assert info.value.params["key"] == "indices.tc"


def test_built_model_variables_are_winsorised_after_building(tmp_path):
    rows = _toy_rows()
    rows[0]["im"] = 0.1  # A 2020: TC 0.97, the one value above the 80th percentile (0.5)
    path = _toy_study(tmp_path, '[prepare]\nwinsorize = [0.2, 0.8]\n[indices.tcx]\n'
                      'method = "tc"\nexports = "ex"\nimports = "im"\n', rows,
                      'dependent = "y"\ncore = "tcx"\n')
    config = load_config(path)
    prepared, steps = prepare(load_panel(config), config)
    assert [s.column for s in steps] == ["y"]
    built, _, index_steps = build_indices(prepared, config)
    assert [(s.step, s.column) for s in index_steps] == [("winsorize", "tcx")]
    assert (index_steps[0].count, index_steps[0].params["clipped_high"]) == (1, 1)
    assert built.frame["tcx"].max() == pytest.approx(0.5)


# --- PRODY / EXPY: a hand-computed 3 x 4 case --------------------------------------------

# Exports of regions A, B, C (rows) in products p1..p4 (columns), each region 10 in total,
# and incomes 1, 2, 4. Shares s = x / 10:  A .5 .3 .2 0 | B 0 .5 .3 .2 | C .2 0 .5 .3.
# PRODY_p = sum_r s_rp Y_r / sum_r s_rp:
#   p1 (.5*1 + .2*4)/.7 = 13/7; p2 (.3*1 + .5*2)/.8 = 13/8; p3 (.2 + .6 + 2)/1 = 14/5;
#   p4 (.2*2 + .3*4)/.5 = 16/5.
# EXPY_r = sum_p s_rp PRODY_p:
#   A .5*13/7 + .3*13/8 + .2*14/5; B .5*13/8 + .3*14/5 + .2*16/5; C .2*13/7 + .5*14/5 + .3*16/5.
EXPY_X = [[5, 3, 2, 0], [0, 5, 3, 2], [2, 0, 5, 3]]
EXPY_INCOME = [1, 2, 4]
F = Fraction
HAND_PRODY = [F(13, 7), F(13, 8), F(14, 5), F(16, 5)]
HAND_EXPY = [F(1, 2) * F(13, 7) + F(3, 10) * F(13, 8) + F(1, 5) * F(14, 5),
             F(1, 2) * F(13, 8) + F(3, 10) * F(14, 5) + F(1, 5) * F(16, 5),
             F(1, 5) * F(13, 7) + F(1, 2) * F(14, 5) + F(3, 10) * F(16, 5)]


def _long(matrix, year=2020, regions="ABC") -> pd.DataFrame:
    return pd.DataFrame([{"region": regions[r], "product": f"p{p + 1}", "year": year,
                          "value": float(v)}
                         for r, row in enumerate(matrix) for p, v in enumerate(row)])


def _flows(table: pd.DataFrame) -> Flows:
    return Flows.from_columns(table["year"], table["region"], table["product"], table["value"])


def test_prody_expy_by_hand():
    expy, prody = prody_expy(_flows(_long(EXPY_X)), np.array([EXPY_INCOME], dtype=float))
    assert prody[0] == pytest.approx([float(v) for v in HAND_PRODY], rel=1e-14)
    assert expy[0] == pytest.approx([float(v) for v in HAND_EXPY], rel=1e-14)
    assert float(HAND_EXPY[1]) == pytest.approx(2.2925, abs=1e-12)  # the sum done by hand


def test_duplicate_rows_add_up_and_a_silent_region_has_no_expy():
    table = _long(EXPY_X)
    halves = pd.concat([table.assign(value=table.value / 2)] * 2, ignore_index=True)
    silent = pd.DataFrame([{"region": "D", "product": "p1", "year": 2020, "value": 0.0}])
    flows = _flows(pd.concat([halves, silent], ignore_index=True))
    expy, _ = prody_expy(flows, np.array([[*EXPY_INCOME, 8]], dtype=float))
    assert expy[0, :3] == pytest.approx([float(v) for v in HAND_EXPY], rel=1e-14)
    assert np.isnan(expy[0, 3])


# --- the method of reflections: a hand-computed 3 x 4 case -------------------------------

# Exports (A, B, C x p1..p4); region totals 13, 7, 15, product totals 9, 6, 16, 4, all 35.
# RCA = (x / X_r) / (X_p / 35):
#   A 0.90 0.90 1.35 0    -> M = 0 0 1 0
#   B 0    0    1.88 1.25 -> M = 0 0 1 1
#   C 1.56 1.56 0.29 1.75 -> M = 1 1 0 1
# diversity k_r0 = 1, 2, 3; ubiquity k_p0 = 1, 1, 2, 2.
# k_p1 (mean diversity of exporters) = 3, 3, (1+2)/2 = 3/2, (2+3)/2 = 5/2;
# k_r2 (mean k_p1 of its products) = 3/2, (3/2 + 5/2)/2 = 2, (3 + 3 + 5/2)/3 = 17/6;
# standardised (mean 19/9, deviations -11/18, -2/18, 13/18, sd 7/(6 sqrt 3)):
# (-11, -2, 13) sqrt(3) / 21.
# The reflection matrix D_r^-1 M D_p^-1 M' = [[1/2, 1/2, 0], [1/4, 1/2, 1/4], [0, 1/6, 5/6]]
# has trace 11/6 and determinant 1/12, so besides 1 its eigenvalues solve
# l^2 - 5/6 l + 1/12 = 0: l2 = (5 + sqrt 13)/12, l3 = (5 - sqrt 13)/12. For l2, row A gives
# b = (2 l2 - 1) a and row C gives c = b / (6 l2 - 5); ECI is that vector standardised and
# signed to rise with diversity (C highest).
REFLECT_X = [[3, 2, 8, 0], [0, 0, 6, 1], [6, 4, 2, 3]]


def _hand_eci() -> np.ndarray:
    l2 = (5 + math.sqrt(13)) / 12
    v = np.array([1.0, 2 * l2 - 1, (2 * l2 - 1) / (6 * l2 - 5)])
    v = -v  # c < 0 < a here, so the sign flips to rise with diversity 1, 2, 3
    return (v - v.mean()) / v.std(ddof=1)


def test_reflections_by_hand():
    flows = _flows(_long(REFLECT_X))
    one = reflections(flows, max_iter=1)
    assert one.diversity[0].tolist() == [1, 2, 3]
    assert one.ubiquity[0].tolist() == [1, 1, 2, 2]
    assert one.eci[0] == pytest.approx(np.array([-11, -2, 13]) * math.sqrt(3) / 21, abs=1e-14)
    assert (one.iterations, one.converged) == (1, False)
    done = reflections(flows, tol=1e-13)
    assert done.converged and 1 < done.iterations < 100
    assert done.eci[0] == pytest.approx(_hand_eci(), abs=1e-12)
    assert done.eci[0][2] == pytest.approx(1.0, abs=0.2)  # C, the most diversified


# --- fast paths against brute force on seeded random tables ------------------------------

def _random_table(seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = 400
    table = pd.DataFrame({"region": rng.choice(list("ABCDEFG"), n),
                          "product": rng.integers(0, 15, n), "year": rng.choice([2019, 2020], n),
                          "value": rng.gamma(1.0, 10.0, n) * (rng.random(n) > 0.1)})
    return table


def _brute_force(table: pd.DataFrame, income: dict[str, float]):
    """Dense matrices year by year, straight from the formulas."""
    expy, eci = {}, {}
    for year, rows in table.groupby("year"):
        x = rows.pivot_table(index="region", columns="product", values="value", aggfunc="sum",
                             fill_value=0.0)
        s = x.div(x.sum(axis=1), axis=0)
        y = np.array([income[r] for r in x.index])
        prody = (s.mul(y, axis=0)).sum() / s.sum()
        expy[year] = (s * prody).sum(axis=1)
        rca = s / (x.sum() / x.to_numpy().sum())
        m = (rca >= 1).to_numpy(dtype=float)
        m = m[:, m.sum(axis=0) > 0]
        w = np.diag(1 / m.sum(1)) @ m @ np.diag(1 / m.sum(0)) @ m.T
        values, vectors = np.linalg.eig(w)
        v = vectors[:, np.argsort(-values.real)[1]].real
        z = (v - v.mean()) / v.std(ddof=1)
        eci[year] = pd.Series(z * np.sign(np.dot(z, m.sum(1) - m.sum(1).mean())), x.index)
    return expy, eci


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_expy_and_eci_match_brute_force(seed):
    table = _random_table(seed)
    income = {r: float(i + 1) ** 1.5 for i, r in enumerate("ABCDEFG")}
    flows = _flows(table)
    grid = np.array([[income[r] for r in flows.regions] for _ in flows.years])
    expy, _ = prody_expy(flows, grid)
    out = reflections(flows, tol=1e-12)
    want_expy, want_eci = _brute_force(table, income)
    for t, year in enumerate(flows.years):
        for r, region in enumerate(flows.regions):
            assert expy[t, r] == pytest.approx(want_expy[year][region], rel=1e-12)
            assert out.eci[t, r] == pytest.approx(want_eci[year][region], abs=1e-8)
    assert out.converged


# --- EXPY and reflections through the config, from a flow file ---------------------------

def _flow_study(tmp_path: Path, method: str, flows: pd.DataFrame) -> Path:
    flows.to_parquet(tmp_path / "flows.parquet")
    rows = [{"region": r, "year": 2020 + t, "y": 1.0 + t + i, "x": (i + 1) * (t + 2.0) ** 0.5,
             "income": EXPY_INCOME[i]} for i, r in enumerate("ABC") for t in range(3)]
    extra = 'income = "income"\n' if method == "expy" else ""
    return _toy_study(tmp_path, f'[indices.c]\nmethod = "{method}"\n{extra}'
                      'flows = { path = "flows.parquet", product = "product", '
                      'value = "value" }\n', rows, 'dependent = "y"\ncore = "x"\n'
                      'moderators = ["c"]\n')


def _three_years(matrix) -> pd.DataFrame:
    return pd.concat([_long(matrix, year) for year in (2020, 2021, 2022)], ignore_index=True)


def test_expy_index_from_a_flow_file(tmp_path):
    panel, results, _ = _build(_flow_study(tmp_path, "expy", _three_years(EXPY_X)))
    frame = panel.frame.set_index(["region", "year"])
    assert frame.loc[("B", 2021), "c"] == pytest.approx(float(HAND_EXPY[1]), rel=1e-14)
    params = results["c"].params
    assert (params["rows"], params["regions"], params["products"]) == (36, 3, 4)


def test_reflections_index_from_a_flow_file(tmp_path):
    panel, results, _ = _build(_flow_study(tmp_path, "reflections", _three_years(REFLECT_X)))
    frame = panel.frame.set_index(["region", "year"])
    assert frame.loc[("C", 2022), "c"] == pytest.approx(_hand_eci()[2], abs=1e-9)
    assert results["c"].params["converged"] is True
    assert results["c"].components["diversity"]["B"][2020] == 2


def test_a_region_year_without_flows_is_named(tmp_path):
    table = _three_years(EXPY_X)
    table = table[~((table.region == "C") & (table.year == 2021))]
    with pytest.raises(InputError) as info:
        _build(_flow_study(tmp_path, "expy", table))
    assert info.value.key == "indices.no_flows"
    assert (info.value.params["entity"], info.value.params["year"]) == ("C", 2021)


def test_a_flow_region_without_income_is_named(tmp_path):
    table = pd.concat([_three_years(EXPY_X), _long([[1, 1, 1, 1]], 2020, "D")])
    with pytest.raises(InputError) as info:
        _build(_flow_study(tmp_path, "expy", table))
    assert info.value.key == "indices.flows_no_income"
    assert (info.value.params["entity"], info.value.params["year"]) == ("D", 2020)


def test_bad_flow_values_and_columns_are_named(tmp_path):
    table = _three_years(EXPY_X)
    table.loc[5, "value"] = -1.0
    with pytest.raises(InputError) as info:
        _build(_flow_study(tmp_path, "expy", table))
    assert info.value.key == "indices.flows_bad_values"
    assert (info.value.params["column"], info.value.params["row"]) == ("value", 6)
    with pytest.raises(InputError) as info:
        _build(_flow_study(tmp_path, "expy", table.rename(columns={"product": "hs6"})))
    assert info.value.key == "load.missing_column"
    assert info.value.params["column"] == "product"
