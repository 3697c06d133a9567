"""Listwise deletion model by model (`prepare.missing = "drop"`, the default), on the default
study with holes punched at random: every model is estimated on exactly the rows its own
variables are present in, its point estimates equal linearmodels' on those rows, the
bootstrap rebuilds every sample, and what each model left out is recorded. The R reference
with holes is tests/reference/fixtures/produc_holes.json (tests/test_reference.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reporter import pipeline
from reporter.config import load_config
from reporter.indices import build_indices
from reporter.load import load_panel
from reporter.prepare import prepare

ROOT = Path(__file__).resolve().parent.parent
COLUMNS = ["compet", "ec", "x1", "x2", "x3", "x4", "x5", "tfp", "innov"]
CONTROLS = ["x1", "x2", "x3", "x4", "x5"]
N_ROWS = 132  # 12 cities x 11 years


def _study(folder: Path, holes: list[tuple[int, str]]) -> Path:
    """The default study with `holes` blanked in its data, a control that is also a
    moderator, and few bootstrap draws."""
    frame = pd.read_csv(ROOT / "data" / "zhejiang_cities.csv")
    for row, column in holes:
        frame.loc[row, column] = np.nan
    frame.to_csv(folder / "zhejiang_cities.csv", index=False)
    text = (ROOT / "data" / "zhejiang_hightech.toml").read_text(encoding="utf-8")
    text = text.replace("moderators = []", 'moderators = ["x4"]')
    text += "\n[inference]\nreps = 199\n"
    (folder / "study.toml").write_text(text, encoding="utf-8")
    return folder / "study.toml"


def _prepared(config_path: Path) -> pd.DataFrame:
    config = load_config(config_path)
    panel, _ = prepare(load_panel(config), config)
    return build_indices(panel, config)[0].frame


def _linearmodels_beta(frame: pd.DataFrame, dependent: str, regressors: list[str]) -> np.ndarray:
    from linearmodels import PanelOLS

    data = frame.dropna(subset=[dependent, *regressors]).set_index(["city", "year"])
    fit = PanelOLS(data[dependent], data[regressors], entity_effects=True,
                   time_effects=True).fit()
    return fit.params[regressors].to_numpy()


HOLES = st.lists(st.tuples(st.integers(0, N_ROWS - 1), st.sampled_from(COLUMNS)),
                 min_size=1, max_size=24, unique=True)


@settings(derandomize=True, deadline=None, database=None, max_examples=6,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(holes=HOLES)
def test_each_model_runs_on_the_rows_its_variables_are_present_in(tmp_path, holes):
    folder = tmp_path / "study"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    config_path = _study(folder, holes)
    results = pipeline.analyse(load_config(config_path), pipeline.Timer())
    frame = _prepared(config_path)
    samples = {
        "baseline": ["compet", "ec"],
        "baseline_controls": ["compet", "ec", *CONTROLS],
        "pooled_ols": ["compet", "ec", *CONTROLS],
        "re": ["compet", "ec", *CONTROLS],
        "robustness_winsorized": ["compet", "ec", *CONTROLS],
        "robustness_driscoll_kraay": ["compet", "ec", *CONTROLS],
        "moderation_x4": ["compet", "ec", *CONTROLS],
        "mechanism_tfp_a": ["compet", "ec", *CONTROLS, "tfp"],
        "mechanism_innov_b": ["compet", "ec", *CONTROLS, "innov"],
    }
    for model_id, columns in samples.items():
        model = results.model(model_id)
        complete = frame[columns].notna().all(axis=1)
        dropped = model.diagnostics.get("singletons_dropped", 0)
        assert model.nobs == int(complete.sum()) - dropped, model_id
        lost = model.diagnostics.get("missing")
        assert (lost or {}).get("rows", 0) == int((~complete).sum()), model_id
        if lost:
            absent = frame[columns].isna().sum()
            assert lost["by_variable"] == {c: int(n) for c, n in absent.items() if n}
    for model_id, regressors in (("baseline", ["ec"]),
                                 ("baseline_controls", ["ec", *CONTROLS])):
        model = results.model(model_id)
        ours = np.array([model.coefficients[r].estimate for r in regressors])
        np.testing.assert_allclose(ours, _linearmodels_beta(frame, "compet", regressors),
                                   rtol=1e-8)
    assert results.sensitivity["wild_bootstrap"]["skipped"] == {}
    main = results.model("baseline_controls").diagnostics.get("missing")
    assert results.data.missing_dropped == main


def test_without_holes_nothing_is_recorded():
    results = pipeline.analyse(load_config(ROOT / "data" / "zhejiang_hightech.toml"),
                               pipeline.Timer())
    assert results.data.missing == "drop" and results.data.missing_dropped is None
    assert not any("missing" in m.diagnostics for m in results.models)


@pytest.mark.parametrize("policy", ["error", "interpolate"])
def test_other_policies_refuse_what_they_cannot_fill(tmp_path, policy):
    from reporter.errors import InputError

    config_path = _study(tmp_path, [(0, "x1")])  # 杭州's first year: nothing to interpolate from
    text = config_path.read_text(encoding="utf-8")
    config_path.write_text(text.replace('missing = "drop"', f'missing = "{policy}"'),
                           encoding="utf-8")
    with pytest.raises(InputError) as info:
        pipeline.analyse(load_config(config_path), pipeline.Timer())
    assert info.value.params["column"] == "x1"
