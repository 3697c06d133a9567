#!/usr/bin/env Rscript
## Reference fixtures for the reporter econometric battery.
##
## Run from the repository root:
##     Rscript tests/reference/make_reference.R
##
## Writes
##   tests/reference/data/<name>.csv      inputs for the R-shipped datasets
##   tests/reference/fixtures/<name>.json reference numbers (full double precision)
##
## All estimation is done on the CSV as read back from disk, so the Python side
## sees bit-identical inputs.  See tests/reference/README.md for the conventions.
## R is only needed to regenerate fixtures; CI never runs this script.

suppressPackageStartupMessages({
  library(plm)
  library(sandwich)
  library(lmtest)
  library(car)
  library(jsonlite)
})
options(warn = 1, stringsAsFactors = FALSE)

REF_DIR <- file.path("tests", "reference")
if (!dir.exists(REF_DIR)) stop("run this script from the repository root")
DATA_DIR <- file.path(REF_DIR, "data")
FIX_DIR <- file.path(REF_DIR, "fixtures")
dir.create(DATA_DIR, showWarnings = FALSE, recursive = TRUE)
dir.create(FIX_DIR, showWarnings = FALSE, recursive = TRUE)

TOL <- 1e-10   # agreement required between independent computation routes
VERBOSE <- nzchar(Sys.getenv("REF_VERBOSE"))

## ---------------------------------------------------------------------------
## number formatting: shortest of %.15g / %.16g / %.17g that round-trips.
## (jsonlite's digits = NA / I(17) still prints only 15 significant digits,
##  which does not round-trip, so numbers are pre-formatted and inserted
##  verbatim.)
## ---------------------------------------------------------------------------
fmt_num <- function(v) {
  s <- sprintf("%.15g", v)
  bad <- !is.na(v) & is.finite(v) & as.numeric(s) != v
  s[bad] <- sprintf("%.16g", v[bad])
  bad <- !is.na(v) & is.finite(v) & as.numeric(s) != v
  s[bad] <- sprintf("%.17g", v[bad])
  stopifnot(all(is.na(v) | !is.finite(v) | as.numeric(s) == v))
  s
}

## recursively turn numeric scalars into verbatim JSON tokens
jsonify <- function(x) {
  if (is.list(x)) {
    out <- lapply(x, jsonify)
    names(out) <- names(x)
    return(out)
  }
  if (is.numeric(x) && !inherits(x, "AsIs")) {
    if (length(x) != 1) stop("numeric vectors must be wrapped in as.list()")
    if (is.na(x) || !is.finite(x)) return(structure("null", class = "json"))
    if (is.integer(x)) return(structure(as.character(x), class = "json"))
    return(structure(fmt_num(unname(x)), class = "json"))
  }
  x
}

write_json_fixture <- function(obj, path) {
  txt <- toJSON(jsonify(obj), auto_unbox = TRUE, pretty = TRUE,
                json_verbatim = TRUE, null = "null", na = "null")
  con <- file(path, open = "w", encoding = "UTF-8")
  writeLines(txt, con)
  close(con)
}

## CSV with every double written so that it round-trips exactly; `na`: the missing marker
write_csv_full <- function(df, path, na = "") {
  out <- df
  char_cols <- integer(0)
  for (j in seq_along(out)) {
    x <- out[[j]]
    if (is.factor(x)) x <- as.character(x)
    if (is.character(x)) {
      char_cols <- c(char_cols, j)
      out[[j]] <- x
    } else if (is.double(x)) {
      s <- fmt_num(x)
      s[is.na(x)] <- NA
      out[[j]] <- s
    }
  }
  write.csv(out, path, row.names = FALSE, quote = char_cols, na = na,
            fileEncoding = "UTF-8")
}

read_csv_full <- function(path, na = c("", "NA")) {
  read.csv(path, check.names = FALSE, stringsAsFactors = FALSE,
           fileEncoding = "UTF-8", na.strings = na)
}

rel_diff <- function(a, b) {
  if (is.null(dim(a)) || is.null(dim(b))) {
    a <- as.numeric(a); b <- as.numeric(b)
    stopifnot(length(a) == length(b))
  } else {
    a <- unclass(as.matrix(a)); b <- unclass(as.matrix(b))
    stopifnot(all(dim(a) == dim(b)))
  }
  scale <- max(abs(a))
  if (scale == 0) scale <- 1
  max(abs(a - b)) / scale
}

