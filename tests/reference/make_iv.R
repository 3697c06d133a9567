#!/usr/bin/env Rscript
## Reference fixtures for the two-way fixed-effects 2SLS model (`iv_2sls`) and its
## first stage (`iv_first_stage`), independent of the Python code.
##
## Run from the repository root:
##     Rscript tests/reference/make_iv.R            # all datasets
##     Rscript tests/reference/make_iv.R grunfeld   # a subset, by name
##     REF_VERBOSE=1 Rscript tests/reference/make_iv.R
##
## Writes tests/reference/fixtures/iv/<name>.json (full double precision, same number
## formatting as make_reference.R). Reads the committed CSVs; writes no data.
##
## Conventions (n = rows of the IV sample, G = entities = clusters, T = distinct years of
## the IV sample, k = endogenous + controls, k1 = excluded instruments (q) + controls):
##
## * sample: rows complete on y, d, controls; the lag z_t = d_{t-p} of the same entity is
##   matched on the year (merge on entity and year + p), and rows whose lag is missing are
##   dropped before anything else. Entity and year factors are rebuilt on that sample.
## * second stage: AER::ivreg(y ~ d + C + factor(entity) + factor(year) |
##   z + C + factor(entity) + factor(year)) (the dummy-variable 2SLS), cross-checked
##   against plm(y ~ d + C | z + C, model = "within", effect = "twoways") and a hand-built
##   2SLS on FWL two-way-demeaned data.
## * contract SE: V0 = sandwich::vcovCL(ivreg, cluster = entity, type = "HC0",
##   cadjust = FALSE), the unscaled cluster sandwich of the 2SLS estimator built with the
##   projected regressors, (Xh'Xh)^-1 sum_g Xh_g'u_g u_g'Xh_g (Xh'Xh)^-1, times
##   G/(G-1)*(n-1)/(n-k-T). HC0 + manual scaling because vcovCL's own HC1 adjustment
##   counts all ivreg coefficients (N entity dummies, T-1 year dummies, intercept), i.e.
##   (n-1)/(n-k-N-T+1); the contract (Stata xtreg/reghdfe convention) does not count the
##   entity effects, nested in the clusters. The script checks that relation too.
##   t with G-1 df.
## * r2 = summary(ivreg)$r.squared = 1 - SSR/sum((y - mean(y))^2); r2_within =
##   1 - SSR/sum((y - ybar_entity)^2), SSR from the 2SLS residuals y - X b (dummies included).
##   2SLS R-squares can be negative.
## * wald_chi2 = b' V^-1 b over all k second-stage slopes with the contract V; chi2(k).
## * first stage: lm(d ~ z + C + factor(entity) + factor(year)), contract V with
##   k1 = q + controls; classical F of z from anova(restricted, full) with df
##   (q, n - N - (T-1) - k1); cluster F = pi' V_zz^-1 pi / q (df q, G-1), checked against
##   car::linearHypothesis with the scaled vcovCL; partial_r2 = (SSR_r - SSR_u)/SSR_r.
## * Anderson-Rubin: lm(y - b0*d ~ z + C + FE), contract cluster V (same k1 as the first
##   stage), F = Wald/q with (q, G-1) df; b0 = 0. 95% set {b0: F(b0) <= qf(.95, q, G-1)}:
##   with V(b0) = Vyy - b0 (Vyd + Vdy) + b0^2 Vdd built from cluster score sums and
##   r(b0) = pi_y - b0 pi_d, the boundary solves det(V(b0) - r r'/(q*Fcrit)) = 0, a
##   polynomial of degree 2q (closed-form quadratic for q = 1, polyroot for q = 2, then
##   refined with uniroot on the lm route); every boundary is checked by re-running the lm.

suppressPackageStartupMessages({
  library(AER)
  library(plm)
  library(sandwich)
  library(car)
  library(jsonlite)
})
options(warn = 1, stringsAsFactors = FALSE)

REF_DIR <- file.path("tests", "reference")
if (!dir.exists(REF_DIR)) stop("run this script from the repository root")
FIX_DIR <- file.path(REF_DIR, "fixtures", "iv")
dir.create(FIX_DIR, showWarnings = FALSE, recursive = TRUE)
TOL <- 1e-10
LEVEL <- 0.95
VERBOSE <- nzchar(Sys.getenv("REF_VERBOSE"))

