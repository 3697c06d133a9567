#!/usr/bin/env Rscript
## Reference fixture for the indices stage on the province sample panel, written in base R
## from the definitions alone (no code shared with reporter/indices/).
##
## Run from the repository root:
##     Rscript tests/reference/make_indices.R
## Writes tests/reference/fixtures/indices/provinces.json. Needs only jsonlite.
##
## Definitions:
## * gaps: linear interpolation in the year within a province (approx(rule = 1)), interior only.
## * entropy composite over a block of rows (all rows, or one year; ERes cannot be weighted
##   per year here, as eres_11 is 0 in every province in the early years): z = (x - min)/(max - min),
##   or (max - x)/(max - min) for a negative indicator; p = (z + a)/colSums(z + a) with
##   a = 1e-4; e = -colSums(p log p)/log(n); d = 1 - e; w = d/sum(d); index = z %*% w.
##   hierarchy "sum": a group's sub-index is z[, g] %*% w[g] and its weight sum(w[g]);
##   hierarchy "entropy": weights within each group, sub-index z[, g] %*% w_g, then the
##   sub-indices are normalised and weighted the same way into the total.
## * TC = (X - M)/(X + M); MS = X/X_ref; RCA = (X/T)/(X_ref/T_ref), with X_ref, T_ref the
##   national columns or, for the "panel" cases, the sum over the 29 provinces of the year.

suppressPackageStartupMessages(library(jsonlite))
options(warn = 1, stringsAsFactors = FALSE)

DATA <- file.path("data", "provinces.csv")
OUT_DIR <- file.path("tests", "reference", "fixtures", "indices")
if (!file.exists(DATA)) stop("run this script from the repository root")
dir.create(OUT_DIR, showWarnings = FALSE, recursive = TRUE)
SHIFT <- 1e-4

fmt_num <- function(v) {  # shortest of 15/16/17 significant digits that round-trips
  s <- sprintf("%.15g", v)
  bad <- as.numeric(s) != v
  s[bad] <- sprintf("%.16g", v[bad])
  bad <- as.numeric(s) != v
  s[bad] <- sprintf("%.17g", v[bad])
  s
}
num <- function(v) structure(paste0("[", paste(fmt_num(unname(v)), collapse = ", "), "]"),
                             class = "json")
named <- function(v) {
  out <- lapply(unname(v), function(x) structure(fmt_num(x), class = "json"))
  names(out) <- names(v)
  out
}

panel <- read.csv(DATA, check.names = FALSE, fileEncoding = "UTF-8", na.strings = "")
raw_cols <- c(sprintf("nm_%02d", 1:12), sprintf("eres_%02d", 1:13))

## ---- interpolation -----------------------------------------------------------------
filled <- list()
for (col in raw_cols) {
  for (prov in unique(panel$province)) {
    rows <- which(panel$province == prov)
    x <- panel[rows, col]
    if (!anyNA(x)) next
    y <- approx(panel$year[rows], x, xout = panel$year[rows], rule = 1)$y
    for (i in which(is.na(x))) {
      filled[[length(filled) + 1]] <- list(column = col, province = prov,
                                           year = panel$year[rows[i]],
                                           value = structure(fmt_num(y[i]), class = "json"))
    }
    panel[rows, col] <- y
  }
}
stopifnot(length(filled) == 8, !anyNA(panel[, raw_cols]))