check_close <- function(a, b, what, tol = TOL) {
  d <- rel_diff(a, b)
  if (!is.null(dim(a)) && length(dim(a)) == 2 && nrow(a) == ncol(a)) {
    ## covariance matrices: also require each standard error to agree relatively
    da <- sqrt(diag(unclass(as.matrix(a)))); db <- sqrt(diag(unclass(as.matrix(b))))
    d <- max(d, max(abs(da - db) / da))
  }
  if (!(d < tol)) stop(sprintf("cross-check failed for %s: rel diff %.3g", what, d))
  if (VERBOSE) message(sprintf("    ok %-55s %.2g", what, d))
  invisible(d)
}

## ---------------------------------------------------------------------------
## coefficient tables
## ---------------------------------------------------------------------------
rename_const <- function(nm) ifelse(nm == "(Intercept)", "const", nm)

coef_table <- function(est, se, df_t) {
  ## df_t = Inf -> normal (z) inference
  nm <- rename_const(names(est))
  stat <- est / se
  if (is.finite(df_t)) {
    p <- 2 * pt(-abs(stat), df = df_t)
    q <- qt(0.975, df = df_t)
  } else {
    p <- 2 * pnorm(-abs(stat))
    q <- qnorm(0.975)
  }
  out <- list()
  for (i in seq_along(est)) {
    out[[nm[i]]] <- list(estimate = unname(est[i]), std_error = unname(se[i]),
                         stat = unname(stat[i]), p_value = unname(p[i]),
                         ci_low = unname(est[i] - q * se[i]),
                         ci_high = unname(est[i] + q * se[i]))
  }
  out
}

classical_table <- function(est, se) {
  nm <- rename_const(names(est))
  out <- list()
  for (i in seq_along(est))
    out[[nm[i]]] <- list(estimate = unname(est[i]), std_error = unname(se[i]))
  out
}

## HC0 cluster sandwich of the first `p_keep` ... columns named `keep` of an
## OLS fit on design X with residuals u, built by hand:
##   A = (X'X)^{-1} X'  (via QR),  V = sum_g A_g u_g u_g' A_g'
## Restricting rows of A to the slope columns is the FWL slope block.
cluster_sandwich_hand <- function(X, u, cl, keep) {
  q <- qr(X)
  if (q$rank < ncol(X)) stop("design matrix is rank deficient")
  piv <- q$pivot
  A <- backsolve(qr.R(q), t(qr.Q(q)))          # p x n, rows in pivot order
  rownames(A) <- colnames(X)[piv]
  A <- A[keep, , drop = FALSE]
  S <- rowsum(t(A) * u, cl, reorder = FALSE)    # G x k scores
  V <- crossprod(S)
  dimnames(V) <- list(keep, keep)
  V
}

