#!/usr/bin/env Rscript
## Reference fixtures for the two FGLS models of the contract:
##
##   fgls          Stata `xtgls y x i.year, panels(hetero) corr(ar1)`   (R has no xtgls)
##   fgls_general  R     `plm::pggls(y ~ x, model = "within", effect = "individual")`
##
## Run from the repository root:
##     Rscript tests/reference/make_fgls.R              # all datasets
##     Rscript tests/reference/make_fgls.R produc       # a subset, by name
##     REF_VERBOSE=1 Rscript tests/reference/make_fgls.R
##
## Writes tests/reference/fixtures/fgls/<name>.json (full double precision, numbers written
## as in make_reference.R: shortest of %.15g/%.16g/%.17g that round-trips).
##
## ---------------------------------------------------------------------------------------
## Sources for the xtgls algorithm
## ---------------------------------------------------------------------------------------
## The [XT] xtgls manual ("Methods and formulas") states the model y = X b + e with
## E[e e'] = Omega, the GLS estimator  b = (X' Omega^-1 X)^-1 X' Omega^-1 y   and
## V = (X' Omega^-1 X)^-1  [M&F, GLS eq.], Omega = Sigma (x) I for panels(hetero) with
## Sigma = diag(sigma_i^2), "the identity matrices ... replaced with more general structures
## to allow for serial correlation" for corr(ar1), the estimates of the variances from the
## residuals (divisor T_i; option `nmk` would scale V by n/(n-k) instead), two-step
## estimation by default (`igls` iterates), and z statistics.  Only the syntax and options
## pages of the manual were retrievable from the search corpus, so the exact order of the
## steps below was taken from Stata's own implementation, xtgls.ado version 2.7.2
## (31jan2019), and _crcar1.ado version 4.0.2 (rhotype), read line by line:
##
##   [ado:mc1]  OLS of y on X (with an explicit constant column) -> residuals e.
##   [ado:_crcar1 regress] the default rhotype(regress):
##              rho_i = sum_t e_it e_i,t-1 / sum_t e_i,t-1^2   (pairs with both present);
##              a panel whose rho_i is missing (zero denominator) is skipped.
##   [ado:mc1]  common rho = sum_i T_i rho_i / sum_i T_i  (weights = observations of the
##              panel, `count if panel == i`; the plain mean for balanced panels).
##   [ado:mc1]  Prais-Winsten on y, every column of X and the constant:
##              z*_i1 = sqrt(1 - rho^2) z_i1,  z*_it = z_it - rho z_i,t-1 (previous row).
##   [ado:mc1]  OLS on the transformed data -> residuals e*.
##   [ado:mv1]  sigma_i^2 = mean over panel i of e*_it^2 (divisor T_i).
##   [ado:Estimate] b = (X*' E^-1 X*)^-1 X*' E^-1 y*,  V = (X*' E^-1 X*)^-1 with
##              E = diag(sigma_i^2) (`mat glsaccum`); without `igls` the loop runs once;
##              without `nmk` V is not rescaled; no df are posted, so z and normal p/CI.
##   [ado:Estimate] corr(ar1) drops panels with a single observation; checkt refuses
##              (error 459) a time variable that is not regularly spaced within a panel
##              unless `force`; panels(hetero) does not require balance (ChkBal only for
##              panels(correlated)).  Wald chi2 = test of all indepvars (slopes and year
##              dummies, not _cons).
##
## This script follows those steps in deliberately different code from the Python
## (reporter/battery/fgls.py): the Prais-Winsten transform is an explicit block-diagonal
## n x n matrix P, and Omega is the full n x n diagonal matrix passed to solve().  It then
## cross-checks the result against a second route: GLS on the untransformed data with the
## full AR(1) covariance Omega_i = sigma_i^2/(1 - rho^2) [rho^|t-s|], again through solve()
## (P_i' P_i / sigma_i^2 is the inverse of that block).
##
## Published Stata output: no printed `xtgls ..., panels(hetero) corr(ar1)` result for the
## Grunfeld data (with or without i.year) could be found through the search tools (the
## manual's examples use invest2.dta; the pages and code corpora hold the xtgls.ado source,
## help pages and syntax, but no log with these numbers).  No external comparison is
## therefore recorded; the fixtures rest on the ado source and on the two routes agreeing.
##
## ---------------------------------------------------------------------------------------
## pggls
## ---------------------------------------------------------------------------------------
## plm::pggls(model="within") (plm 2.6.2, read with `plm:::pggls`): within-transformed y and
## X, OLS residuals u, Omega_T = mean over entities of u_i u_i' (T x T; for unbalanced
## panels the mean of each (s,t) cell over the entities that observe both), the block of
## entity i is Omega_T[obs_i, obs_i], b = solve(A, B) with A = X' Omega^-1 X, B = X' Omega^-1 y
## and vcov = solve(A); summary() reports z = b/se and p = 2 pnorm(-|z|); its R-squared is
## 1 - SSR/TSS with TSS of the untransformed y.  Omega^-1 is bdsmatrix's solve
## (bdsmatrix 1.3-6, src/cholesky4.c and src/chsolve4.c): an LDL' factorisation in natural
## order that drops pivots with |d| < 1e-10 * max(diag), then solves with D^+ keeping only
## the POSITIVE pivots (a negative pivot's component is set to 0 before the back-solve).
## For balanced panels Omega_T is singular by construction (within residuals sum to zero)
## and X lies in its range, so any generalized inverse gives the same answer (cross-checked
## against the projection onto 1-perp).  For unbalanced panels (EmplUK) the pairwise Omega_T
## blocks are indefinite; plm's numbers then depend on that pivot rule, which the script
## re-implements and checks against pggls (the Python does the same).  N <= T gives a
## rank-deficient Omega_T: the contract requires N > T, so Grunfeld (N=10, T=20) records the
## error instead of numbers.
##
## Needs r-cran-plm (>= 2.6), r-cran-bdsmatrix, r-cran-jsonlite.

