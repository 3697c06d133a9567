"""The whole run on the bundled studies: files, results.json shape, PDFs that read right."""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from studies import beyond_the_margin, bundled_run, layout_faults

from reporter import pipeline

ROOT = Path(__file__).resolve().parent.parent
CITY = ROOT / "data" / "zhejiang_hightech.toml"
PROVINCE = ROOT / "data" / "provinces_resilience.toml"
MODEL_KEYS = {"id", "label", "estimator", "dependent", "nobs", "r2", "r2_within",
              "entity_effects", "time_effects", "cov_type", "coefficients", "diagnostics"}
COEF_KEYS = {"estimate", "std_error", "stat", "p_value", "ci_low", "ci_high"}


@pytest.fixture(scope="module")
def city_run(tmp_path_factory):
    return bundled_run("zhejiang_hightech", tmp_path_factory).output


@pytest.fixture(scope="module")
def city_results(city_run):
    return json.loads((city_run / "results.json").read_text(encoding="utf-8"))


def test_outputs_exist(city_run):
    assert city_run.parts[-2:] == ("zhejiang-hightech", "2023")
    for name in ("brief_zh.pdf", "brief_en.pdf", "results.json", "manifest.json",
                 "brief_zh.html", "brief_en.html", "charts/status_zh.png"):
        assert (city_run / name).is_file(), name
    leftovers = [p.name for p in city_run.parent.iterdir() if p.name.startswith(".")]
    assert leftovers == []


def test_results_json_schema(city_results):
    r = city_results
    assert r["schema_version"] == 1
    assert {"id", "year", "dependent", "core", "controls"} <= set(r["study"])
    assert {"nobs", "n_entities", "n_periods", "balanced", "sha256"} <= set(r["data"])
    assert (r["data"]["nobs"], r["data"]["n_entities"], r["data"]["n_periods"]) == (132, 12, 11)
    variables = ["compet", "ec", "x1", "x2", "x3", "x4", "x5"]
    assert list(r["descriptives"]) == variables
    assert set(r["descriptives"]["ec"]) == {"n", "mean", "sd", "min", "max"}
    assert set(r["correlations"]) == {"r", "p"}
    assert set(r["correlations"]["p"]["ec"]) == set(variables)
    assert set(r["vif"]) == set(variables[1:])
    ids = [m["id"] for m in r["models"]]
    assert {"baseline", "baseline_controls"} <= set(ids)
    for model in r["models"]:
        assert set(model) >= MODEL_KEYS, model["id"]
        assert set(model["label"]) == {"zh", "en"}
        assert model["cov_type"] in {"cluster_entity_stata", "classical", "driscoll_kraay",
                                     "xtgls_hetero_ar1", "pggls_within"}
        for coef in model["coefficients"].values():
            assert set(coef) == COEF_KEYS
    by_id = {m["id"]: m for m in r["models"]}
    assert list(by_id["baseline_controls"]["coefficients"]) == variables[1:]
    assert by_id["baseline_controls"]["cov_type"] == "cluster_entity_stata"
    assert by_id["re"]["cov_type"] == "classical"
    required = {"pooled_ols", "fe_entity", "re", "baseline", "baseline_controls",
                "robustness_winsorized", "fgls", "fgls_general"}
    assert required <= set(by_id)
    assert {"hausman", "f_entity", "bp_lm"} <= set(r["tests"])
    assert r["selection"]["chosen"] in {"pooled_ols", "fe_entity", "re"}
    assert isinstance(r["findings"], list) and isinstance(r["recommendations"], list)