## ---- entropy -----------------------------------------------------------------------
normalise <- function(X, negative) {
  lo <- apply(X, 2, min); hi <- apply(X, 2, max)
  Z <- sweep(sweep(X, 2, lo, "-"), 2, hi - lo, "/")
  Z[, negative] <- 1 - Z[, negative]
  Z
}
weigh <- function(Z) {
  V <- Z + SHIFT
  P <- sweep(V, 2, colSums(V), "/")
  e <- -colSums(P * log(P)) / log(nrow(V))
  d <- 1 - e
  list(entropy = e, redundancy = d, weight = d / sum(d))
}
stage <- function(over, rows, w) {
  list(over = over, rows = rows, entropy = named(w$entropy), redundancy = named(w$redundancy),
       weight = named(w$weight))
}
composite <- function(X, name, negative = character(0), groups = list(), hierarchy = "sum",
                      by_year = FALSE) {
  blocks <- if (by_year) split(seq_len(nrow(X)), panel$year) else list(all = seq_len(nrow(X)))
  value <- rep(NA_real_, nrow(X))
  subs <- lapply(groups, function(g) rep(NA_real_, nrow(X)))
  stages <- list(); group_weights <- list()
  for (rows in names(blocks)) {
    at <- blocks[[rows]]
    Z <- normalise(as.matrix(X[at, , drop = FALSE]), negative)
    if (length(groups) && hierarchy == "entropy") {
      S <- sapply(names(groups), function(g) {
        w <- weigh(Z[, groups[[g]], drop = FALSE])
        stages[[length(stages) + 1]] <<- stage(paste0(name, ".", g), rows, w)
        Z[, groups[[g]], drop = FALSE] %*% w$weight
      })
      for (g in names(groups)) subs[[g]][at] <- S[, g]
      top <- normalise(S, character(0))
      w <- weigh(top)
      stages[[length(stages) + 1]] <- stage(name, rows, w)
      value[at] <- top %*% w$weight
      group_weights[[rows]] <- named(w$weight)
      next
    }
    w <- weigh(Z)
    stages[[length(stages) + 1]] <- stage(name, rows, w)
    value[at] <- Z %*% w$weight
    if (length(groups)) {
      for (g in names(groups)) subs[[g]][at] <- Z[, groups[[g]], drop = FALSE] %*%
          w$weight[groups[[g]]]
      group_weights[[rows]] <- named(sapply(groups, function(g) sum(w$weight[g])))
    }
  }
  list(values = num(value), stages = stages, group_weights = group_weights,
       subindices = lapply(subs, num))
}

nm_cols <- sprintf("nm_%02d", 1:12)
eres_cols <- sprintf("eres_%02d", 1:13)
nm_groups <- list(digital_industrialisation = nm_cols[1:6],
                  industrial_digitalisation = nm_cols[7:12])
eres_groups <- list(resistance_recovery = eres_cols[1:8], reconstruction = eres_cols[9:13])

trade <- function(reference) {
  x <- panel$mfg_export; m <- panel$mfg_import; t <- panel$total_export
  if (reference == "national") {
    rx <- panel$nat_mfg_export; rt <- panel$nat_total_export
  } else {
    rx <- ave(x, panel$year, FUN = sum); rt <- ave(t, panel$year, FUN = sum)
  }
  data.frame(tc = (x - m) / (x + m), ms = x / rx, rca = (x / t) / (rx / rt))
}

cases <- list(
  nm = c(list(options = list(method = "entropy", groups = "seed", hierarchy = "sum",
                             pooling = "pooled")),
         composite(panel[, nm_cols], "nm", groups = nm_groups)),
  nm_two_level = c(list(options = list(method = "entropy", groups = "seed",
                                       hierarchy = "entropy", pooling = "pooled")),
                   composite(panel[, nm_cols], "nm", groups = nm_groups,
                             hierarchy = "entropy")),
  eres = c(list(options = list(method = "entropy", negative = "eres_03", groups = "seed",
                               hierarchy = "sum", pooling = "pooled")),
           composite(panel[, eres_cols], "eres", negative = "eres_03", groups = eres_groups)),
  nm_by_year = c(list(options = list(method = "entropy", groups = "seed", hierarchy = "sum",
                                     pooling = "year")),
                 composite(panel[, nm_cols], "nm", groups = nm_groups, by_year = TRUE)),
  ecpv = c(list(options = list(method = "trade_entropy", reference = "national",
                               pooling = "pooled"),
                components = lapply(trade("national"), num)),
           composite(trade("national"), "ecpv")),
  ecpv_panel_by_year = c(list(options = list(method = "trade_entropy", reference = "panel",
                                             pooling = "year"),
                              components = lapply(trade("panel"), num)),
                         composite(trade("panel"), "ecpv", by_year = TRUE))
)

fixture <- list(
  data_file = DATA, input_md5 = unname(tools::md5sum(DATA)), shift = SHIFT,
  r_version = R.version.string, province = panel$province, year = panel$year,
  interpolated = filled, cases = cases)
txt <- toJSON(fixture, auto_unbox = TRUE, pretty = TRUE, json_verbatim = TRUE, digits = NA)
out <- file.path(OUT_DIR, "provinces.json")
con <- file(out, open = "w", encoding = "UTF-8")
writeLines(txt, con)
close(con)
message(sprintf("wrote %s (%d cases, %d interpolated cells, md5 %s)", out, length(cases),
                length(filled), fixture$input_md5))