suppressPackageStartupMessages({
  library(plm)
  library(jsonlite)
})
options(warn = 1, stringsAsFactors = FALSE)
invisible(Sys.setlocale("LC_COLLATE", "C"))   # entity order = code-point order (as pandas)

REF_DIR <- file.path("tests", "reference")
if (!dir.exists(REF_DIR)) stop("run this script from the repository root")
OUT_DIR <- file.path(REF_DIR, "fixtures", "fgls")
dir.create(OUT_DIR, showWarnings = FALSE, recursive = TRUE)
TOL <- 1e-10
VERBOSE <- nzchar(Sys.getenv("REF_VERBOSE"))

## ---- number formatting (as make_reference.R) ------------------------------------------
fmt_num <- function(v) {
  s <- sprintf("%.15g", v)
  bad <- !is.na(v) & is.finite(v) & as.numeric(s) != v
  s[bad] <- sprintf("%.16g", v[bad])
  bad <- !is.na(v) & is.finite(v) & as.numeric(s) != v
  s[bad] <- sprintf("%.17g", v[bad])
  s
}
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
  txt <- toJSON(jsonify(obj), auto_unbox = TRUE, pretty = TRUE, json_verbatim = TRUE,
                null = "null", na = "null")
  con <- file(path, open = "w", encoding = "UTF-8")
  writeLines(txt, con)
  close(con)
}
num_list <- function(v) as.list(unname(as.numeric(v)))
named_list <- function(v, nm) { out <- as.list(unname(as.numeric(v))); names(out) <- nm; out }

check_close <- function(a, b, what, tol = TOL) {
  a <- as.numeric(a); b <- as.numeric(b)
  d <- max(abs(a - b) / pmax(abs(b), 1e-300))
  if (!(d < tol)) stop(sprintf("cross-check failed for %s: rel diff %.3g", what, d))
  if (VERBOSE) message(sprintf("    ok %-58s %.2g", what, d))
  invisible(d)
}

## z table: est, se, z = est/se, p = 2 pnorm(-|z|), CI est -/+ qnorm(0.975) se
z_table <- function(est, se) {
  z <- est / se
  q <- qnorm(0.975)
  out <- list()
  for (nm in names(est)) {
    out[[nm]] <- list(estimate = unname(est[nm]), std_error = unname(se[nm]),
                      stat = unname(z[nm]), p_value = unname(2 * pnorm(-abs(z[nm]))),
                      ci_low = unname(est[nm] - q * se[nm]),
                      ci_high = unname(est[nm] + q * se[nm]))
  }
  out
}