def test_manifest(city_run):
    manifest = json.loads((city_run / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["inputs"]["data"]["sha256"] == json.loads(
        (city_run / "results.json").read_text())["data"]["sha256"]
    assert {"load", "battery", "render_zh", "pdf_en"} <= set(manifest["timings"])
    assert {"numpy", "pandas", "weasyprint"} <= set(manifest["versions"])
    assert "brief_zh.pdf" in manifest["outputs"]
    assert manifest["render_warnings"] == {"zh": [], "en": []}
    boot = manifest["random"]["wild_bootstrap"]
    assert boot["seed"] == 20261123 and boot["reps"] == 9999  # the draws can be redone


def test_true_effect_recovered(city_results):
    """The generator's true total effect of ec (data/generate.py) lies in the baseline CI.
    Winsorising moves the estimate a little; the CI must still cover the truth."""
    truth = _true_total_effect()
    coef = next(m for m in city_results["models"] if m["id"] == "baseline_controls")
    ec = coef["coefficients"]["ec"]
    assert ec["ci_low"] < truth < ec["ci_high"]
    assert ec["p_value"] < 0.05


def _true_total_effect() -> float:
    """TOTAL_EFFECT_EC of data/generate.py, imported without generating anything."""
    spec = importlib.util.spec_from_file_location("generate", ROOT / "data" / "generate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert pytest.approx(0.12) == module.TOTAL_EFFECT_EC
    return module.TOTAL_EFFECT_EC


def _pdftotext(path: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True,
                          capture_output=True, text=True).stdout


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
def test_pdfs_read_right(city_run, city_results):
    zh = _pdftotext(city_run / "brief_zh.pdf")
    en = _pdftotext(city_run / "brief_en.pdf")
    assert "浙江省高新技术产业出口竞争力" in zh and "描述性统计" in zh and "基准回归" in zh
    assert "Descriptive statistics" in en and "Pearson correlations" in en
    assert "illustrative" in en and "示例数据" in zh
    assert "\ufffd" not in zh + en
    baseline = next(m for m in city_results["models"] if m["id"] == "baseline_controls")
    estimate = f"{baseline['coefficients']['ec']['estimate']:.4f}"
    assert estimate in zh and estimate in en
    fonts = subprocess.run(["pdffonts", str(city_run / "brief_zh.pdf")], check=True,
                           capture_output=True, text=True).stdout
    rows = fonts.splitlines()[2:]
    assert any("CJK" in row for row in rows)
    assert all(row.split()[-5] == "yes" for row in rows), fonts  # every font embedded
    for lang in ("zh", "en"):  # every table within the page's width
        assert beyond_the_margin(city_run / f"brief_{lang}.pdf") == [], lang


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
@pytest.mark.parametrize("study", ["zhejiang_hightech", "provinces_resilience"])
def test_pages_a_reader_does_not_stop_at(tmp_path_factory, study):
    """Both bundled briefs: no page under half full within its section, no table's notes
    cut from their table onto the next page, and the two languages within a page of each
    other (issue 17's layout)."""
    folder = bundled_run(study, tmp_path_factory).output
    pages = {}
    for lang in ("zh", "en"):
        pdf = folder / f"brief_{lang}.pdf"
        assert layout_faults(pdf) == [], (study, lang)
        info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True,
                              check=True).stdout
        pages[lang] = int(re.search(r"Pages:\s+(\d+)", info)[1])
    assert abs(pages["zh"] - pages["en"]) <= 1, pages


def test_results_json_is_deterministic(tmp_path, city_run):
    again = pipeline.run(CITY, tmp_path, formats=("json",))
    assert (again.output / "results.json").read_bytes() == (city_run / "results.json").read_bytes()


def test_province_study_runs(tmp_path):
    summary = pipeline.run(PROVINCE, tmp_path, langs=("en",), formats=("json",))
    results = json.loads((summary.output / "results.json").read_text())
    assert results["data"]["n_entities"] == 29
    assert results["data"]["nobs"] == 290
    # nm, eres, ecpv and ecpc are built from raw columns and the product-flow table
    assert set(results["indices"]) == {"nm", "eres", "ecpv", "ecpc"}
    assert results["indices"]["ecpc"]["method"] == "expy"


def test_json_format_renders_nothing(tmp_path, monkeypatch):
    """`--format json`: results.json and the manifest only; no chart, table, HTML or PDF
    is made and no renderer process is started."""
    from reporter import pipeline, workers

    started = []
    monkeypatch.setattr(pipeline, "start_renderer",
                        lambda n: started.append(n) or workers.start_renderer(n))
    summary = pipeline.run(CITY, tmp_path, formats=("json",))
    assert sorted(p.name for p in summary.output.rglob("*")) == ["manifest.json",
                                                                 "results.json"]
    assert started == [1]  # one process: none forked
    assert not any(k.startswith(("render", "pdf", "html")) for k in summary.seconds)


def test_status_describes_the_data_as_they_are(city_results):
    """Winsorising is for estimation: the levels, ranks, changes and yearly means of the
    status section equal the raw panel's (the default study winsorises at 1/99)."""
    import pandas as pd

    raw = pd.read_csv(ROOT / "data" / "zhejiang_cities.csv")
    study = city_results["study"]
    entity, dependent = "city", study["dependent"]
    year = study["year"]
    assert any(s["step"] == "winsorize" and s["column"] == dependent and s["count"]
               for s in city_results["preparation"])  # the dependent was winsorised
    now = raw[raw["year"] == year].set_index(entity)[dependent]
    before = raw[raw["year"] == year - 1].set_index(entity)[dependent]
    status = city_results["status"]
    for row in status["entities"]:
        assert row["value"] == pytest.approx(now[row["entity"]], rel=1e-12)
        assert row["change"] == pytest.approx(now[row["entity"]] - before[row["entity"]],
                                              rel=1e-9)
    assert [r["entity"] for r in status["entities"]] == list(
        now.sort_values(ascending=False).index)
    means = raw.groupby("year")[dependent].mean()
    assert status["dependent_mean"] == pytest.approx(list(means), rel=1e-12)
    assert status["dependent_max"] == pytest.approx(list(raw.groupby("year")[dependent].max()))


@pytest.mark.parametrize(("model", "expected"), [
    ('dependent = "compet"\ncore = "ec"\ncontrols = []', "no_controls"),
    ('dependent = "compet"\ncore = "ec"\ncontrols = ["x1", "x2"]\nmoderators = ["x2"]',
     "control_moderator"),
])
def test_roles_a_user_may_give(tmp_path, model, expected):
    """A core-only study, and a control that is also a moderator (Stata's c.x##c.z with z
    among the controls): both run; the moderation model has the moderator once."""
    from tests.studies import write_study

    config = write_study(tmp_path / "study", model)
    summary = pipeline.run(config, tmp_path / "out", langs=("en",), formats=("html", "json"))
    results = json.loads((summary.output / "results.json").read_text(encoding="utf-8"))
    html = (summary.output / "brief_en.html").read_text(encoding="utf-8")
    if expected == "no_controls":
        assert results["vif"] == {} and "no variance inflation factor" in html
        assert "baseline" in {m["id"] for m in results["models"]}
    else:
        moderation = next(m for m in results["models"] if m["id"] == "moderation_x2")
        assert moderation["regressors"] == ["ec", "x2", "ec_x_x2", "x1"]
        assert list(results["descriptives"]) == ["compet", "ec", "x1", "x2"]


def _singleton_panel():
    import pandas as pd

    frame = pd.read_csv(ROOT / "data" / "zhejiang_cities.csv")
    lone = (frame.city == "温州") & (frame.year != 2023)  # 温州: 2023 only, a singleton
    return frame[~lone].reset_index(drop=True), frame[frame.city != "温州"]


@pytest.mark.parametrize("policy", ["drop", "keep"])
def test_singletons_as_reghdfe_or_as_xtreg(tmp_path, policy):
    """`drop` (default): the model equals one on the panel without the singleton, nobs and
    clusters included (reghdfe, pyfixest); `keep` (xtreg): the same estimates, and standard
    errors larger by exactly the square root of the ratio of the small-sample factors (a
    singleton's within-transformed row is zero, so only n and G change)."""
    from reporter.battery.panel import STATA_CLUSTER
    from reporter.config import load_config
    from tests.studies import write_study

    model = 'dependent = "compet"\ncore = "ec"\ncontrols = ["x1", "x2"]\n'
    with_lone, without = _singleton_panel()
    runs = {}
    for name, frame, singletons in (("with", with_lone, policy), ("without", without, "keep")):
        config = write_study(tmp_path / name, model + f'singletons = "{singletons}"\n', frame)
        runs[name] = pipeline.analyse(load_config(config), pipeline.Timer())
    ours, reference = (runs[k].model("baseline_controls") for k in ("with", "without"))
    for name, coef in reference.coefficients.items():
        assert ours.coef(name).estimate == pytest.approx(coef.estimate, rel=1e-10)
    if policy == "drop":
        assert (ours.nobs, ours.n_clusters) == (reference.nobs, reference.n_clusters)
        assert ours.diagnostics["singletons_dropped"] == 1
        assert runs["with"].data.singletons_dropped == 1
        for name, coef in reference.coefficients.items():
            assert ours.coef(name).std_error == pytest.approx(coef.std_error, rel=1e-10)
    else:
        assert (ours.nobs, ours.n_clusters) == (reference.nobs + 1, reference.n_clusters + 1)
        k = reference.diagnostics["cluster_factor"]
        assert k == pytest.approx(STATA_CLUSTER.factor(reference.nobs, reference.n_clusters,
                                                       3 + 1 + reference.n_periods - 1))
        ratio = (ours.diagnostics["cluster_factor"] / k) ** 0.5
        for name, coef in reference.coefficients.items():
            assert ours.coef(name).std_error == pytest.approx(coef.std_error * ratio,
                                                              rel=1e-9)


@pytest.mark.parametrize("study", ["zhejiang_hightech", "provinces_resilience"])
def test_every_model_is_in_the_catalogue_and_the_bootstrap_rebuilds_each(study):
    """reporter/models.py is the one list of models: every model a run reports has an
    entry, and every model it marks as bootstrapped is rebuilt and tested (a mismatch
    would be a note in the brief, and is a failure here)."""
    from reporter.config import load_config
    from reporter.models import bootstrapped, spec

    results = pipeline.analyse(load_config(ROOT / "data" / f"{study}.toml"), pipeline.Timer())
    assert [m.id for m in results.models if spec(m.id) is None] == []
    record = results.sensitivity["wild_bootstrap"]
    assert record["skipped"] == {}
    assert {m.id for m in results.models if bootstrapped(m.id)} <= set(record["models"])


def test_the_winsorised_row_says_its_cuts(city_run):
    """Issue 17: "5/95 on data already cut at 1/99", under the robustness table."""
    en = " ".join(_pdftotext(city_run / "brief_en.pdf").split())
    assert ("Winsorised: every model variable cut at the 5th and 95th percentiles of the "
            "pooled sample") in en
    assert "already winsorised at the 1st and 99th percentiles." in en
    zh = "".join(_pdftotext(city_run / "brief_zh.pdf").split())
    assert ("在数据预处理已按第1、99百分位缩尾的基础上，"
            "再将全部模型变量在全样本第5、95百分位处缩尾") in zh
