#!/usr/bin/env Rscript
## Reference fixtures for the rest of the reporter battery: model selection
## (RE, Hausman variants, F and LM tests), Driscoll-Kraay, robustness checks,
## moderation, mechanisms and heterogeneity.
##
## Run from the repository root:
##     Rscript tests/reference/make_battery.R              # all datasets
##     Rscript tests/reference/make_battery.R grunfeld     # a subset, by name
##     REF_VERBOSE=1 Rscript tests/reference/make_battery.R   # print every cross-check
##
## Writes tests/reference/fixtures/battery/<name>.json.  Reads the same CSV
## inputs as make_reference.R (it does not rewrite them).  The conventions are
## in tests/reference/README.md, section "Battery fixtures".  Every number that
## has a second route is cross-checked (stopifnot, relative tolerance 1e-10).

suppressPackageStartupMessages({
  library(plm)
  library(sandwich)
  library(lmtest)
  library(car)
  library(jsonlite)
})
options(warn = 1, stringsAsFactors = FALSE)
## entity order everywhere = byte / Unicode code point order (Python sorted())
invisible(Sys.setlocale("LC_COLLATE", "C"))

REF_DIR <- file.path("tests", "reference")
if (!dir.exists(REF_DIR)) stop("run this script from the repository root")
OUT_DIR <- file.path(REF_DIR, "fixtures", "battery")
dir.create(OUT_DIR, showWarnings = FALSE, recursive = TRUE)

TOL <- 1e-10
VERBOSE <- nzchar(Sys.getenv("REF_VERBOSE"))

## ---------------------------------------------------------------------------
## helpers copied verbatim from make_reference.R (number formatting, JSON,
## CSV reading, cross-check, coefficient tables, hand cluster sandwich)
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

read_csv_full <- function(path) {
  read.csv(path, check.names = FALSE, stringsAsFactors = FALSE,
           fileEncoding = "UTF-8", na.strings = c("", "NA"))
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
    da <- sqrt(diag(unclass(as.matrix(a)))); db <- sqrt(diag(unclass(as.matrix(b))))
    d <- max(d, max(abs(da - db) / da))
  }
  if (!(d < tol)) stop(sprintf("cross-check failed for %s: rel diff %.3g", what, d))
  if (VERBOSE) message(sprintf("    ok %-62s %.2g", what, d))
  invisible(d)
}

rename_const <- function(nm) ifelse(nm == "(Intercept)", "const", nm)

