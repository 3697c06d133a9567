"""results.json is a contract: the schema shipped in the package (draft 2020-12) holds for
both bundled studies, and findings and recommendations carry the briefs' sentences."""

from __future__ import annotations

import json
import re
from importlib import resources
from pathlib import Path

import jsonschema
import pytest

from reporter import pipeline

ROOT = Path(__file__).resolve().parent.parent
STUDIES = {"city": ROOT / "data" / "zhejiang_hightech.toml",
           "province": ROOT / "data" / "provinces_resilience.toml"}
HAN = re.compile(r"[\u4e00-\u9fff]")


def _schema() -> dict:
    text = resources.files("reporter").joinpath("results.schema.json").read_text("utf-8")
    schema = json.loads(text)
    jsonschema.Draft202012Validator.check_schema(schema)
    return schema


@pytest.fixture(scope="module", params=sorted(STUDIES))
def results(request, tmp_path_factory) -> dict:
    out = tmp_path_factory.mktemp(request.param)
    summary = pipeline.run(STUDIES[request.param], out, formats=("json",))
    return json.loads((summary.output / "results.json").read_text(encoding="utf-8"))


def test_bundled_results_validate_against_the_shipped_schema(results):
    jsonschema.Draft202012Validator(_schema()).validate(results)


def test_schema_rejects_what_breaks_the_contract(results):
    validator = jsonschema.Draft202012Validator(_schema())
    broken = json.loads(json.dumps(results))
    del broken["models"][0]["coefficients"][results["study"]["core"]]["std_error"]
    assert not validator.is_valid(broken)
    broken = json.loads(json.dumps(results))
    broken["findings"][0].pop("text")
    assert not validator.is_valid(broken)
    broken = json.loads(json.dumps(results))
    broken["unknown_section"] = {}
    assert not validator.is_valid(broken)


def test_findings_and_recommendations_carry_both_languages(results):
    assert results["findings"] and results["recommendations"]
    for entry in results["findings"] + results["recommendations"]:
        text = entry["text"]
        assert HAN.search(text["zh"]), text
        assert not HAN.search(text["en"]) and text["en"][:1].isupper(), text
    core = next(f for f in results["findings"] if f["key"] == "core_effect")
    cited = f"{core['params']['estimate']:.3f}"
    assert cited in core["text"]["zh"] and cited in core["text"]["en"]


def test_the_schema_knows_every_theme(results):
    """The study's themes in results.json are the config vocabulary (literals.THEMES)."""
    from reporter.literals import THEMES

    enum = _schema()["properties"]["study"]["properties"]["themes"]["items"]["enum"]
    assert tuple(enum) == THEMES
    assert set(results["study"]["themes"]) <= set(THEMES) and results["study"]["themes"]
    assert results["study"]["topic"]["en"] and not HAN.search(results["study"]["topic"]["en"])