## ---- number formatting (as make_reference.R): shortest round-tripping digits --------
fmt_num <- function(v) {
  s <- sprintf("%.15g", v)
  bad <- !is.na(v) & is.finite(v) & as.numeric(s) != v
  s[bad] <- sprintf("%.16g", v[bad])
  bad <- !is.na(v) & is.finite(v) & as.numeric(s) != v
  s[bad] <- sprintf("%.17g", v[bad])
  stopifnot(all(is.na(v) | !is.finite(v) | as.numeric(s) == v))
  s
}
jsonify <- function(x) {
  if (is.list(x)) {
    out <- lapply(x, jsonify)
    names(out) <- names(x)
    return(out)
  }
  if (is.numeric(x) && !inherits(x, "AsIs")) {
    if (length(x) != 1) stop("numeric vectors must be wrapped in as.list() or I()")
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
read_csv_full <- function(path) {
  read.csv(path, check.names = FALSE, stringsAsFactors = FALSE,
           fileEncoding = "UTF-8", na.strings = c("", "NA"))
}
rel_diff <- function(a, b) {
  a <- unclass(as.matrix(a)); b <- unclass(as.matrix(b))
  stopifnot(all(dim(a) == dim(b)))
  scale <- max(abs(a)); if (scale == 0) scale <- 1
  max(abs(a - b)) / scale
}
check_close <- function(a, b, what, tol = TOL) {
  d <- rel_diff(a, b)
  if (!(d < tol)) stop(sprintf("cross-check failed for %s: rel diff %.3g", what, d))
  if (VERBOSE) message(sprintf("    ok %-58s %.2g", what, d))
  invisible(d)
}

coef_table <- function(est, se, df_t) {
  stat <- est / se
  p <- 2 * pt(-abs(stat), df = df_t)
  q <- qt(0.975, df = df_t)
  out <- list()
  for (i in seq_along(est)) {
    out[[names(est)[i]]] <- list(estimate = unname(est[i]), std_error = unname(se[i]),
                                 stat = unname(stat[i]), p_value = unname(p[i]),
                                 ci_low = unname(est[i] - q * se[i]),
                                 ci_high = unname(est[i] + q * se[i]))
  }
  out
}
se_table <- function(se) {
  out <- list()
  for (v in names(se)) out[[v]] <- unname(se[v])
  out
}

## rows `keep` of (X'X)^-1 X' (via QR), for sandwich scores
bread_rows <- function(X, keep) {
  q <- qr(X)
  if (q$rank < ncol(X)) stop("design matrix is rank deficient")
  A <- backsolve(qr.R(q), t(qr.Q(q)))
  rownames(A) <- colnames(X)[q$pivot]
  A[keep, , drop = FALSE]
}

## the value of `col` in year - p of the same entity (merge on the year, not on row order)
add_lag <- function(df, ent, tim, col, p) {
  lagged <- df[, c(ent, tim, col)]
  lagged[[tim]] <- lagged[[tim]] + p
  names(lagged)[3] <- paste0(col, "_lag", p)
  out <- merge(df, lagged, by = c(ent, tim), all.x = TRUE, sort = FALSE)
  out[order(out[[ent]], out[[tim]]), , drop = FALSE]
}

## ---------------------------------------------------------------------------------------
make_fixture <- function(spec) {
  name <- spec$name
  message("== ", name)
  raw <- read_csv_full(spec$data_file)
  ent <- spec$entity; tim <- spec$time; dep <- spec$dependent; d <- spec$endogenous
  ctl <- spec$controls; zs <- spec$instruments
  q <- length(zs); kc <- length(ctl)
  base <- raw[complete.cases(raw[, c(ent, tim, dep, d, ctl)]), , drop = FALSE]
  df <- base
  for (z in zs) {
    m <- regmatches(z, regexec("^(.*)_lag([0-9]+)$", z))[[1]]
    df <- add_lag(df, ent, tim, m[2], as.integer(m[3]))
  }
  ok <- complete.cases(df[, zs, drop = FALSE])
  n_dropped <- sum(!ok)
  df <- df[ok, , drop = FALSE]
  rownames(df) <- NULL
  df$.id <- factor(df[[ent]])
  df$.yr <- factor(df[[tim]])
  n <- nrow(df); G <- nlevels(df$.id); Tn <- nlevels(df$.yr)
  cl <- df$.id
  rg <- c(d, ctl); k <- length(rg)
  fe <- "+ .id + .yr"
  rhs_x <- paste(rg, collapse = " + ")
  rhs_z <- paste(c(zs, ctl), collapse = " + ")
  balanced <- all(table(df$.id) == Tn)

  ## ---------------- second stage ----------------------------------------------------
  iv <- ivreg(as.formula(paste(dep, "~", rhs_x, fe, "|", rhs_z, fe)), data = df)
  if (any(is.na(coef(iv)))) stop(name, ": rank-deficient 2SLS")
  b <- coef(iv)[rg]
  pdf <- pdata.frame(df, index = c(ent, tim), drop.index = FALSE, row.names = TRUE)
  m_plm <- plm(as.formula(paste(dep, "~", rhs_x, "|", rhs_z)), data = pdf,
               model = "within", effect = "twoways")
  check_close(coef(m_plm)[rg], b, paste(name, "2SLS coef plm vs ivreg LSDV"))

  ## hand route on FWL two-way-demeaned data
  Dm <- model.matrix(~ .id + .yr, data = df)
  dm <- function(v) qr.resid(qr(Dm), as.matrix(df[, v, drop = FALSE]))
  Xt <- dm(rg); Zt <- dm(c(zs, ctl)); yt <- drop(dm(dep))
  Xh <- Zt %*% solve(crossprod(Zt), crossprod(Zt, Xt))
  Bh <- solve(crossprod(Xh))
  b_h <- drop(Bh %*% crossprod(Xh, yt))
  u <- drop(yt - Xt %*% b_h)
  check_close(b_h, b, paste(name, "2SLS coef FWL vs ivreg"))
  check_close(u, resid(iv), paste(name, "2SLS resid FWL vs ivreg"))
  S <- rowsum(Xh * u, cl, reorder = FALSE)
  V0_hand <- Bh %*% crossprod(S) %*% Bh
  V0 <- vcovCL(iv, cluster = cl, type = "HC0", cadjust = FALSE)[rg, rg]
  check_close(V0_hand, V0, paste(name, "2SLS HC0 cluster FWL vs vcovCL"))
  sc <- G / (G - 1) * (n - 1) / (n - k - Tn)
  V <- V0 * sc
  V_hc1 <- vcovCL(iv, cluster = cl, type = "HC1", cadjust = TRUE)[rg, rg]
  n_coef <- length(coef(iv))
  stopifnot(n_coef == k + G + Tn - 1)
  check_close(V, V_hc1 * (n - n_coef) / (n - k - Tn), paste(name, "contract = HC1 x dof ratio"))
  ssr <- sum(resid(iv)^2)
  ybar_i <- ave(df[[dep]], df$.id)
  r2w <- 1 - ssr / sum((df[[dep]] - ybar_i)^2)
  r2 <- summary(iv)$r.squared
  check_close(r2, 1 - ssr / sum((df[[dep]] - mean(df[[dep]]))^2), paste(name, "r2"))
  wald <- drop(t(b) %*% solve(V, b))
  lh <- linearHypothesis(iv, rg, vcov. = vcovCL(iv, cluster = cl, type = "HC0",
                                                cadjust = FALSE) * sc, test = "Chisq")
  check_close(lh$Chisq[2], wald, paste(name, "Wald chi2 vs linearHypothesis"))
  df_resid <- iv$df.residual
  stopifnot(df_resid == n - G - (Tn - 1) - k)
  second <- list(
    regressors = I(rg), nobs = n, n_clusters = G, n_periods = Tn, df_resid = df_resid,
    r2 = r2, r2_within = r2w, ssr = ssr, cluster_factor = sc,
    coefficients = coef_table(b, sqrt(diag(V)), G - 1),
    classical_std_error = se_table(sqrt(diag(vcov(iv)))[rg]),
    wald_chi2 = list(stat = wald, df = k, p_value = pchisq(wald, k, lower.tail = FALSE)))

  ## ---------------- first stage -----------------------------------------------------
  f1 <- as.formula(paste(d, "~", rhs_z, fe))
  l1 <- lm(f1, data = df)
  if (any(is.na(coef(l1)))) stop(name, ": rank-deficient first stage")
  rg1 <- c(zs, ctl); k1 <- length(rg1)
  m1_plm <- plm(as.formula(paste(d, "~", rhs_z)), data = pdf, model = "within",
                effect = "twoways")
  check_close(coef(m1_plm)[rg1], coef(l1)[rg1], paste(name, "first stage plm vs lm"))
  sc1 <- G / (G - 1) * (n - 1) / (n - k1 - Tn)
  V1_full <- vcovCL(l1, cluster = cl, type = "HC0", cadjust = FALSE) * sc1
  A1 <- bread_rows(model.matrix(l1), rg1)
  V1 <- crossprod(rowsum(t(A1) * resid(l1), cl, reorder = FALSE)) * sc1
  check_close(V1, V1_full[rg1, rg1], paste(name, "first stage cluster hand vs vcovCL"))
  d_i <- ave(df[[d]], df$.id)
  first <- list(
    regressors = I(rg1), nobs = n, n_clusters = G, df_resid = df.residual(l1),
    r2 = summary(l1)$r.squared,
    r2_within = 1 - sum(resid(l1)^2) / sum((df[[d]] - d_i)^2),
    cluster_factor = sc1,
    coefficients = coef_table(coef(l1)[rg1], sqrt(diag(V1)), G - 1),
    classical_std_error = se_table(sqrt(diag(vcov(l1)))[rg1]))

  ## classical F of the excluded instruments, partial R2
  rhs_r <- if (kc) paste(ctl, collapse = " + ") else "1"
  l1r <- lm(as.formula(paste(d, "~", rhs_r, fe)), data = df)
  av <- anova(l1r, l1)
  fs_f <- av$F[2]; fs_df2 <- av$Res.Df[2]
  stopifnot(av$Df[2] == q, fs_df2 == n - G - (Tn - 1) - k1)
  check_close(linearHypothesis(l1, zs)$F[2], fs_f, paste(name, "first-stage F vs linearHypothesis"))
  partial_r2 <- (sum(resid(l1r)^2) - sum(resid(l1)^2)) / sum(resid(l1r)^2)
  ## cluster-robust F of the excluded instruments
  pi_d <- coef(l1)[zs]
  fs_fc <- drop(t(pi_d) %*% solve(V1[zs, zs, drop = FALSE], pi_d)) / q
  check_close(linearHypothesis(l1, zs, vcov. = V1_full, test = "F")$F[2], fs_fc,
              paste(name, "cluster F vs linearHypothesis"))

  ## ---------------- Anderson-Rubin ---------------------------------------------------
  ar_fit <- function(b0) {
    dd <- df
    dd$.ytil <- df[[dep]] - b0 * df[[d]]
    lm(as.formula(paste(".ytil ~", rhs_z, fe)), data = dd)
  }
  ar_stat <- function(b0) {
    l <- ar_fit(b0)
    Vl <- vcovCL(l, cluster = cl, type = "HC0", cadjust = FALSE)[zs, zs, drop = FALSE] * sc1
    drop(t(coef(l)[zs]) %*% solve(Vl, coef(l)[zs])) / q
  }
  ar0 <- ar_stat(0)
  l_rf <- ar_fit(0)
  pi_y <- coef(l_rf)[zs]
  crit <- qf(LEVEL, q, G - 1)
  Az <- bread_rows(model.matrix(l1), zs)
  s_y <- rowsum(t(Az) * resid(l_rf), cl, reorder = FALSE)
  s_d <- rowsum(t(Az) * resid(l1), cl, reorder = FALSE)
  Vyy <- crossprod(s_y) * sc1; Vdd <- crossprod(s_d) * sc1
  Vyd <- crossprod(s_y, s_d) * sc1
  check_close(drop(t(pi_y) %*% solve(Vyy, pi_y)) / q, ar0, paste(name, "AR(0) pieces vs lm"))
  ## M(b) = M0 + b M1 + b^2 M2 = V(b) - r(b) r(b)' / (q crit)
  cq <- q * crit
  M0 <- Vyy - tcrossprod(pi_y) / cq
  M1 <- -(Vyd + t(Vyd)) + (pi_y %*% t(pi_d) + pi_d %*% t(pi_y)) / cq
  M2 <- Vdd - tcrossprod(pi_d) / cq
  if (q == 1) {
    a <- M2[1, 1]; bb <- M1[1, 1]; cc <- M0[1, 1]
    disc <- bb^2 - 4 * a * cc
    roots <- if (disc > 0) sort(c((-bb - sqrt(disc)) / (2 * a), (-bb + sqrt(disc)) / (2 * a)))
             else numeric(0)
  } else if (q == 2) {
    pm <- function(i, j) c(M0[i, j], M1[i, j], M2[i, j])
    conv <- function(x, y) { out <- numeric(length(x) + length(y) - 1)
      for (i in seq_along(x)) out[i:(i + length(y) - 1)] <- out[i:(i + length(y) - 1)] + x[i] * y
      out }
    poly <- conv(pm(1, 1), pm(2, 2)) - conv(pm(1, 2), pm(2, 1))
    pr <- polyroot(poly)
    roots <- sort(Re(pr[abs(Im(pr)) < 1e-7 * pmax(1, abs(Re(pr)))]))
    ## refine each root on the lm route
    roots <- vapply(roots, function(r0) {
      h <- 1e-6 * max(1, abs(r0))
      uniroot(function(x) ar_stat(x) - crit, c(r0 - h, r0 + h), tol = 1e-14 * max(1, abs(r0)))$root
    }, numeric(1))
  } else stop("only 1 or 2 instruments are supported here")
  for (r0 in roots) {
    if (abs(ar_stat(r0) / crit - 1) > 1e-8) stop(name, ": AR boundary check failed at ", r0)
    if (VERBOSE) message(sprintf("    ok AR(%.8g) = crit (rel %.2g)", r0, abs(ar_stat(r0) / crit - 1)))
  }
  ## classify the set by testing a point inside every piece of the line
  span <- if (length(roots)) 1 + max(abs(roots)) else 1
  pts <- c(-Inf, roots, Inf)
  tests <- if (length(roots)) c(roots[1] - span, (head(roots, -1) + tail(roots, -1)) / 2,
                                tail(roots, 1) + span) else 0
  inside <- vapply(tests, function(x) ar_stat(x) <= crit, logical(1))
  pieces <- list()
  for (i in seq_along(inside)) if (inside[i]) pieces[[length(pieces) + 1]] <- c(pts[i], pts[i + 1])
  ## merge touching pieces
  merged <- list()
  for (p in pieces) {
    if (length(merged) && tail(merged, 1)[[1]][2] == p[1]) merged[[length(merged)]][2] <- p[2]
    else merged[[length(merged) + 1]] <- p
  }
  lo <- NA_real_; hi <- NA_real_
  if (!length(merged)) kind <- "empty"
  else if (length(merged) == 1 && all(is.infinite(merged[[1]]))) {
    kind <- "real_line"; lo <- -Inf; hi <- Inf
  } else if (length(merged) == 1 && all(is.finite(merged[[1]]))) {
    kind <- "bounded"; lo <- merged[[1]][1]; hi <- merged[[1]][2]
  } else if (length(merged) == 2 && is.infinite(merged[[1]][1]) && is.infinite(merged[[2]][2])) {
    kind <- "union_of_rays"; lo <- merged[[1]][2]; hi <- merged[[2]][1]
  } else stop(name, ": AR set shape not handled by this script")
  b_iv <- if (q == 1) unname(pi_y / pi_d) else NA
  if (q == 1) check_close(b_iv, b[[d]], paste(name, "just-identified 2SLS = pi_y/pi_d"))

  diagnostics <- list(
    endogenous = d, instruments = I(zs), n_dropped_for_lags = n_dropped,
    first_stage_f = fs_f, first_stage_f_df1 = q, first_stage_f_df2 = fs_df2,
    first_stage_f_p_value = pf(fs_f, q, fs_df2, lower.tail = FALSE),
    first_stage_f_cluster = fs_fc, first_stage_f_cluster_df1 = q,
    first_stage_f_cluster_df2 = G - 1,
    first_stage_f_cluster_p_value = pf(fs_fc, q, G - 1, lower.tail = FALSE),
    partial_r2 = partial_r2,
    anderson_rubin = list(stat = ar0, df1 = q, df2 = G - 1, beta0 = 0,
                          p_value = pf(ar0, q, G - 1, lower.tail = FALSE)),
    ar_ci_level = LEVEL, ar_ci_kind = kind, ar_ci_low = lo, ar_ci_high = hi)

  fx <- list(
    dataset = name, source = spec$source, data_file = spec$data_file,
    entity = ent, time = tim, dependent = dep, endogenous = d, controls = I(ctl),
    instruments = I(zs),
    r_version = paste(R.version$major, R.version$minor, sep = "."),
    packages = list(AER = as.character(packageVersion("AER")),
                    plm = as.character(packageVersion("plm")),
                    sandwich = as.character(packageVersion("sandwich")),
                    car = as.character(packageVersion("car"))),
    input_md5 = unname(tools::md5sum(spec$data_file)),
    nobs = n, n_entities = G, n_periods = Tn, balanced = balanced,
    iv_2sls = second, iv_first_stage = first, diagnostics = diagnostics,
    notes = paste(
      "Conventions: see the header of tests/reference/make_iv.R.",
      sprintf("Second-stage factor G/(G-1)*(n-1)/(n-k-T) = %s (k=%d, T=%d);", fmt_num(sc), k, Tn),
      sprintf("first-stage/AR factor with k1=%d: %s; t and F with G-1=%d df.", k1, fmt_num(sc1), G - 1)))
  out <- file.path(FIX_DIR, paste0(name, ".json"))
  write_json_fixture(fx, out)
  message(sprintf("  wrote %s (n=%d, dropped %d for lags, G=%d, T=%d, balanced=%s; AR set %s; md5 %s)",
                  out, n, n_dropped, G, Tn, balanced, kind, fx$input_md5))
  invisible(fx)
}

specs <- list(
  list(name = "grunfeld", source = "plm::Grunfeld", data_file = "tests/reference/data/grunfeld.csv",
       entity = "firm", time = "year", dependent = "inv", endogenous = "value",
       controls = c("capital"), instruments = c("value_lag1")),
  list(name = "grunfeld_lag12", source = "plm::Grunfeld (two instruments: lags 1 and 2)",
       data_file = "tests/reference/data/grunfeld.csv",
       entity = "firm", time = "year", dependent = "inv", endogenous = "value",
       controls = c("capital"), instruments = c("value_lag1", "value_lag2")),
  list(name = "grunfeld_weak", source = "plm::Grunfeld (weak instrument: lag 3, unbounded AR set)",
       data_file = "tests/reference/data/grunfeld.csv",
       entity = "firm", time = "year", dependent = "inv", endogenous = "value",
       controls = c("capital"), instruments = c("value_lag3")),
  list(name = "emplUK", source = "plm::EmplUK (unbalanced)", data_file = "tests/reference/data/emplUK.csv",
       entity = "firm", time = "year", dependent = "emp", endogenous = "wage",
       controls = c("capital", "output"), instruments = c("wage_lag1")),
  list(name = "emplUK_weak", source = "plm::EmplUK (weak instrument: lag 2, unbounded AR set)",
       data_file = "tests/reference/data/emplUK.csv",
       entity = "firm", time = "year", dependent = "emp", endogenous = "wage",
       controls = c("capital", "output"), instruments = c("wage_lag2")),
  list(name = "zhejiang_cities", source = "simulated sample panel (data/generate.py)",
       data_file = "data/zhejiang_cities.csv", entity = "city", time = "year",
       dependent = "compet", endogenous = "ec", controls = paste0("x", 1:5),
       instruments = c("ec_lag1")),
  list(name = "provinces", source = "simulated sample panel (data/generate.py)",
       data_file = "data/provinces.csv", entity = "province", time = "year",
       dependent = "eres", endogenous = "nm", controls = c("lngdp", "open", "infra", "rd"),
       instruments = c("nm_lag1"))
)

args <- commandArgs(trailingOnly = TRUE)
if (length(args)) specs <- Filter(function(s) s$name %in% args, specs)
for (s in specs) {
  if (!file.exists(s$data_file)) {
    message("== ", s$name, ": ", s$data_file, " not found, skipped")
    next
  }
  make_fixture(s)
}
message("done")