## ---- xtgls y x i.year, panels(hetero) corr(ar1) ---------------------------------------
xtgls_hetero_ar1 <- function(df, ent, tim, dep, regs) {
  ## [ado:Estimate] corr(ar1): panels with a single observation are dropped
  Ti_all <- table(df[[ent]])
  single <- names(Ti_all)[Ti_all == 1]
  df <- df[!(as.character(df[[ent]]) %in% single), , drop = FALSE]
  df <- df[order(df[[ent]], df[[tim]]), , drop = FALSE]
  ## [ado:checkt] regularly spaced within panels (delta 1), no duplicates
  steps <- unlist(tapply(df[[tim]], df[[ent]], diff))
  if (any(steps != 1)) stop("time is not regularly spaced within panels (Stata error 459)")

  id <- factor(df[[ent]])
  n <- nrow(df)
  yr <- factor(df[[tim]])                      # i.year, first level is the base
  X <- cbind(as.matrix(df[, regs, drop = FALSE]),
             model.matrix(~ yr)[, -1, drop = FALSE],
             `_cons` = 1)
  y <- df[[dep]]
  K <- ncol(X)
  if (qr(X)$rank < K) stop("singular design")

  ## [ado:mc1] step 1: OLS residuals
  b_ols <- solve(crossprod(X), crossprod(X, y))
  e <- drop(y - X %*% b_ols)

  ## [_crcar1 regress] rho_i = sum e_t e_{t-1} / sum e_{t-1}^2 ; [mc1] T_i-weighted mean
  rho_i <- sapply(split(e, id), function(u) sum(u[-1] * u[-length(u)]) / sum(u[-length(u)]^2))
  Ti <- as.numeric(table(id))
  ok <- is.finite(rho_i)
  rho <- sum(Ti[ok] * rho_i[ok]) / sum(Ti[ok])

  ## [mc1] Prais-Winsten as an explicit block-diagonal n x n matrix P
  P <- matrix(0, n, n)
  start <- 0
  for (g in seq_along(Ti)) {
    m <- Ti[g]
    Pi <- diag(m)
    Pi[1, 1] <- sqrt(1 - rho^2)
    if (m > 1) Pi[cbind(2:m, 1:(m - 1))] <- -rho
    P[start + 1:m, start + 1:m] <- Pi
    start <- start + m
  }
  Xs <- P %*% X
  ys <- drop(P %*% y)

  ## [mc1] OLS on the transformed data; [mv1] sigma_i^2 = mean(e*_i^2), divisor T_i
  b_pw <- solve(crossprod(Xs), crossprod(Xs, ys))
  es <- drop(ys - Xs %*% b_pw)
  sigma2 <- tapply(es^2, id, mean)

  ## [Estimate] GLS with the full n x n Omega = diag(sigma_i^2) on the transformed data
  Omega <- diag(as.numeric(sigma2[as.character(id)]))
  Oi <- solve(Omega)
  A <- t(Xs) %*% Oi %*% Xs
  V <- solve(A)
  b <- drop(V %*% (t(Xs) %*% Oi %*% ys))
  names(b) <- colnames(X)
  dimnames(V) <- list(colnames(X), colnames(X))

  ## route 2: GLS on the original data with Omega_i = sigma_i^2/(1-rho^2) rho^|t-s|
  Om2 <- matrix(0, n, n)
  start <- 0
  for (g in seq_along(Ti)) {
    m <- Ti[g]
    R <- rho^abs(outer(1:m, 1:m, "-"))
    Om2[start + 1:m, start + 1:m] <- sigma2[g] / (1 - rho^2) * R
    start <- start + m
  }
  W2 <- solve(Om2)
  V2 <- solve(t(X) %*% W2 %*% X)
  b2 <- drop(V2 %*% (t(X) %*% W2 %*% y))
  check_close(b, b2, "xtgls coef: PW-transformed vs full AR(1) Omega", 1e-8)
  check_close(diag(V), diag(V2), "xtgls var:  PW-transformed vs full AR(1) Omega", 1e-8)

  ## Wald chi2 of all indepvars (slopes and year dummies, not _cons)
  s <- setdiff(colnames(X), "_cons")
  wald <- drop(t(b[s]) %*% solve(V[s, s]) %*% b[s])

  keep <- c(regs, "_cons")
  est <- b[keep]; se <- sqrt(diag(V))[keep]
  names(est) <- names(se) <- ifelse(keep == "_cons", "const", keep)
  dummies <- setdiff(s, regs)
  list(
    nobs = n, n_entities = nlevels(id), n_periods = nlevels(yr),
    df_resid = n - K, dropped_singletons = length(single),
    coefficients = z_table(est, se),
    year_effects = named_list(b[dummies], levels(yr)[-1]),
    year_effects_std_error = named_list(sqrt(diag(V))[dummies], levels(yr)[-1]),
    n_year_dummies = length(dummies),
    rho = rho,
    rho_by_entity = named_list(rho_i, levels(id)),
    panel_variances = named_list(sigma2, levels(id)),
    ols_coefficients = named_list(b_ols[keep, 1], names(est)),
    wald_chi2 = wald, wald_df = length(s),
    notes = paste0(
      "Stata `xtgls y x i.year, panels(hetero) corr(ar1)` (two-step, rhotype(regress), no nmk), ",
      "re-implemented from xtgls.ado 2.7.2 / _crcar1.ado 4.0.2: OLS -> rho_i = sum e_t e_{t-1}/",
      "sum e_{t-1}^2 -> rho = sum T_i rho_i / sum T_i -> Prais-Winsten (first obs * sqrt(1-rho^2)) ",
      "-> OLS -> sigma_i^2 = mean(e*_i^2) -> GLS, V = (X*'Omega^-1 X*)^-1; z inference. ",
      "Cross-checked against GLS with the full AR(1) covariance on the untransformed data. ",
      "year_effects are the i.year coefficients (first year = base); ols_coefficients the step-1 OLS.")
  )
}

