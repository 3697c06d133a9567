"""Config enums as `Literal` aliases, validated once at load with the allowed values listed."""

from __future__ import annotations

from typing import Literal, get_args

Language = Literal["zh", "en"]
# the brief (PDF, a page for screens, Word), its tables for papers (LaTeX, Markdown), the data
OutputFormat = Literal["pdf", "html", "docx", "tex", "md", "json"]
ClusterBy = Literal["entity"]
Parentheses = Literal["t", "se"]
BootWeights = Literal["auto", "rademacher", "webb"]
Better = Literal["higher", "lower", "neither"]  # which way a variable is good
Singletons = Literal["drop", "keep"]  # fixed-effects models: reghdfe's way, or xtreg's
Layout = Literal["long", "wide"]  # one table / one sheet per variable, years across
# rows missing a model variable: left out model by model (Stata, R), refused, or filled
Missing = Literal["drop", "error", "interpolate"]
# what a variable is about for policy (`variables.<name>.theme`): a recommendation is chosen
# only when its themes meet the study's (README, "Themes"; names in the catalogues' [theme])
Theme = Literal["trade", "markets", "scale_clusters", "firms", "innovation", "digital",
                "finance", "openness", "upgrading", "supply_chain", "productivity", "talent",
                "infrastructure", "coordination"]

LANGUAGES: tuple[str, ...] = get_args(Language)
OUTPUT_FORMATS: tuple[str, ...] = get_args(OutputFormat)
CLUSTER_BY: tuple[str, ...] = get_args(ClusterBy)
PARENTHESES: tuple[str, ...] = get_args(Parentheses)
BOOT_WEIGHTS: tuple[str, ...] = get_args(BootWeights)
LAYOUTS: tuple[str, ...] = get_args(Layout)
MISSING: tuple[str, ...] = get_args(Missing)
SINGLETONS: tuple[str, ...] = get_args(Singletons)
BETTER: tuple[str, ...] = get_args(Better)
THEMES: tuple[str, ...] = get_args(Theme)
