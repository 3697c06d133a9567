#!/usr/bin/env Rscript
## Reference fixture for listwise deletion model by model (prepare.missing = "drop"):
## plm::Produc with holes punched in the dependent, the core and a control, one state
## without any value of that control.  Each model is estimated on the rows its own
## variables are present in, as Stata's e(sample) and R's na.omit do:
##   baseline (y ~ core)            on complete cases of y and core
##   every other model and test     on complete cases of y, core and the controls
##   descriptives                   per variable, on its own non-missing values (summarize)
##
## Run from the repository root (needs make_reference.R's packages):
##     Rscript tests/reference/make_missing.R
## Writes tests/reference/data/produc_holes.csv and fixtures/produc_holes.json.

MAKE_REFERENCE_LIBRARY <- TRUE
source(file.path("tests", "reference", "make_reference.R"))

produc <- read_csv_full(file.path(DATA_DIR, "produc.csv"))
i <- seq_len(nrow(produc)) - 1L
produc$unemp[i %% 37L == 5L | produc$state == "ARIZONA"] <- NA
produc$lgsp[i %% 53L == 11L] <- NA
produc$lpcap[i %% 97L == 40L] <- NA
holes_csv <- file.path(DATA_DIR, "produc_holes.csv")
write_csv_full(produc, holes_csv)

spec <- list(name = "produc_holes",
             source = "plm::Produc with holes: unemp missing for ARIZONA and every 37th row, lgsp every 53rd, lpcap every 97th",
             data_file = "tests/reference/data/produc_holes.csv",
             entity = "state", time = "year", dependent = "lgsp",
             core = "lpcap", controls = c("lpc", "lemp", "unemp"))
full <- make_fixture(spec)
core <- make_fixture(modifyList(spec, list(name = "produc_holes_core", controls = character(0))))
file.remove(file.path(FIX_DIR, "produc_holes_core.json"))

raw <- read_csv_full(spec$data_file)
descriptives <- list()
for (v in c(spec$dependent, spec$core, spec$controls)) {
  x <- raw[[v]][!is.na(raw[[v]])]
  descriptives[[v]] <- list(n = length(x), mean = mean(x), sd = sd(x), min = min(x), max = max(x))
}
full$descriptives <- descriptives
full$models$baseline <- core$models$baseline
full$missing <- list(
  rows = sum(!complete.cases(raw[, c(spec$dependent, spec$core, spec$controls)])),
  rows_core = sum(!complete.cases(raw[, c(spec$dependent, spec$core)])),
  notes = paste("baseline from complete cases of (lgsp, lpcap); the other models, the",
                "correlations, the VIF and the tests from complete cases of all five variables;",
                "descriptives per variable"))
write_json_fixture(full, file.path(FIX_DIR, "produc_holes.json"))
message("wrote ", file.path(FIX_DIR, "produc_holes.json"))