## ---- plm::pggls(model = "within") ----------------------------------------------------
## plm's Omega^-1 rule (bdsmatrix 1.3-6 cholesky4 + chsolve4) for one block, explicit
gchol_ginv <- function(B, eps) {
  m <- nrow(B); L <- diag(m); d <- numeric(m); A <- B
  for (j in seq_len(m)) {
    p <- A[j, j]
    if (abs(p) < eps) next                     # dropped pivot: d = 0, column of L = e_j
    d[j] <- p
    if (j < m) {
      l <- A[(j + 1):m, j] / p
      L[(j + 1):m, j] <- l
      A[(j + 1):m, (j + 1):m] <- A[(j + 1):m, (j + 1):m] - outer(l, l) * p
    }
  }
  Li <- forwardsolve(L, diag(m))
  t(Li) %*% diag(ifelse(d > 0, 1 / d, 0), m) %*% Li   # only positive pivots are inverted
}

pggls_within <- function(df, ent, tim, dep, regs) {
  df <- df[order(df[[ent]], df[[tim]]), , drop = FALSE]
  N <- length(unique(df[[ent]])); Tn <- length(unique(df[[tim]]))
  if (N <= Tn) {
    return(list(error = "estimate.fgls_short_panel", n_entities = N, n_periods = Tn,
                notes = sprintf(paste0(
                  "N = %d <= T = %d: Omega_T = mean of u_i u_i' has rank <= N, so the general ",
                  "FGLS is not identified; plm::pggls still returns numbers (from a generalized ",
                  "inverse), the contract refuses."), N, Tn)))
  }
  pdf <- pdata.frame(df, index = c(ent, tim), drop.index = FALSE, row.names = TRUE)
  f <- as.formula(paste(dep, "~", paste(regs, collapse = " + ")))
  m <- pggls(f, data = pdf, model = "within", effect = "individual")
  s <- summary(m)
  ct <- s$CoefTable
  est <- ct[, 1]; se <- ct[, 2]
  check_close(ct[, 3], est / se, "pggls z = est/se")
  check_close(ct[, 4], 2 * pnorm(-abs(est / se)), "pggls p normal")

  ## hand route: within data, OLS residuals, Omega_T, per-block generalized inverse
  id <- factor(df[[ent]]); tt <- factor(df[[tim]])
  Xw <- sapply(regs, function(v) df[[v]] - ave(df[[v]], id))
  yw <- df[[dep]] - ave(df[[dep]], id)
  u <- drop(yw - Xw %*% solve(crossprod(Xw), crossprod(Xw, yw)))
  U <- matrix(0, N, Tn); M <- matrix(0, N, Tn)
  U[cbind(as.integer(id), as.integer(tt))] <- u
  M[cbind(as.integer(id), as.integer(tt))] <- 1
  Om <- crossprod(U) / crossprod(M)
  check_close(Om[crossprod(M) > 0], unclass(m$sigma)[crossprod(M) > 0], "pggls Omega_T hand vs plm")
  eps <- 1e-10 * max(diag(Om))
  A <- 0; B <- 0
  for (g in levels(id)) {
    r <- which(id == g); cols <- as.integer(tt[r])
    G <- gchol_ginv(Om[cols, cols, drop = FALSE], eps)
    A <- A + t(Xw[r, , drop = FALSE]) %*% G %*% Xw[r, , drop = FALSE]
    B <- B + t(Xw[r, , drop = FALSE]) %*% G %*% yw[r]
  }
  check_close(solve(A, B), est, "pggls coef: hand (gchol rule) vs plm", 1e-8)
  check_close(sqrt(diag(solve(A))), se, "pggls se:   hand (gchol rule) vs plm", 1e-8)
  balanced <- all(M == 1)
  if (balanced) {
    ## any generalized inverse: project on the complement of the constant
    Q <- qr.Q(qr(cbind(1, diag(Tn))))[, 2:Tn]
    Sq <- t(Q) %*% Om %*% Q
    A2 <- 0
    for (g in levels(id)) {
      r <- which(id == g)
      Z <- t(Q) %*% Xw[r, , drop = FALSE]
      A2 <- A2 + t(Z) %*% solve(Sq, Z)
    }
    check_close(sqrt(diag(solve(A2))), se, "pggls se: projection route (balanced)", 1e-8)
  }
  omega <- lapply(seq_len(Tn), function(i) num_list(ifelse(crossprod(M)[i, ] > 0, Om[i, ], NA)))
  names(omega) <- levels(tt)
  list(
    nobs = nrow(df), n_entities = N, n_periods = Tn, balanced = balanced,
    df_resid = unname(m$df.residual),
    coefficients = z_table(est, se),
    r2 = s$rsqr, ssr = s$ssr, tss = s$tss,
    omega = omega,
    omega_min_eigenvalue = min(eigen(Om, symmetric = TRUE, only.values = TRUE)$values),
    notes = paste0(
      "plm::pggls(model='within', effect='individual') with summary(): z = est/se, normal p and ",
      "CI est +/- qnorm(0.975) se. r2 = plm's 'Multiple R-squared' 1 - SSR/TSS (TSS of the ",
      "untransformed y). omega = Omega_T (rows/cols = periods; null where no entity observes ",
      "both periods). Cross-checked against a hand route (within OLS residuals, Omega_T, ",
      "bdsmatrix's LDL' pivot rule per block)",
      if (balanced) " and, balanced, the projection on 1-perp." else
        paste0("; unbalanced: Omega_T blocks are indefinite (min eigenvalue of Omega_T ",
               "recorded), plm's numbers depend on bdsmatrix's pivot rule.")))
}