## ---------------------------------------------------------------------------
## one dataset
## ---------------------------------------------------------------------------
make_fixture <- function(spec) {
  name <- spec$name
  message("== ", name)
  df <- read_csv_full(spec$data_file)
  ent <- spec$entity; tim <- spec$time; dep <- spec$dependent
  regs <- c(spec$core, spec$controls)
  allv <- c(dep, regs)
  miss <- setdiff(c(ent, tim, allv), names(df))
  if (length(miss)) stop(name, ": missing columns ", paste(miss, collapse = ", "))

  ## estimation sample: complete cases on entity, time, dependent and regressors
  n_raw <- nrow(df)
  df <- df[complete.cases(df[, c(ent, tim, allv)]), , drop = FALSE]
  df <- df[order(df[[ent]], df[[tim]]), , drop = FALSE]
  rownames(df) <- NULL
  if (anyDuplicated(df[, c(ent, tim)])) stop(name, ": duplicate entity-time pairs")
  df$.id <- factor(df[[ent]])
  df$.yr <- factor(df[[tim]])

  n <- nrow(df)
  G <- nlevels(df$.id)
  Tn <- nlevels(df$.yr)
  k <- length(regs)
  cl <- df$.id
  balanced <- all(table(df$.id) == Tn)

  f_full <- as.formula(paste(dep, "~", paste(regs, collapse = " + ")))
  f_core <- as.formula(paste(dep, "~", spec$core))
  pdf <- pdata.frame(df, index = c(ent, tim), drop.index = FALSE, row.names = TRUE)

  ## ---------------- descriptives / correlations / VIF ----------------------
  descriptives <- list()
  for (v in allv) {
    x <- df[[v]]
    descriptives[[v]] <- list(n = length(x), mean = mean(x), sd = sd(x),
                              min = min(x), max = max(x))
  }
  cr <- list(); cp <- list()
  for (a in allv) {
    cr[[a]] <- list(); cp[[a]] <- list()
    for (b in allv) {
      if (a == b) { r <- 1; p <- 0 } else {
        ct <- cor.test(df[[a]], df[[b]], method = "pearson", alternative = "two.sided")
        r <- unname(ct$estimate); p <- ct$p.value
      }
      cr[[a]][[b]] <- r; cp[[a]][[b]] <- p
    }
  }
  vif_out <- NULL
  if (k >= 2) {
    vv <- car::vif(lm(f_full, data = df))
    vif_out <- as.list(vv)
  }

  models <- list()

  ## ---------------- pooled OLS, Stata regress, vce(cluster id) -------------
  m_pool <- plm(f_full, data = pdf, model = "pooling")
  l_pool <- lm(f_full, data = df)
  check_close(coef(m_pool), coef(l_pool), paste(name, "pooled coef plm vs lm"))
  p_pool <- length(coef(l_pool))                       # k + 1
  sc_pool <- G / (G - 1) * (n - 1) / (n - p_pool)
  V_hand <- cluster_sandwich_hand(model.matrix(l_pool), resid(l_pool), cl,
                                  names(coef(l_pool)))
  V_plm <- vcovHC(m_pool, method = "arellano", type = "HC0", cluster = "group")
  check_close(V_hand, V_plm, paste(name, "pooled HC0 cluster hand vs plm"))
  V_cl <- sandwich::vcovCL(l_pool, cluster = cl, type = "HC1", cadjust = TRUE)
  check_close(V_hand * sc_pool, V_cl, paste(name, "pooled Stata-scaled vs vcovCL HC1"))
  V_pool <- V_hand * sc_pool
  models$pooled_ols <- list(
    regressors = I(regs), nobs = n, n_clusters = G, df_resid = df.residual(l_pool),
    r2 = summary(l_pool)$r.squared,
    coefficients = coef_table(coef(l_pool), sqrt(diag(V_pool)), G - 1),
    classical = classical_table(coef(l_pool), sqrt(diag(vcov(l_pool)))),
    notes = sprintf(paste0(
      "plm(model='pooling') == lm(). Contract SE: Stata `regress y x, vce(cluster %s)`: ",
      "HC0 cluster sandwich (X'X)^-1 sum_g X_g'u_g u_g'X_g (X'X)^-1 times G/(G-1)*(n-1)/(n-k) ",
      "with k=%d incl. intercept (factor %s); t with G-1=%d df, CI est +/- qt(0.975,G-1)*se. ",
      "Verified against sandwich::vcovCL(type='HC1'). classical = lm() SEs (df_resid=n-k). ",
      "r2 = lm R-squared."), ent, p_pool, fmt_num(sc_pool), G - 1))

  ## ---------------- one-way FE, Stata xtreg, fe vce(cluster id) ------------
  m_fe <- plm(f_full, data = pdf, model = "within", effect = "individual")
  if (length(coef(m_fe)) != k) stop(name, ": a regressor was dropped in the within model")
  l_fe <- lm(as.formula(paste(dep, "~", paste(regs, collapse = " + "), "+ .id")), data = df)
  check_close(coef(m_fe), coef(l_fe)[regs], paste(name, "FE coef plm vs LSDV"))
  check_close(resid(m_fe), resid(l_fe), paste(name, "FE resid plm vs LSDV"))
  sc_fe <- G / (G - 1) * (n - 1) / (n - k - 1)
  V_plm <- vcovHC(m_fe, method = "arellano", type = "HC0", cluster = "group")
  V_hand <- cluster_sandwich_hand(model.matrix(l_fe), resid(l_fe), cl, regs)
  check_close(V_plm[regs, regs], V_hand, paste(name, "FE HC0 cluster plm vs LSDV hand"))
  check_close(vcov(m_fe)[regs, regs], vcov(l_fe)[regs, regs], paste(name, "FE classical plm vs LSDV"))
  V_fe <- V_plm[regs, regs, drop = FALSE] * sc_fe
  r2w_fe <- summary(m_fe)$r.squared[["rsq"]]
  yt <- df[[dep]] - ave(df[[dep]], df$.id)
  check_close(r2w_fe, 1 - sum(resid(l_fe)^2) / sum(yt^2), paste(name, "FE within R2"))
  models$fe_entity <- list(
    regressors = I(regs), nobs = n, n_clusters = G, df_resid = df.residual(m_fe),
    r2 = summary(l_fe)$r.squared, r2_within = r2w_fe,
    coefficients = coef_table(coef(m_fe), sqrt(diag(V_fe)), G - 1),
    classical = classical_table(coef(m_fe), sqrt(diag(vcov(m_fe)))),
    notes = sprintf(paste0(
      "plm(model='within', effect='individual'). Contract SE: Stata `xtreg y x, fe vce(cluster %s)`: ",
      "vcovHC(method='arellano', type='HC0', cluster='group') times G/(G-1)*(n-1)/(n-k-1), ",
      "k=%d slope regressors (factor %s); t with G-1=%d df. Cross-checked against a hand-built ",
      "sandwich on lm(y ~ x + factor(entity)). classical = plm default vcov (df_resid = n-G-k). ",
      "r2_within = plm within R-squared (= Stata R-sq within); r2 = R-squared of the LSDV lm ",
      "(Stata `areg`/`reg y x i.id`)."), ent, k, fmt_num(sc_fe), G - 1))

  ## ---------------- random effects (Swamy-Arora) ---------------------------
  m_re <- plm(f_full, data = pdf, model = "random", random.method = "swar")
  ec <- m_re$ercomp
  th <- ec$theta
  if (balanced || length(unique(round(th, 14))) == 1) {
    theta_out <- unname(th[1])
    theta_by_Ti <- NULL
  } else {
    ## one theta per entity (theta depends on T_i only); summarise over entities
    ## like Stata's xtreg, re (min / 5% / 50% / 95% / max); percentiles use
    ## R quantile type 2 (= Stata's summarize/_pctile definition)
    Ti <- as.integer(table(df$.id)[as.character(df$.id)])
    first <- !duplicated(df$.id)
    th_g <- unname(th[first])
    qs <- quantile(th_g, c(0, 0.05, 0.5, 0.95, 1), type = 2, names = FALSE)
    theta_out <- list(min = qs[1], p5 = qs[2], median = qs[3], p95 = qs[4], max = qs[5],
                      mean = mean(th_g))
    tb <- tapply(unname(th), Ti, function(z) { stopifnot(diff(range(z)) < 1e-14); z[1] })
    theta_by_Ti <- as.list(tb)
  }
  b_re <- coef(m_re)
  X_re <- model.matrix(l_pool)
  xb_re <- drop(X_re %*% b_re[colnames(X_re)])
  models$re <- list(
    regressors = I(regs), nobs = n, n_clusters = G, df_resid = df.residual(m_re),
    r2 = summary(m_re)$r.squared[["rsq"]],
    r2_overall = cor(df[[dep]], xb_re)^2,
    coefficients = coef_table(b_re, sqrt(diag(vcov(m_re))), Inf),
    classical = classical_table(b_re, sqrt(diag(vcov(m_re)))),
    theta = theta_out,
    sigma2_idios = unname(ec$sigma2[["idios"]]),
    sigma2_indiv = unname(ec$sigma2[["id"]]),
    notes = paste0(
      "plm(model='random', random.method='swar') (Swamy-Arora). coefficients use the classical ",
      "plm vcov with normal (z) p-values and CI est +/- qnorm(0.975)*se. r2 = plm's R-squared of ",
      "the quasi-demeaned regression; r2_overall = cor(y, X b)^2 (Stata 'R-sq overall'). ",
      "theta = 1 - sqrt(sigma2_idios/(sigma2_idios + T_i*sigma2_indiv)); ",
      if (balanced) "balanced panel: scalar theta." else paste0(
        "unbalanced panel: theta varies with T_i; 'theta' holds the summary over entities ",
        "(min/p5/median/p95/max as in Stata's xtreg re output, percentiles R type 2, plus mean) and 'theta_by_Ti' ",
        "maps T_i to theta. plm's unbalanced Swamy-Arora variance components may differ from ",
        "Stata's xtreg, re on unbalanced panels.")))
  if (!is.null(theta_by_Ti)) models$re$theta_by_Ti <- theta_by_Ti

  ## ---------------- two-way FE: Stata xtreg y x i.year, fe vce(cluster id) -
  twoway <- function(fml, rg, id) {
    m_tw <- plm(fml, data = pdf, model = "within", effect = "twoways")
    kk <- length(rg)
    if (length(coef(m_tw)) != kk) stop(name, ": regressor dropped in two-way model")
    ## route 2: dummy-variable lm, hand-built cluster sandwich on the slope rows
    f_lsdv <- as.formula(paste(dep, "~", paste(rg, collapse = " + "), "+ .yr + .id"))
    l_tw <- lm(f_lsdv, data = df)
    if (any(is.na(coef(l_tw)))) stop(name, ": rank-deficient LSDV")
    check_close(coef(m_tw), coef(l_tw)[rg], paste(name, id, "coef plm vs LSDV"))
    check_close(resid(m_tw), resid(l_tw), paste(name, id, "resid plm vs LSDV"))
    V_plm <- vcovHC(m_tw, method = "arellano", type = "HC0", cluster = "group")[rg, rg, drop = FALSE]
    V_hand <- cluster_sandwich_hand(model.matrix(l_tw), resid(l_tw), cl, rg)
    ## route 3: same sandwich on the two-way demeaned data (FWL)
    Xfull <- model.matrix(l_tw)
    Dm <- Xfull[, !(colnames(Xfull) %in% rg), drop = FALSE]
    Xt <- qr.resid(qr(Dm), Xfull[, rg, drop = FALSE])
    Bt <- solve(crossprod(Xt))
    St <- rowsum(Xt * resid(l_tw), cl, reorder = FALSE)
    V_fwl <- Bt %*% crossprod(St) %*% Bt
    dimnames(V_fwl) <- list(rg, rg)
    check_close(V_plm, V_hand, paste(name, id, "HC0 cluster plm vs LSDV hand"))
    check_close(V_fwl, V_hand, paste(name, id, "HC0 cluster FWL vs LSDV hand"))
    check_close(vcov(m_tw)[rg, rg], vcov(l_tw)[rg, rg], paste(name, id, "classical plm vs LSDV"))
    stopifnot(df.residual(m_tw) == df.residual(l_tw))
    sc <- G / (G - 1) * (n - 1) / (n - kk - Tn)
    V <- V_plm * sc
    check_close(V, V_hand * sc, paste(name, id, "scaled"))
    ## Stata R-sq within of xtreg y x i.year, fe
    f_yr <- as.formula(paste(dep, "~", paste(rg, collapse = " + "), "+ .yr"))
    m_yr <- plm(f_yr, data = pdf, model = "within", effect = "individual")
    check_close(coef(m_yr)[rg], coef(m_tw), paste(name, id, "coef i.year vs twoways"))
    r2w <- summary(m_yr)$r.squared[["rsq"]]
    check_close(r2w, 1 - sum(resid(l_tw)^2) / sum(yt^2), paste(name, id, "R-sq within"))
    list(
      regressors = I(rg), nobs = n, n_clusters = G, df_resid = df.residual(m_tw),
      r2 = summary(l_tw)$r.squared, r2_within = r2w,
      coefficients = coef_table(coef(m_tw), sqrt(diag(V)), G - 1),
      classical = classical_table(coef(m_tw), sqrt(diag(vcov(m_tw)))),
      notes = sprintf(paste0(
        "plm(model='within', effect='twoways'). Contract SE: Stata `xtreg y x i.%s, fe vce(cluster %s)`: ",
        "HC0 cluster sandwich (vcovHC arellano HC0, cluster='group') times G/(G-1)*(n-1)/(n-k-T), ",
        "k=%d slope regressors, T=%d distinct years (factor %s); t with G-1=%d df, CI with qt(0.975,G-1). ",
        "Cross-checked (rel. tol %g) against a hand-built sandwich on lm(y ~ x + factor(year) + factor(entity)) ",
        "and on FWL two-way-demeaned data. classical = plm default vcov (= LSDV, df_resid = n-G-T+1-k). ",
        "r2_within = within R-squared of plm(y ~ x + factor(year), effect='individual') (Stata R-sq within); ",
        "r2 = R-squared of the dummy-variable lm (Stata `reg y x i.year i.id`)."),
        tim, ent, kk, Tn, fmt_num(sc), G - 1, TOL))
  }
  models$baseline <- twoway(f_core, spec$core, "baseline")
  models$baseline_controls <- twoway(f_full, regs, "baseline_controls")

  ## ---------------- specification tests ------------------------------------
  ht <- phtest(m_fe, m_re)
  ft <- pFtest(m_fe, m_pool)
  bp <- plmtest(m_pool, effect = "individual", type = "bp")
  tests <- list(
    hausman = list(stat = unname(ht$statistic), df = unname(ht$parameter), p_value = ht$p.value),
    f_entity = list(stat = unname(ft$statistic), df1 = unname(ft$parameter[1]),
                    df2 = unname(ft$parameter[2]), p_value = ft$p.value),
    bp_lm = list(stat = unname(bp$statistic), df = unname(bp$parameter), p_value = bp$p.value)
  )

  fx <- list(
    dataset = name, source = spec$source, data_file = spec$data_file,
    entity = ent, time = tim, dependent = dep, core = spec$core,
    controls = I(spec$controls),
    r_version = paste(R.version$major, R.version$minor, sep = "."),
    packages = list(plm = as.character(packageVersion("plm")),
                    sandwich = as.character(packageVersion("sandwich")),
                    car = as.character(packageVersion("car"))),
    nobs = n, n_entities = G, n_periods = Tn,
    descriptives = descriptives,
    correlations = list(r = cr, p = cp),
    vif = vif_out,
    models = models,
    tests = tests
  )
  if (is.null(vif_out)) fx$vif <- NULL
  if (n != n_raw) message(sprintf("  %s: dropped %d incomplete rows", name, n_raw - n))
  out <- file.path(FIX_DIR, paste0(name, ".json"))
  write_json_fixture(fx, out)
  message(sprintf("  wrote %s (n=%d, G=%d, T=%d, balanced=%s; input md5 %s)", out, n, G, Tn,
                  balanced, unname(tools::md5sum(spec$data_file))))
  invisible(fx)
}

