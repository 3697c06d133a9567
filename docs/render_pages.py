"""Render the default study and save one page image per brief section under docs/pages/,
for the README. Needs poppler-utils (pdftotext, pdftoppm).

    python docs/render_pages.py
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

from reporter import pipeline

HERE = Path(__file__).resolve().parent
SECTIONS = {  # section -> the heading that opens it, per language
    "cover": {"zh": "年度简报", "en": "Annual Brief"},
    "key_messages": {"zh": "核心结论", "en": "Key messages"},
    "status": {"zh": "一、现状分析", "en": "1. Current situation"},
    "method": {"zh": "二、数据与方法", "en": "2. Data and method"},
    "results": {"zh": "混合 OLS、固定效应与随机效应估计",
                "en": "Pooled OLS, fixed effects and random effects"},
    "robustness": {"zh": "系数在各设定下的估计", "en": "The coefficient of scale economies across"},
    "findings": {"zh": "政策建议", "en": "Recommendations"},
}


def page_texts(pdf: Path) -> list[str]:
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout
    return text.split("\f")


def main() -> None:
    out = HERE / "pages"
    out.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        summary = pipeline.run(None, tmp)
        for lang in ("zh", "en"):
            pdf = summary.output / f"brief_{lang}.pdf"
            pages = page_texts(pdf)
            for section, headings in SECTIONS.items():
                number = next(i for i, text in enumerate(pages, start=1)
                              if headings[lang] in text and "...." not in text.split(
                                  headings[lang])[1][:40])
                target = out / f"{section}_{lang}"
                subprocess.run(["pdftoppm", "-r", "70", "-png", "-singlefile", "-f",
                                str(number), "-l", str(number), str(pdf), str(target)],
                               check=True)
                print(f"{target.name}.png  (page {number})")


if __name__ == "__main__":
    main()