coef_table <- function(est, se, df_t) {
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

cluster_sandwich_hand <- function(X, u, cl, keep) {
  q <- qr(X)
  if (q$rank < ncol(X)) stop("design matrix is rank deficient")
  piv <- q$pivot
  A <- backsolve(qr.R(q), t(qr.Q(q)))
  rownames(A) <- colnames(X)[piv]
  A <- A[keep, , drop = FALSE]
  S <- rowsum(t(A) * u, cl, reorder = FALSE)
  V <- crossprod(S)
  dimnames(V) <- list(keep, keep)
  V
}

## ---------------------------------------------------------------------------
## battery helpers
## ---------------------------------------------------------------------------
sort_levels <- function(x) sort(unique(x), method = "radix")   # C / code point order

## estimation sample: complete cases on entity, time and `vars`; sorted by
## entity (code point / numeric) then time
prep_sample <- function(d, ent, tim, vars) {
  d <- d[complete.cases(d[, c(ent, tim, vars)]), , drop = FALSE]
  d <- d[order(d[[ent]], d[[tim]], method = "radix"), , drop = FALSE]
  rownames(d) <- NULL
  if (anyDuplicated(d[, c(ent, tim)])) stop("duplicate entity-time pairs")
  d$.id <- factor(d[[ent]], levels = sort_levels(d[[ent]]))
  d$.yr <- factor(d[[tim]], levels = sort(unique(d[[tim]])))
  d
}

within_r2 <- function(y, id, u) 1 - sum(u^2) / sum((y - ave(y, id))^2)

## Two-way FE (entity + year) with the contract cluster SE.
## Route 1: plm within twoways + vcovHC(arellano, HC0, group).
## Route 2: lm(y ~ x + factor(year) + factor(entity)) with a hand-built sandwich.
## R-sq within: plm(y ~ x + factor(year), effect="individual") vs the formula.
fit_tw <- function(d, ent, tim, dep, regs, what, checks = TRUE) {
  d <- prep_sample(d, ent, tim, c(dep, regs))
  n <- nrow(d); G <- nlevels(d$.id); Tn <- nlevels(d$.yr); k <- length(regs)
  f <- as.formula(paste(dep, "~", paste(regs, collapse = " + ")))
  pdf <- pdata.frame(d, index = c(ent, tim), drop.index = FALSE, row.names = TRUE)
  m <- plm(f, data = pdf, model = "within", effect = "twoways")
  if (length(coef(m)) != k) stop(what, ": a regressor was dropped")
  b <- coef(m)[regs]
  V0 <- vcovHC(m, method = "arellano", type = "HC0", cluster = "group")[regs, regs, drop = FALSE]
  sc <- G / (G - 1) * (n - 1) / (n - k - Tn)
  V <- V0 * sc
  l <- lm(as.formula(paste(dep, "~", paste(regs, collapse = " + "), "+ .yr + .id")), data = d)
  if (any(is.na(coef(l)))) stop(what, ": rank-deficient LSDV")
  r2w <- within_r2(d[[dep]], d$.id, resid(l))
  if (checks) {
    check_close(b, coef(l)[regs], paste(what, "coef plm vs LSDV"))
    check_close(unname(resid(m)), unname(resid(l)), paste(what, "resid plm vs LSDV"))
    Vh <- cluster_sandwich_hand(model.matrix(l), resid(l), d$.id, regs)
    check_close(V0, Vh, paste(what, "HC0 cluster plm vs LSDV hand"))
    m_yr <- plm(as.formula(paste(dep, "~", paste(regs, collapse = " + "), "+ factor(", tim, ")")),
                data = pdf, model = "within", effect = "individual")
    check_close(coef(m_yr)[regs], b, paste(what, "coef i.year vs twoways"))
    check_close(summary(m_yr)$r.squared[["rsq"]], r2w, paste(what, "R-sq within"))
  }
  list(b = b, V = V, V0 = V0, n = n, G = G, Tn = Tn, k = k, sc = sc, r2w = r2w,
       data = d, pdf = pdf, model = m, lsdv = l,
       block = list(regressors = I(regs), nobs = n, n_clusters = G, n_periods = Tn,
                    t_df = G - 1L, cluster_factor = sc, r2_within = r2w,
                    coefficients = coef_table(b, sqrt(diag(V)), G - 1)))
}

## Stata _pctile percentile: P = n*p; if P is whole, mean of the P-th and
## (P+1)-th order statistics, else the ceil(P)-th.  "Whole" = within 1e-9 of
## an integer (p is a round percentage, so n*p is a rational with denominator 100).
stata_pctile <- function(x, p) {
  xs <- sort(x); n <- length(xs); P <- n * p
  if (abs(P - round(P)) < 1e-9) {
    j <- round(P)
    if (j <= 0) return(xs[1])
    if (j >= n) return(xs[n])
    (xs[j] + xs[j + 1]) / 2
  } else xs[ceiling(P)]
}

winsorize_df <- function(d, vars, lo, hi, what) {
  cuts <- list()
  for (v in vars) {
    x <- d[[v]]
    a <- stata_pctile(x, lo); b <- stata_pctile(x, hi)
    ## second route: R quantile type 2 is the same definition
    check_close(c(a, b), unname(quantile(x, c(lo, hi), type = 2)),
                paste(what, v, "cut points vs quantile type 2"))
    cuts[[v]] <- list(low = a, high = b, n_below = sum(x < a), n_above = sum(x > b))
    d[[v]] <- pmin(pmax(x, a), b)
  }
  list(data = d, cuts = cuts)
}

## Swamy-Arora by hand, following plm 2.6 ercomp (balanced: dfcor 2,2;
## unbalanced: dfcor 3,3).  X: non-intercept regressors (matrix), id factor.
swar_hand <- function(y, X, id) {
  n <- length(y); G <- nlevels(id); Ti <- as.numeric(table(id))
  balanced <- length(unique(Ti)) == 1
  mean_i <- function(v) ave(v, id)
  Xw <- apply(X, 2, function(v) v - mean_i(v)); yw <- y - mean_i(y)
  keep_w <- apply(Xw, 2, function(v) max(abs(v)) > 1e-12)
  Xw <- Xw[, keep_w, drop = FALSE]
  uw <- qr.resid(qr(Xw), yw)
  s2e <- sum(uw^2) / (n - G - ncol(Xw))
  Xb <- apply(X, 2, mean_i); yb <- mean_i(y)
  if (balanced) {
    first <- !duplicated(id)
    Xbg <- Xb[first, , drop = FALSE]
    keep_b <- apply(Xbg, 2, function(v) max(v) - min(v) > 1e-12 * max(1, max(abs(v))))
    Z <- cbind(1, Xbg[, keep_b, drop = FALSE])
    ub <- qr.resid(qr(Z), yb[first])
    Kb <- ncol(Z) - 1
    s2u <- sum(ub^2) / (G - Kb - 1) - s2e / Ti[1]
  } else {
    Zb <- cbind(1, Xb)                          # Between matrix (means, repeated)
    ub <- qr.resid(qr(Zb), yb)
    quad2 <- sum(ub^2)
    Zs <- Zb * as.numeric(table(id)[as.integer(id)])   # entity sums, repeated
    Z <- cbind(1, X)
    M_nu <- G - ncol(X) - 1
    M_eta <- n - sum(diag(solve(crossprod(Zb), crossprod(Zs, Z))))
    s2u <- (quad2 - M_nu * s2e) / M_eta
  }
  s2u <- max(s2u, 0)
  theta_i <- 1 - sqrt(s2e / (s2e + Ti * s2u))
  th <- theta_i[as.integer(id)]
  Xs <- cbind("(Intercept)" = 1 - th, X - th * Xb); ys <- y - th * yb
  fit <- lm.fit(Xs, ys)
  b <- fit$coefficients
  V <- sum(fit$residuals^2) / (n - ncol(Xs)) * chol2inv(qr.R(qr(Xs)))
  dimnames(V) <- list(colnames(Xs), colnames(Xs))
  list(s2e = s2e, s2u = s2u, theta = theta_i, b = b, V = V)
}

hausman_hand <- function(b1, V1, b2, V2) {
  nm <- intersect(names(b2), names(b1)); nm <- setdiff(nm, "(Intercept)")
  d <- b1[nm] - b2[nm]
  abs(as.numeric(t(d) %*% solve(V1[nm, nm] - V2[nm, nm]) %*% d))
}

htest_list <- function(h) list(stat = unname(h$statistic), df = unname(h$parameter),
                                p_value = h$p.value)

## ---------------------------------------------------------------------------
## one dataset
## ---------------------------------------------------------------------------
make_battery <- function(spec) {
  name <- spec$name
  message("== ", name)
  raw <- read_csv_full(spec$data_file)
  for (j in seq_along(raw)) if (is.character(raw[[j]])) Encoding(raw[[j]]) <- "UTF-8"
  ent <- spec$entity; tim <- spec$time; dep <- spec$dependent; core <- spec$core
  ctrl <- spec$controls; regs <- c(core, ctrl); k <- length(regs)
  need <- unique(c(ent, tim, dep, regs, unlist(lapply(spec$moderation, `[[`, "moderator")),
                   unlist(lapply(spec$mechanisms, `[[`, "mediator")), spec$heterogeneity))
  miss <- setdiff(need, names(raw))
  if (length(miss)) stop(name, ": missing columns ", paste(miss, collapse = ", "))

  d <- prep_sample(raw, ent, tim, c(dep, regs))
  n <- nrow(d); G <- nlevels(d$.id); Tn <- nlevels(d$.yr)
  Ti <- as.integer(table(d$.id))
  balanced <- all(Ti == Tn)
  pdf <- pdata.frame(d, index = c(ent, tim), drop.index = FALSE, row.names = TRUE)
  f_full <- as.formula(paste(dep, "~", paste(regs, collapse = " + ")))
  X <- as.matrix(d[, regs, drop = FALSE]); y <- d[[dep]]

  ## =============================== 1. selection ===========================
  m_pool <- plm(f_full, data = pdf, model = "pooling")
  m_fe <- plm(f_full, data = pdf, model = "within", effect = "individual")
  m_re <- plm(f_full, data = pdf, model = "random", random.method = "swar")
  if (length(coef(m_fe)) != k) stop(name, ": regressor dropped in FE")
  ec <- m_re$ercomp
  sh <- swar_hand(y, X, d$.id)
  check_close(ec$sigma2[["idios"]], sh$s2e, paste(name, "RE sigma2_idios hand"))
  check_close(ec$sigma2[["id"]], sh$s2u, paste(name, "RE sigma2_indiv hand"))
  check_close(coef(m_re), sh$b, paste(name, "RE coef hand GLS"))
  check_close(vcov(m_re), sh$V, paste(name, "RE vcov hand GLS"))
  first <- !duplicated(d$.id)
  if (balanced) {
    theta_out <- unname(ec$theta[1])
    check_close(theta_out, sh$theta[1], paste(name, "RE theta hand"))
  } else {
    th_i <- unname(ec$theta[first])          # rows are sorted by entity
    check_close(th_i, sh$theta, paste(name, "RE theta (per entity) hand"))
    theta_out <- as.list(th_i)
  }
  b_re <- coef(m_re)
  re_block <- list(
    nobs = n, n_clusters = G, df_resid = df.residual(m_re),
    coefficients = coef_table(b_re, sqrt(diag(vcov(m_re))), Inf),
    sigma2_idios = unname(ec$sigma2[["idios"]]),
    sigma2_indiv = unname(ec$sigma2[["id"]]),
    theta = theta_out)
  if (!balanced) {
    re_block$theta_entities <- as.list(d[[ent]][first])
    re_block$T_i <- as.list(Ti)
  }

  ## Hausman, classical
  ht <- phtest(m_fe, m_re)
  check_close(unname(ht$statistic), hausman_hand(coef(m_fe), vcov(m_fe), b_re, vcov(m_re)),
              paste(name, "Hausman hand (plm vcovs)"))
  ## independent route: LSDV lm for FE, hand Swamy-Arora GLS for RE
  l_fe <- lm(as.formula(paste(dep, "~", paste(regs, collapse = " + "), "+ .id")), data = d)
  check_close(unname(ht$statistic),
              hausman_hand(coef(l_fe)[regs], vcov(l_fe)[regs, regs], sh$b, sh$V),
              paste(name, "Hausman LSDV + hand GLS"))

  ## Hausman with year dummies in both models
  f_yr <- as.formula(paste(dep, "~", paste(regs, collapse = " + "), "+ factor(", tim, ")"))
  m_fe_y <- plm(f_yr, data = pdf, model = "within", effect = "individual")
  m_re_y <- tryCatch(plm(f_yr, data = pdf, model = "random", random.method = "swar"),
                     error = function(e) e)
  if (inherits(m_re_y, "error")) {
    ## plm cannot estimate the Swamy-Arora components: in an unbalanced panel the
    ## Between design (entity means of the year dummies) can be exactly singular
    msg <- conditionMessage(m_re_y)
    message("  hausman_twoways not estimable: ", msg)
    hausman_tw <- list(stat = NA_real_, df = NA_real_, p_value = NA_real_, estimable = FALSE,
                       error = paste("plm 2.6.2 random(swar) with factor(year) fails:", trimws(msg)))
  } else {
    ht2 <- phtest(m_fe_y, m_re_y)
    Xy <- model.matrix(lm(f_yr, data = d))[, -1, drop = FALSE]
    colnames(Xy) <- names(coef(m_re_y))[-1]
    sh2 <- swar_hand(y, Xy, d$.id)
    check_close(m_re_y$ercomp$sigma2[["idios"]], sh2$s2e, paste(name, "RE+year sigma2_idios hand"))
    check_close(m_re_y$ercomp$sigma2[["id"]], sh2$s2u, paste(name, "RE+year sigma2_indiv hand"))
    check_close(coef(m_re_y), sh2$b, paste(name, "RE+year coef hand"))
    check_close(unname(ht2$statistic),
                hausman_hand(coef(m_fe_y), vcov(m_fe_y), coef(m_re_y), vcov(m_re_y)),
                paste(name, "Hausman twoways hand (plm vcovs)"))
    ## independent route (the difference matrix is ill-conditioned, so this
    ## bounds how far a re-implementation may drift): LSDV lm + hand GLS
    l_fy <- lm(as.formula(paste(dep, "~", paste(regs, collapse = " + "), "+ .yr + .id")), data = d)
    nml <- c(regs, grep("^\\.yr", names(coef(l_fy)), value = TRUE))
    b_l <- coef(l_fy)[nml]; V_l <- vcov(l_fy)[nml, nml]
    names(b_l) <- names(coef(m_fe_y)); dimnames(V_l) <- list(names(b_l), names(b_l))
    check_close(unname(ht2$statistic), hausman_hand(b_l, V_l, sh2$b, sh2$V),
                paste(name, "Hausman twoways LSDV + hand GLS"))
    dV <- vcov(m_fe_y) - vcov(m_re_y)[names(coef(m_fe_y)), names(coef(m_fe_y))]
    ev <- eigen(dV, symmetric = TRUE, only.values = TRUE)$values
    hausman_tw <- c(htest_list(ht2), list(
      estimable = TRUE,
      sigma2_idios = unname(m_re_y$ercomp$sigma2[["idios"]]),
      sigma2_indiv = unname(m_re_y$ercomp$sigma2[["id"]]),
      compared = I(names(coef(m_fe_y))),
      vdiff_min_eigenvalue = min(ev), vdiff_condition = max(abs(ev)) / min(abs(ev))))
  }

  ## Regression-based (auxiliary) Hausman with a cluster-robust HC0 vcov
  vfun <- function(x) vcovHC(x, method = "arellano", type = "HC0")
  ht3 <- phtest(f_full, data = pdf, method = "aux", vcov = vfun)
  ## by hand: pooled OLS of y* on [1, X*, X~]; X* quasi-demeaned with the
  ## one-way Swamy-Arora theta_i, X~ within-demeaned; constant = column of 1s
  th_obs <- sh$theta[as.integer(d$.id)]
  Xb <- apply(X, 2, function(v) ave(v, d$.id))
  ys <- y - th_obs * ave(y, d$.id)
  Xs <- X - th_obs * Xb; Xt <- X - Xb
  colnames(Xt) <- paste0(regs, ".tilde")
  Za <- cbind("(Intercept)" = 1, Xs, Xt)
  la <- lm.fit(Za, ys)
  Va <- cluster_sandwich_hand(Za, la$residuals, d$.id, colnames(Za))
  bt <- la$coefficients[colnames(Xt)]
  W_aux <- as.numeric(t(bt) %*% solve(Va[colnames(Xt), colnames(Xt)], bt))
  check_close(unname(ht3$statistic), W_aux, paste(name, "aux Hausman (robust) hand"))
  ht3_plain <- phtest(f_full, data = pdf, method = "aux")
  Va_cl <- sum(la$residuals^2) / (n - ncol(Za)) * chol2inv(qr.R(qr(Za)))
  dimnames(Va_cl) <- list(colnames(Za), colnames(Za))
  check_close(unname(ht3_plain$statistic),
              as.numeric(t(bt) %*% solve(Va_cl[colnames(Xt), colnames(Xt)], bt)),
              paste(name, "aux Hausman (classical) hand"))
  hausman_robust <- c(htest_list(ht3), list(
    aux_coefficients = as.list(bt),
    classical_vcov_stat = unname(ht3_plain$statistic),
    classical_vcov_p_value = ht3_plain$p.value))

  ## F test for entity effects, BP LM
  ft <- pFtest(m_fe, m_pool)
  ssr_p <- sum(resid(m_pool)^2); ssr_w <- sum(resid(m_fe)^2)
  check_close(unname(ft$statistic), ((ssr_p - ssr_w) / (G - 1)) / (ssr_w / (n - G - k)),
              paste(name, "pFtest hand"))
  stopifnot(ft$parameter[1] == G - 1, ft$parameter[2] == n - G - k)
  bp <- plmtest(m_pool, effect = "individual", type = "bp")
  e <- unname(resid(m_pool))
  A1 <- sum(tapply(e, d$.id, sum)^2) / sum(e^2) - 1
  check_close(unname(bp$statistic), (n^2 / (2 * (sum(Ti^2) - n))) * A1^2, paste(name, "BP LM hand"))

  ## same specification as make_reference.R: the numbers must be identical
  if (isTRUE(spec$same_as_main)) {
    mf <- fromJSON(file.path(REF_DIR, "fixtures", paste0(name, ".json")), simplifyVector = FALSE)
    mre <- mf$models$re
    for (v in names(mre$coefficients)) {
      vv <- if (v == "const") "(Intercept)" else v
      check_close(mre$coefficients[[v]]$estimate, b_re[[vv]], paste(name, "RE vs main fixture", v), 1e-14)
      check_close(mre$coefficients[[v]]$std_error, sqrt(vcov(m_re)[vv, vv]),
                  paste(name, "RE se vs main fixture", v), 1e-14)
    }
    check_close(mre$sigma2_indiv, ec$sigma2[["id"]], paste(name, "sigma2_indiv vs main fixture"), 1e-14)
    check_close(mf$tests$hausman$stat, unname(ht$statistic), paste(name, "Hausman vs main fixture"), 1e-14)
    check_close(mf$tests$f_entity$stat, unname(ft$statistic), paste(name, "F vs main fixture"), 1e-14)
    check_close(mf$tests$bp_lm$stat, unname(bp$statistic), paste(name, "BP vs main fixture"), 1e-14)
  }

  selection <- list(
    re = re_block,
    hausman = htest_list(ht),
    hausman_twoways = hausman_tw,
    hausman_robust = hausman_robust,
    f_entity = list(stat = unname(ft$statistic), df1 = unname(ft$parameter[1]),
                    df2 = unname(ft$parameter[2]), p_value = ft$p.value),
    bp_lm = htest_list(bp))

  ## =============================== main two-way FE ========================
  tw <- fit_tw(raw, ent, tim, dep, regs, paste(name, "baseline_controls"))
  stopifnot(tw$n == n)

  ## =============================== 2. Driscoll-Kraay ======================
  L <- as.integer(floor(Tn^(1 / 4)))
  Vdk <- vcovSCC(tw$model, type = "HC0", maxlag = L)[regs, regs, drop = FALSE]
  Vdk_b <- vcovSCC(tw$model, type = "HC0", maxlag = L,
                   wj = function(j, maxlag) 1 - j / (maxlag + 1))[regs, regs, drop = FALSE]
  check_close(Vdk, Vdk_b, paste(name, "DK default weights are Bartlett"))
  ## by hand: h_t = sum_i x~_it u_it over the two-way-demeaned X (FWL)
  Xf <- model.matrix(tw$lsdv)
  Xdm <- qr.resid(qr(Xf[, !(colnames(Xf) %in% regs), drop = FALSE]), Xf[, regs, drop = FALSE])
  H <- rowsum(Xdm * resid(tw$lsdv), d$.yr, reorder = TRUE)   # T x k, years ascending
  S <- crossprod(H)
  if (L > 0) for (j in seq_len(L)) {
    Gj <- crossprod(H[(j + 1):Tn, , drop = FALSE], H[1:(Tn - j), , drop = FALSE])
    S <- S + (1 - j / (L + 1)) * (Gj + t(Gj))
  }
  B <- solve(crossprod(Xdm))
  Vdk_h <- B %*% S %*% B; dimnames(Vdk_h) <- list(regs, regs)
  check_close(Vdk, Vdk_h, paste(name, "Driscoll-Kraay hand"))
  Vdk_pl <- sandwich::vcovPL(tw$lsdv, cluster = d$.id, order.by = d[[tim]], lag = L,
                             kernel = "Bartlett", adjust = FALSE, aggregate = TRUE,
                             fix = FALSE)[regs, regs]
  check_close(Vdk, Vdk_pl, paste(name, "Driscoll-Kraay vs sandwich::vcovPL"))
  driscoll_kraay <- list(
    maxlag = L, weights = "bartlett: w_j = 1 - j/(maxlag+1)", nobs = n, n_clusters = G,
    n_periods = Tn, t_df = Tn - 1L,
    coefficients = coef_table(tw$b, sqrt(diag(Vdk)), Tn - 1))

  ## =============================== 3. robustness ==========================
  allv <- c(dep, regs)
  wins <- list()
  for (lim in list(c(0.01, 0.99), c(0.05, 0.95))) {
    key <- sprintf("p%02d_p%02d", round(100 * lim[1]), round(100 * lim[2]))
    w <- winsorize_df(d, allv, lim[1], lim[2], paste(name, key))
    fw <- fit_tw(w$data, ent, tim, dep, regs, paste(name, "winsorized", key))
    wins[[key]] <- c(list(limits = as.list(lim), cuts = w$cuts), fw$block)
  }

  ## lagged core: value of core at (entity, year-1) from the input rows
  lagname <- paste0(core, "_lag1")
  src <- raw[!is.na(raw[[core]]) & !is.na(raw[[ent]]) & !is.na(raw[[tim]]), c(ent, tim, core)]
  key_src <- paste(src[[ent]], src[[tim]], sep = "\r")
  stopifnot(!anyDuplicated(key_src))
  dl <- raw
  dl[[lagname]] <- src[[core]][match(paste(raw[[ent]], raw[[tim]] - 1, sep = "\r"), key_src)]
  ## second route: plm::lag on the pdata.frame (lag by time value, so gaps give NA)
  praw <- pdata.frame(raw, index = c(ent, tim), drop.index = FALSE, row.names = TRUE)
  lag_plm <- plm::lag(praw[[core]], 1, shift = "time")
  chk <- data.frame(e = as.character(index(praw)[[1]]),
                    t = as.numeric(as.character(index(praw)[[2]])),
                    v = as.numeric(lag_plm))
  mine <- dl[[lagname]][match(paste(chk$e, chk$t), paste(dl[[ent]], dl[[tim]]))]
  stopifnot(identical(is.na(mine), is.na(chk$v)), all(mine == chk$v, na.rm = TRUE))
  fl <- fit_tw(dl, ent, tim, dep, c(lagname, ctrl), paste(name, "lagged_core"))

  yrs <- sort(unique(d[[tim]]))
  fdf <- fit_tw(d[d[[tim]] != yrs[1], ], ent, tim, dep, regs, paste(name, "drop_first_year"))
  fdl <- fit_tw(d[d[[tim]] != yrs[length(yrs)], ], ent, tim, dep, regs, paste(name, "drop_last_year"))

  loo <- list()
  for (lev in levels(d$.id)) {
    fo <- fit_tw(d[as.character(d$.id) != lev, ], ent, tim, dep, regs,
                 paste(name, "leave out", lev), checks = VERBOSE)
    ## the fast route is always checked against the LSDV route
    if (!VERBOSE) check_close(fo$b, coef(fo$lsdv)[regs], paste(name, "loo coef", lev))
    ct <- fo$block$coefficients[[core]]
    e_out <- if (is.numeric(d[[ent]])) d[[ent]][d$.id == lev][1] else lev
    loo[[length(loo) + 1]] <- list(entity = e_out, estimate = ct$estimate,
                                   std_error = ct$std_error, stat = ct$stat,
                                   p_value = ct$p_value, nobs = fo$n, n_clusters = fo$G,
                                   n_periods = fo$Tn)
  }

  robustness <- list(
    winsorized = wins,
    lagged_core = c(list(lag_of = core), fl$block),
    drop_first_year = c(list(dropped_year = yrs[1]), fdf$block),
    drop_last_year = c(list(dropped_year = yrs[length(yrs)]), fdl$block),
    leave_one_out = loo)

  fx <- list(
    dataset = name, source = spec$source, data_file = spec$data_file,
    data_md5 = unname(tools::md5sum(spec$data_file)),
    entity = ent, time = tim, dependent = dep, core = core, controls = I(ctrl),
    r_version = paste(R.version$major, R.version$minor, sep = "."),
    packages = list(plm = as.character(packageVersion("plm")),
                    sandwich = as.character(packageVersion("sandwich")),
                    car = as.character(packageVersion("car"))),
    nobs = n, n_entities = G, n_periods = Tn, balanced = balanced,
    baseline_controls = tw$block,
    selection = selection,
    driscoll_kraay = driscoll_kraay,
    robustness = robustness)

  ## =============================== 4. moderation ==========================
  if (length(spec$moderation)) {
    mods <- list()
    for (ms in spec$moderation) {
      M <- ms$moderator; mc <- ms$controls
      iname <- paste0(core, "_x_", M)
      dm <- prep_sample(raw, ent, tim, c(dep, core, M, mc))
      mu_c <- mean(dm[[core]]); mu_m <- mean(dm[[M]])
      dm[[iname]] <- (dm[[core]] - mu_c) * (dm[[M]] - mu_m)
      rg <- c(core, M, iname, mc)
      fm <- fit_tw(dm, ent, tim, dep, rg, paste(name, "moderation", M))
      ## second route: raw (uncentred) product; same fit, ME re-expressed
      rawname <- paste0(iname, "_raw")
      dm[[rawname]] <- dm[[core]] * dm[[M]]
      fr <- fit_tw(dm, ent, tim, dep, c(core, M, rawname, mc), paste(name, "moderation raw", M))
      check_close(fm$b[iname], fr$b[rawname], paste(name, M, "interaction centred vs raw"))
      check_close(unname(resid(fm$lsdv)), unname(resid(fr$lsdv)), paste(name, M, "resid centred vs raw"))
      Gm <- fm$G
      ps <- c(0.10, 0.25, 0.50, 0.75, 0.90)
      mp <- quantile(dm[[M]], ps, type = 7, names = FALSE)
      me_list <- list()
      for (i in seq_along(ps)) {
        cdev <- mp[i] - mu_m
        est <- fm$b[[core]] + fm$b[[iname]] * cdev
        v <- fm$V[core, core] + cdev^2 * fm$V[iname, iname] + 2 * cdev * fm$V[core, iname]
        ## raw-product route: ME = b_core_raw + b_raw*(m - mean(core)... ) via gradient
        g <- c(1, 0, mp[i], rep(0, length(mc))); names(g) <- c(core, M, rawname, mc)
        est_r <- sum(g * fr$b[names(g)]) - 0   # dY/dcore = b_core + b_raw * m
        v_r <- as.numeric(t(g) %*% fr$V[names(g), names(g)] %*% g)
        check_close(c(est, v), c(est_r, v_r), paste(name, M, "ME centred vs raw, p", ps[i]))
        se <- sqrt(v); st <- est / se; q <- qt(0.975, Gm - 1)
        me_list[[i]] <- list(quantile = ps[i], moderator_value = mp[i], estimate = est,
                             std_error = se, stat = st, p_value = 2 * pt(-abs(st), Gm - 1),
                             ci_low = est - q * se, ci_high = est + q * se)
      }
      mods[[M]] <- c(list(moderator = M, controls = I(mc), interaction = iname,
                          mean_core = mu_c, mean_moderator = mu_m),
                     fm$block, list(marginal_effects = me_list))
    }
    fx$moderation <- mods
  }

  ## =============================== 5. mechanisms ==========================
  if (length(spec$mechanisms)) {
    mech <- list()
    for (ms in spec$mechanisms) {
      Me <- ms$mediator; mc <- ms$controls
      dd <- prep_sample(raw, ent, tim, c(dep, core, Me, mc))   # one sample for a and b
      fa <- fit_tw(dd, ent, tim, Me, c(core, mc), paste(name, "mechanism a", Me))
      fb <- fit_tw(dd, ent, tim, dep, c(core, Me, mc), paste(name, "mechanism b", Me))
      a <- fa$b[[core]]; sa <- sqrt(fa$V[core, core])
      bb <- fb$b[[Me]]; sb <- sqrt(fb$V[Me, Me])
      ind <- a * bb; se <- sqrt(bb^2 * sa^2 + a^2 * sb^2); z <- ind / se
      mech[[Me]] <- list(mediator = Me, controls = I(mc), a = fa$block, b = fb$block,
                         sobel = list(a = a, se_a = sa, b = bb, se_b = sb, indirect = ind,
                                      std_error = se, stat = z, p_value = 2 * pnorm(-abs(z))))
    }
    fx$mechanisms <- mech
  }

  ## =============================== 6. heterogeneity =======================
  if (!is.null(spec$heterogeneity)) {
    g <- spec$heterogeneity
    dh <- prep_sample(raw, ent, tim, c(dep, regs, g))
    if (any(tapply(dh[[g]], dh$.id, function(z) length(unique(z))) != 1))
      stop(name, ": ", g, " is not constant within entity")
    levs <- sort_levels(dh[[g]])
    groups <- list()
    for (lv in levs) {
      fg <- fit_tw(dh[dh[[g]] == lv, ], ent, tim, dep, regs, paste(name, "group", g, lv))
      groups[[as.character(lv)]] <- c(list(level = lv), fg$block)
    }
    inames <- character(0)
    for (lv in levs[-1]) {
      nm <- paste0(core, "_x_", g, "_", lv)
      dh[[nm]] <- dh[[core]] * as.numeric(dh[[g]] == lv)
      inames <- c(inames, nm)
    }
    fi <- fit_tw(dh, ent, tim, dep, c(core, inames, ctrl), paste(name, "heterogeneity interaction"))
    bi <- fi$b[inames]; Vi <- fi$V[inames, inames, drop = FALSE]
    W <- as.numeric(t(bi) %*% solve(Vi, bi)); q <- length(inames)
    ## second route: car::linearHypothesis on the plm fit with the contract V
    Vfull <- fi$V
    lh <- car::linearHypothesis(fi$model, paste(inames, "= 0"), vcov. = Vfull, test = "Chisq")
    check_close(W, lh$Chisq[2], paste(name, "heterogeneity Wald vs linearHypothesis"))
    ## third route: LSDV with dummies (group main effects would be collinear with entity)
    dh$.grp <- factor(dh[[g]])
    l3 <- lm(as.formula(paste(dep, "~", paste(c(core, inames, ctrl), collapse = " + "),
                              "+ .yr + .id + .grp")), data = dh)
    stopifnot(all(is.na(coef(l3)[grep("^\\.grp", names(coef(l3)))])))
    check_close(coef(l3)[c(core, inames, ctrl)], fi$b, paste(name, "heterogeneity with group dummies"))
    Fst <- W / q
    fx$heterogeneity <- list(
      column = g, levels = as.list(levs), groups = groups,
      interaction_test = c(list(base_level = levs[1], interactions = I(inames)), fi$block,
                           list(wald = W, q = q, stat = Fst, df1 = q, df2 = fi$G - 1L,
                                p_value = pf(Fst, q, fi$G - 1, lower.tail = FALSE))))
  }

  out <- file.path(OUT_DIR, paste0(name, ".json"))
  write_json_fixture(fx, out)
  message(sprintf("  wrote %s (n=%d, G=%d, T=%d, balanced=%s; input md5 %s)", out, n, G, Tn,
                  balanced, fx$data_md5))
  invisible(fx)
}

## ---------------------------------------------------------------------------
## datasets
## ---------------------------------------------------------------------------
specs <- list(
  list(name = "produc", source = "plm::Produc (logs computed in R: lgsp, lpcap, lpc, lemp)",
       data_file = "tests/reference/data/produc.csv",
       entity = "state", time = "year", dependent = "lgsp",
       core = "lpcap", controls = c("lpc", "lemp"),
       moderation = list(list(moderator = "unemp", controls = c("lpc", "lemp"))),
       mechanisms = list(list(mediator = "lemp", controls = c("lpc"))),
       heterogeneity = "region"),
  list(name = "grunfeld", same_as_main = TRUE, source = "plm::Grunfeld",
       data_file = "tests/reference/data/grunfeld.csv",
       entity = "firm", time = "year", dependent = "inv",
       core = "value", controls = c("capital")),
  list(name = "emplUK", same_as_main = TRUE, source = "plm::EmplUK",
       data_file = "tests/reference/data/emplUK.csv",
       entity = "firm", time = "year", dependent = "emp",
       core = "wage", controls = c("capital", "output"),
       moderation = list(list(moderator = "output", controls = c("capital")))),
  list(name = "zhejiang_cities", source = "simulated sample panel (data/generate.py)",
       data_file = "data/zhejiang_cities.csv",
       entity = "city", time = "year", dependent = "compet",
       core = "ec", controls = c("x1", "x2", "x3", "x4", "x5"),
       mechanisms = list(list(mediator = "tfp", controls = c("x1", "x2", "x3", "x4", "x5")),
                         list(mediator = "innov", controls = c("x1", "x2", "x3", "x4", "x5")))),
  list(name = "provinces", source = "simulated sample panel (data/generate.py)",
       data_file = "data/provinces.csv",
       entity = "province", time = "year", dependent = "eres",
       core = "nm", controls = c("lngdp", "open", "infra", "rd"),
       moderation = list(list(moderator = "ecpv", controls = c("lngdp", "open", "infra", "rd")),
                         list(moderator = "ecpc", controls = c("lngdp", "open", "infra", "rd"))),
       heterogeneity = "region_en")
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
  make_battery(s)
}
if (length(skipped)) message("SKIPPED (input missing): ", paste(skipped, collapse = ", "))
message("done")