## ---------------------------------------------------------------------------
## datasets
## ---------------------------------------------------------------------------
## make_missing.R sources this file for make_fixture() only
if (!exists("MAKE_REFERENCE_LIBRARY")) {
data("Grunfeld", package = "plm")
data("Produc", package = "plm")
data("EmplUK", package = "plm")

grunfeld <- Grunfeld[order(Grunfeld$firm, Grunfeld$year), ]
write_csv_full(grunfeld, file.path(DATA_DIR, "grunfeld.csv"))

produc <- Produc[order(Produc$state, Produc$year), ]
produc$state <- as.character(produc$state)
produc$region <- as.integer(as.character(produc$region))
produc$lgsp <- log(produc$gsp)
produc$lpcap <- log(produc$pcap)
produc$lpc <- log(produc$pc)
produc$lemp <- log(produc$emp)
write_csv_full(produc, file.path(DATA_DIR, "produc.csv"))

empluk <- EmplUK[order(EmplUK$firm, EmplUK$year), ]
for (v in c("firm", "year", "sector")) {
  stopifnot(all(empluk[[v]] == round(empluk[[v]])))
  empluk[[v]] <- as.integer(empluk[[v]])
}
write_csv_full(empluk, file.path(DATA_DIR, "emplUK.csv"))

specs <- list(
  list(name = "grunfeld", source = "plm::Grunfeld",
       data_file = "tests/reference/data/grunfeld.csv",
       entity = "firm", time = "year", dependent = "inv",
       core = "value", controls = c("capital")),
  list(name = "produc", source = "plm::Produc (logs computed in R: lgsp, lpcap, lpc, lemp)",
       data_file = "tests/reference/data/produc.csv",
       entity = "state", time = "year", dependent = "lgsp",
       core = "lpcap", controls = c("lpc", "lemp", "unemp")),
  list(name = "emplUK", source = "plm::EmplUK",
       data_file = "tests/reference/data/emplUK.csv",
       entity = "firm", time = "year", dependent = "emp",
       core = "wage", controls = c("capital", "output")),
  list(name = "zhejiang_cities", source = "simulated sample panel (data/generate.py)",
       data_file = "data/zhejiang_cities.csv",
       entity = "city", time = "year", dependent = "compet",
       core = "ec", controls = c("x1", "x2", "x3", "x4", "x5")),
  list(name = "provinces", source = "simulated sample panel (data/generate.py)",
       data_file = "data/provinces.csv",
       entity = "province", time = "year", dependent = "eres",
       core = "nm", controls = c("lngdp", "open", "infra", "rd"))
)

args <- commandArgs(trailingOnly = TRUE)
if (length(args)) specs <- Filter(function(s) s$name %in% args, specs)

skipped <- character(0)
for (s in specs) {
  if (!file.exists(s$data_file)) {
    message("== ", s$name, ": ", s$data_file, " not found, skipped")
    skipped <- c(skipped, s$name)
    next
  }
  make_fixture(s)
}
if (length(skipped)) message("SKIPPED (input missing): ", paste(skipped, collapse = ", "))
message("done")
}
