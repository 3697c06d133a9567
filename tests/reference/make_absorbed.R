#!/usr/bin/env Rscript
## Random effects (Swamy-Arora) with a time-invariant regressor, which the within regression
## behind sigma^2_nu absorbs: plm::Grunfeld with size = the firm's mean of value, balanced
## and unbalanced (firm 3 after 1950 left out).  Run from the repository root:
##     Rscript tests/reference/make_absorbed.R
## Writes tests/reference/fixtures/absorbed/re.json (plm's coefficients and classical SEs),
## and pggls.json: plm::pggls(model = "within") on the corpus's plm::Wages, whose within
## transformation removes the time-invariant ed and fem (no coefficient for them).
suppressPackageStartupMessages({ library(plm); library(jsonlite) })
f <- read.csv(file.path("tests", "reference", "data", "grunfeld.csv"))
f$size <- ave(f$value, f$firm)
samples <- list(balanced = f, unbalanced = f[!(f$firm == 3 & f$year > 1950), ])
out <- list(source = "plm::Grunfeld, size = ave(value, firm)", formula = "inv ~ value + capital + size",
            plm = as.character(packageVersion("plm")))
for (name in names(samples)) {
  m <- plm(inv ~ value + capital + size, data = pdata.frame(samples[[name]], index = c("firm", "year")),
           model = "random", random.method = "swar")
  out[[name]] <- list(estimate = as.list(setNames(sprintf("%.17g", coef(m)), c("const", "value", "capital", "size"))),
                      std_error = as.list(setNames(sprintf("%.17g", sqrt(diag(vcov(m)))), c("const", "value", "capital", "size"))),
                      sigma2 = as.list(sprintf("%.17g", m$ercomp$sigma2)))
}
writeLines(toJSON(out, auto_unbox = TRUE, pretty = TRUE), file.path("tests", "reference", "fixtures", "absorbed", "re.json"))

w <- read.csv(file.path("tests", "corpus", "wages", "panel.csv"))
g <- pggls(lwage ~ wks + exp + ed + fem + union + married + south + smsa,
           data = pdata.frame(w, index = c("worker", "year")), model = "within")
writeLines(toJSON(list(source = "plm::Wages (tests/corpus/wages/panel.csv)",
                       formula = "lwage ~ wks + exp + ed + fem + union + married + south + smsa",
                       plm = as.character(packageVersion("plm")),
                       estimate = as.list(sprintf("%.17g", coef(g))) |> setNames(names(coef(g))),
                       std_error = as.list(sprintf("%.17g", sqrt(diag(vcov(g))))) |> setNames(names(coef(g)))),
                  auto_unbox = TRUE, pretty = TRUE),
           file.path("tests", "reference", "fixtures", "absorbed", "pggls.json"))