## ---- datasets ------------------------------------------------------------------------
specs <- list(
  list(name = "grunfeld", data_file = "tests/reference/data/grunfeld.csv",
       entity = "firm", time = "year", dependent = "inv", regressors = c("value", "capital")),
  list(name = "produc", data_file = "tests/reference/data/produc.csv",
       entity = "state", time = "year", dependent = "lgsp",
       regressors = c("lpcap", "lpc", "lemp", "unemp")),
  list(name = "emplUK", data_file = "tests/reference/data/emplUK.csv",
       entity = "firm", time = "year", dependent = "emp",
       regressors = c("wage", "capital", "output")),
  list(name = "zhejiang_cities", data_file = "data/zhejiang_cities.csv",
       entity = "city", time = "year", dependent = "compet",
       regressors = c("ec", "x1", "x2", "x3", "x4", "x5")),
  list(name = "provinces", data_file = "data/provinces.csv",
       entity = "province", time = "year", dependent = "eres",
       regressors = c("nm", "lngdp", "open", "infra", "rd"))
)
args <- commandArgs(trailingOnly = TRUE)
if (length(args)) specs <- Filter(function(s) s$name %in% args, specs)

for (s in specs) {
  if (!file.exists(s$data_file)) { message("== ", s$name, ": input missing, skipped"); next }
  message("== ", s$name)
  df <- read.csv(s$data_file, check.names = FALSE, stringsAsFactors = FALSE,
                 fileEncoding = "UTF-8", na.strings = c("", "NA"))
  vars <- c(s$entity, s$time, s$dependent, s$regressors)
  df <- df[complete.cases(df[, vars]), vars, drop = FALSE]
  df[[s$entity]] <- as.character(df[[s$entity]])
  fx <- list(
    dataset = s$name, data_file = s$data_file,
    data_md5 = unname(tools::md5sum(s$data_file)),
    entity = s$entity, time = s$time, dependent = s$dependent, regressors = I(s$regressors),
    r_version = paste(R.version$major, R.version$minor, sep = "."),
    packages = list(plm = as.character(packageVersion("plm")),
                    bdsmatrix = as.character(packageVersion("bdsmatrix"))),
    models = list(
      fgls = xtgls_hetero_ar1(df, s$entity, s$time, s$dependent, s$regressors),
      fgls_general = pggls_within(df, s$entity, s$time, s$dependent, s$regressors)
    )
  )
  out <- file.path(OUT_DIR, paste0(s$name, ".json"))
  write_json_fixture(fx, out)
  message(sprintf("  wrote %s (input md5 %s)", out, fx$data_md5))
}
message("done")
