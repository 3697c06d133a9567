#!/usr/bin/env Rscript
## Reference fixtures for the endogeneity and overidentification tests and LIML beside the
## two-way FE 2SLS (reporter/battery/endogeneity.py, diagnostics of `iv_2sls`) and for
## the tests that justify FGLS (reporter/battery/error_structure.py, results.json `tests`):
## computed in R by hand from the formulas and by AER/plm where they do the same, never by
## linearmodels or statsmodels, which the Python code uses.
##
## Run from the repository root:
##     Rscript tests/reference/make_endogeneity.R             # all datasets
##     Rscript tests/reference/make_endogeneity.R produc      # a subset, by name
##     REF_VERBOSE=1 Rscript tests/reference/make_endogeneity.R
##
## Writes tests/reference/fixtures/endogeneity/<name>.json (full double precision, the
## number formatting of make_reference.R). Reads the committed CSVs; writes no data.
##
## Notation: n rows, G entities (= clusters), T years of the sample, k = 1 + kc (the core
## and the controls), q instruments, a = G + T - 1 (the entity and year dummies with the
## constant, which the two-way demeaning removes); "~" = two-way demeaned (the residuals
## of the dummy-variable regression, qr.resid on model.matrix(~ entity + year)).
##
## IV sample: rows complete on y, d, C; each instrument `<col>_lag<p>` is <col> in year - p
## of the same entity (merged on the year); rows without it dropped; factors rebuilt.
##
## * wu_hausman: AER::summary(ivreg(y ~ d + C + entity + year | Z + C + entity + year),
##   diagnostics = TRUE) "Wu-Hausman" (F, df2 = n - a - kc - 2), checked against the hand
##   delta = e0'P_[W,d~]e0 - e'P_W e (e0 OLS, e 2SLS residuals, W = [Z~, C~]).
## * durbin = delta / (e0'e0 / (n - a)), chi2(1).
## * sargan (q > 1) = e'P_W e / (e'e / (n - a)) = AER's Sargan n R^2 times (n - a)/n.
## * hansen_j (q > 1): two-step GMM on the demeaned data, S = sum_g (W_g'e_g)(W_g'e_g)' from
##   the 2SLS residuals e, b = (X'W S^-1 W'X)^-1 X'W S^-1 W'y, J = (W'u)'S^-1(W'u) at its
##   residuals u; chi2(q - 1). The same code with S = (e'e/n) W'W gives AER's Sargan
##   (checked).
## * liml: kappa = smallest eigenvalue of (Y'M_W Y)^-1 Y'M_C Y, Y = [y~, d~] (checked: the
##   eigenvector gives the same coefficient; the LSDV k-class with the dummies in X and W
##   gives the same coefficients, FWL; optimize() of the variance ratio reaches kappa);
##   b = (X'(I - kappa M_W)X)^-1 X'(I - kappa M_W)y, X = [d~, C~]; V = bread meat bread
##   with bread (X'(I - kappa M_W)X)^-1 and scores P_W X * u (ivreg2's and linearmodels'
##   k-class sandwich), times G/(G-1)(n-1)/(n-k-T); t with G - 1 df.
## * endogeneity_cluster: lm(y ~ d + C + v + entity + year), v the first-stage residuals,
##   V = vcovCL(type = "HC0", cadjust = FALSE) * G/(G-1)(n-1)/(n-k-1-T), F = b_v^2/V_vv on
##   (1, G - 1); checked against AER's ivdiag Wu-Hausman with that vcov. function.
##
## FGLS tests, on the complete-case sample of y ~ core + controls:
## * groupwise_heteroskedasticity: xttest3.ado 1.0.7 (Baum, after Greene 2000 p. 598) on
##   e = residuals of lm(y ~ x + entity + year) (Stata's predict, e after xtreg y x i.year,
##   fe; checked equal to plm's two-way within residuals): s2_i = mean_t e^2, s2 =
##   var(e)(n-1)/n, V_i = sum_t (e^2 - s2_i)^2 / (T_i (T_i - 1)), W = sum_i (s2_i - s2)^2/V_i,
##   chi2(G).
## * serial_correlation: xtserial.ado 1.1.0 (Drukker) with the year dummies among the
##   differenced regressors: lm(D.y ~ 0 + D.x + factor(year)) on rows with the previous
##   year, its residuals e, lm(e ~ 0 + L.e), V = vcovCL(type = "HC1", cadjust = TRUE)
##   (Stata's G/(G-1)(n-1)/(n-1)), F = (b + 0.5)^2 / V on (1, G - 1). The hand route is
##   checked against plm::pwfdtest(h0 = "fe"), which differs by design (an intercept in the
##   FD model and in the auxiliary regression, no year dummies, HC0, df2 = n - 2): the same
##   code with those choices reproduces it.

suppressPackageStartupMessages(library(AER))
## number formatting, JSON writing, CSV reading and check_close: make_reference.R's
MAKE_REFERENCE_LIBRARY <- TRUE
source(file.path("tests", "reference", "make_reference.R"))

FIX_DIR <- file.path(REF_DIR, "fixtures", "endogeneity")
dir.create(FIX_DIR, showWarnings = FALSE, recursive = TRUE)
LEVEL <- 0.95

## the value of `col` in year - p of the same entity (merge on the year, not on row order)
add_lag <- function(df, ent, tim, col, p, name = paste0(col, "_lag", p)) {
  lagged <- df[, c(ent, tim, col)]
  lagged[[tim]] <- lagged[[tim]] + p
  names(lagged)[3] <- name
  out <- merge(df, lagged, by = c(ent, tim), all.x = TRUE, sort = FALSE)
  out[order(out[[ent]], out[[tim]]), , drop = FALSE]
}
proj <- function(q, v) qr.fitted(q, v)
annihilate <- function(q, v) qr.resid(q, v)
cluster_factor <- function(n, G, k_model) G / (G - 1) * (n - 1) / (n - k_model)

## ---------------------------------------------------------------------------------------
## tests that justify FGLS
fgls_tests <- function(spec, base) {
  ent <- spec$entity; tim <- spec$time; dep <- spec$dependent
  rg <- c(spec$core, spec$controls)
  df <- base[order(base[[ent]], base[[tim]]), , drop = FALSE]
  rownames(df) <- NULL
  df$.id <- factor(df[[ent]]); df$.yr <- factor(df[[tim]])
  n <- nrow(df); G <- nlevels(df$.id)

  ## xttest3
  lsdv <- lm(as.formula(paste(dep, "~", paste(rg, collapse = " + "), "+ .id + .yr")), data = df)
  e <- unname(resid(lsdv))
  pdf <- pdata.frame(df, index = c(ent, tim), drop.index = FALSE, row.names = TRUE)
  within <- plm(as.formula(paste(dep, "~", paste(rg, collapse = " + "))), data = pdf,
                model = "within", effect = "twoways")
  check_close(unname(as.numeric(resid(within))), e, paste(spec$name, "two-way residuals plm vs lm"))
  Ti <- as.numeric(table(df$.id))
  s2i <- as.numeric(tapply(e^2, df$.id, mean))
  esig <- (e^2 - s2i[as.integer(df$.id)])^2
  v <- as.numeric(tapply(esig, df$.id, sum)) / Ti / (Ti - 1)
  s2 <- var(e) * (n - 1) / n
  check_close(s2, mean((e - mean(e))^2), paste(spec$name, "xttest3 sigma2"))
  W <- sum((s2i - s2)^2 / v)
  het <- list(stat = W, df = G, p_value = pchisq(W, G, lower.tail = FALSE), sigma2 = s2,
              sigma2_min = min(s2i), sigma2_max = max(s2i), nobs = n)

  ## xtserial, with the year dummies: D.y ~ 0 + D.x + one dummy per differenced year
  fd <- df[, c(ent, tim, dep, rg)]
  for (v_ in c(dep, rg)) fd <- add_lag(fd, ent, tim, v_, 1, paste0(".L.", v_))
  for (v_ in c(dep, rg)) fd[[paste0(".D.", v_)]] <- fd[[v_]] - fd[[paste0(".L.", v_)]]
  fd <- fd[complete.cases(fd[, paste0(".D.", c(dep, rg))]), , drop = FALSE]
  rownames(fd) <- NULL
  fd$.pyr <- factor(fd[[tim]])
  dx <- paste(paste0(".D.", rg), collapse = " + ")
  m1 <- lm(as.formula(paste0(".D.", dep, " ~ 0 + ", dx, " + .pyr")), data = fd)
  if (any(is.na(coef(m1)))) stop(spec$name, ": rank-deficient first-difference regression")
  fd$.e <- unname(resid(m1))
  aux <- add_lag(fd[, c(ent, tim, ".e")], ent, tim, ".e", 1, ".Le")
  aux <- aux[complete.cases(aux), , drop = FALSE]
  m2 <- lm(.e ~ 0 + .Le, data = aux)
  cl2 <- factor(aux[[ent]])
  G2 <- nlevels(cl2); n2 <- nrow(aux)
  V2 <- vcovCL(m2, cluster = cl2, type = "HC1", cadjust = TRUE)
  s_g <- rowsum(aux$.Le * resid(m2), cl2, reorder = FALSE)
  V2_hand <- sum(s_g^2) / sum(aux$.Le^2)^2 * cluster_factor(n2, G2, 1)
  check_close(V2[1, 1], V2_hand, paste(spec$name, "xtserial cluster V vcovCL vs hand"))
  b <- unname(coef(m2)[1])
  Fs <- (b + 0.5)^2 / V2[1, 1]
  ser <- list(stat = Fs, df1 = 1L, df2 = G2 - 1L, p_value = pf(Fs, 1, G2 - 1, lower.tail = FALSE),
              coefficient = b, nobs = n2, n_clusters = G2, nobs_differenced = nrow(fd))

  ## the hand route with plm::pwfdtest's choices reproduces it
  m1p <- lm(as.formula(paste0(".D.", dep, " ~ ", dx)), data = fd)
  auxp <- add_lag(data.frame(fd[, c(ent, tim)], .e = unname(resid(m1p))), ent, tim, ".e", 1, ".Le")
  auxp <- auxp[complete.cases(auxp), , drop = FALSE]
  m2p <- lm(.e ~ .Le, data = auxp)
  Vp <- vcovCL(m2p, cluster = factor(auxp[[ent]]), type = "HC0", cadjust = FALSE)
  Fp <- (coef(m2p)[".Le"] + 0.5)^2 / Vp[".Le", ".Le"]
  pw <- pwfdtest(as.formula(paste(dep, "~", paste(rg, collapse = " + "))), data = pdf, h0 = "fe")
  check_close(unname(pw$statistic), unname(Fp), paste(spec$name, "hand route = plm::pwfdtest"))
  stopifnot(unname(pw$parameter["df2"]) == nrow(auxp) - 2)

  list(regressors = I(rg), nobs = n, n_entities = G,
       groupwise_heteroskedasticity = het, serial_correlation = ser,
       pwfdtest = list(stat = unname(pw$statistic), df1 = unname(pw$parameter["df1"]),
                       df2 = unname(pw$parameter["df2"]), p_value = unname(pw$p.value)))
}

## ---------------------------------------------------------------------------------------
## endogeneity, overidentification and LIML for one instrument set
iv_case <- function(spec, base, zs) {
  ent <- spec$entity; tim <- spec$time; dep <- spec$dependent; d <- spec$core
  ctl <- spec$controls; kc <- length(ctl); q <- length(zs); k <- 1 + kc
  label <- paste(zs, collapse = "+")
  df <- base
  for (z in zs) {
    m <- regmatches(z, regexec("^(.*)_lag([0-9]+)$", z))[[1]]
    df <- add_lag(df, ent, tim, m[2], as.integer(m[3]))
  }
  df <- df[complete.cases(df[, zs, drop = FALSE]), , drop = FALSE]
  df <- df[order(df[[ent]], df[[tim]]), , drop = FALSE]
  rownames(df) <- NULL
  df$.id <- factor(df[[ent]]); df$.yr <- factor(df[[tim]])
  n <- nrow(df); G <- nlevels(df$.id); Tn <- nlevels(df$.yr); a <- G + Tn - 1
  cl <- df$.id
  fe <- "+ .id + .yr"
  rhs_x <- paste(c(d, ctl), collapse = " + ")
  rhs_z <- paste(c(zs, ctl), collapse = " + ")
  what <- function(s) paste(spec$name, label, s)

  iv <- ivreg(as.formula(paste(dep, "~", rhs_x, fe, "|", rhs_z, fe)), data = df)
  if (any(is.na(coef(iv)))) stop(what("rank-deficient 2SLS"))
  diag_aer <- summary(iv, diagnostics = TRUE)$diagnostics
  wh_aer <- diag_aer["Wu-Hausman", ]
  stopifnot(wh_aer[["df2"]] == n - a - kc - 2)

  ## within data
  Dm <- model.matrix(~ .id + .yr, data = df)
  qD <- qr(Dm)
  stopifnot(qD$rank == a)
  dm <- function(v) annihilate(qD, as.matrix(df[, v, drop = FALSE]))
  yt <- drop(dm(dep)); dt <- drop(dm(d))
  Ct <- if (kc) dm(ctl) else matrix(0, n, 0)
  Zt <- dm(zs)
  Wt <- cbind(Zt, Ct); qW <- qr(Wt)
  Xt <- cbind(dt, Ct)
  e_iv <- unname(resid(iv))
  b_2sls <- drop(solve(crossprod(proj(qW, Xt)), crossprod(proj(qW, Xt), yt)))
  check_close(drop(yt - Xt %*% b_2sls), e_iv, what("2SLS residuals within vs ivreg"))
  ols <- lm(as.formula(paste(dep, "~", rhs_x, fe)), data = df)
  e0 <- unname(resid(ols))
  check_close(annihilate(qr(Xt), yt), e0, what("OLS residuals within vs lm"))

  ## Wu-Hausman and Durbin
  delta <- sum(proj(qr(cbind(Wt, dt)), e0)^2) - sum(proj(qW, e_iv)^2)
  df2 <- n - a - kc - 2
  wh <- delta / ((sum(e0^2) - delta) / df2)
  check_close(wh, wh_aer[["statistic"]], what("Wu-Hausman hand vs AER"))
  durbin <- delta / (sum(e0^2) / (n - a))

  ## Sargan and Hansen J
  gmm_j <- function(S) {
    Si <- solve(S)
    A <- crossprod(Xt, Wt) %*% Si
    b2 <- solve(A %*% crossprod(Wt, Xt), A %*% crossprod(Wt, yt))
    g <- crossprod(Wt, yt - Xt %*% b2)
    drop(t(g) %*% Si %*% g)
  }
  sargan <- NULL; hansen <- NULL
  if (q > 1) {
    sargan_aer <- diag_aer["Sargan", "statistic"]
    sargan_stat <- sum(proj(qW, e_iv)^2) / (sum(e_iv^2) / (n - a))
    check_close(sargan_stat, sargan_aer * (n - a) / n, what("Sargan hand vs AER x (n-a)/n"))
    check_close(gmm_j(sum(e_iv^2) / n * crossprod(Wt)), sargan_aer,
                what("J code with homoskedastic S = AER Sargan"))
    sargan <- list(stat = sargan_stat, df = q - 1L,
                   p_value = pchisq(sargan_stat, q - 1, lower.tail = FALSE))
    s_g <- rowsum(Wt * e_iv, cl, reorder = FALSE)
    J <- gmm_j(crossprod(s_g))
    hansen <- list(stat = J, df = q - 1L, p_value = pchisq(J, q - 1, lower.tail = FALSE),
                   n_clusters = G)
  }

  ## LIML
  Y <- cbind(yt, dt)
  MC <- if (kc) annihilate(qr(Ct), Y) else Y
  A1 <- crossprod(Y, MC)
  A2 <- crossprod(Y, annihilate(qW, Y))
  ev <- eigen(solve(A2, A1))
  kappa <- min(Re(ev$values))
  vec <- Re(ev$vectors[, which.min(Re(ev$values))])
  MWX <- annihilate(qW, Xt)
  bread <- solve(crossprod(Xt) - kappa * crossprod(Xt, MWX))
  b_liml <- drop(bread %*% (crossprod(Xt, yt) - kappa * crossprod(MWX, yt)))
  check_close(-vec[2] / vec[1], b_liml[1], what("LIML eigenvector vs k-class"))
  ratio <- function(b) {
    r <- yt - b * dt
    rc <- if (kc) annihilate(qr(Ct), r) else r
    sum(rc^2) / sum(annihilate(qW, r)^2)
  }
  if (q > 1) {
    opt <- optimize(ratio, b_liml[1] + c(-1, 1) * (1 + abs(b_liml[1])), tol = 1e-12)
    check_close(opt$objective, kappa, what("LIML variance ratio minimum = kappa"))
    check_close(opt$minimum, b_liml[1], what("LIML ratio argmin = estimate"), tol = 1e-5)
  } else {
    check_close(kappa, 1, what("just identified: kappa = 1"))
    check_close(b_liml, b_2sls, what("just identified: LIML = 2SLS"))
  }
  ## LSDV k-class, dummies in X and W: same coefficients (FWL)
  Xf <- model.matrix(as.formula(paste("~", rhs_x, fe)), data = df)
  Wf <- model.matrix(as.formula(paste("~", rhs_z, fe)), data = df)
  qWf <- qr(Wf)
  yf <- df[[dep]]
  Yf <- cbind(yf, df[[d]])
  Cf <- model.matrix(as.formula(paste("~", if (kc) paste(ctl, collapse = " + ") else "1", fe)),
                     data = df)
  kappa_f <- min(Re(eigen(solve(crossprod(Yf, annihilate(qWf, Yf)),
                                crossprod(Yf, annihilate(qr(Cf), Yf))))$values))
  check_close(kappa_f, kappa, what("LIML kappa LSDV vs within"))
  MWXf <- annihilate(qWf, Xf)
  bf <- solve(crossprod(Xf) - kappa * crossprod(Xf, MWXf),
              crossprod(Xf, yf) - kappa * crossprod(MWXf, yf))
  ## (normal equations with G + T dummies: conditioning limits this route to ~1e-10)
  check_close(bf[c(d, ctl), 1], b_liml, what("LIML coefficients LSDV vs within"), tol = 1e-8)
  u <- drop(yt - Xt %*% b_liml)
  meat <- crossprod(rowsum(proj(qW, Xt) * u, cl, reorder = FALSE))
  V <- bread %*% meat %*% bread * cluster_factor(n, G, k + Tn)
  se <- sqrt(V[1, 1]); tstat <- b_liml[1] / se; crit <- qt(0.5 + LEVEL / 2, G - 1)
  liml <- list(estimate = b_liml[1], std_error = se, stat = tstat,
               p_value = 2 * pt(-abs(tstat), G - 1), df = G - 1L,
               ci_low = b_liml[1] - crit * se, ci_high = b_liml[1] + crit * se, kappa = kappa)

  ## cluster-robust regression-based endogeneity test (control function)
  first <- lm(as.formula(paste(d, "~", rhs_z, fe)), data = df)
  df$.v <- unname(resid(first))
  aug <- lm(as.formula(paste(dep, "~", rhs_x, "+ .v", fe)), data = df)
  fac <- cluster_factor(n, G, k + 1 + Tn)
  Va <- vcovCL(aug, cluster = cl, type = "HC0", cadjust = FALSE) * fac
  Fe <- unname(coef(aug)[".v"]^2 / Va[".v", ".v"])
  ## (ivdiag directly: summary()'s overall Wald test inverts the clustered vcov of every
  ## dummy, of rank <= G)
  robust_aer <- AER:::ivdiag(iv, vcov. = function(m)
    vcovCL(m, cluster = cl, type = "HC0", cadjust = FALSE) * fac)
  check_close(robust_aer["Wu-Hausman", "statistic"], Fe,
              what("cluster endogeneity F vs AER ivdiag with that vcov"))
  endo_cl <- list(stat = Fe, df1 = 1L, df2 = G - 1L,
                  p_value = pf(Fe, 1, G - 1, lower.tail = FALSE),
                  coefficient = unname(coef(aug)[".v"]))

  list(instruments = I(zs), nobs = n, n_entities = G, n_periods = Tn,
       within_df_absorbed = a,
       estimate_2sls = b_2sls[1],
       wu_hausman = list(stat = wh, df1 = 1L, df2 = df2,
                         p_value = pf(wh, 1, df2, lower.tail = FALSE)),
       durbin = list(stat = durbin, df = 1L, p_value = pchisq(durbin, 1, lower.tail = FALSE)),
       sargan = sargan, hansen_j = hansen, liml = liml, endogeneity_cluster = endo_cl,
       aer = list(wu_hausman = wh_aer[["statistic"]],
                  sargan = if (q > 1) diag_aer["Sargan", "statistic"] else NULL))
}

make_fixture <- function(spec) {
  message("== ", spec$name)
  raw <- read_csv_full(spec$data_file)
  cols <- c(spec$entity, spec$time, spec$dependent, spec$core, spec$controls)
  base <- raw[complete.cases(raw[, cols]), , drop = FALSE]
  fx <- list(
    dataset = spec$name, source = spec$source, data_file = spec$data_file,
    data_md5 = unname(tools::md5sum(spec$data_file)),
    entity = spec$entity, time = spec$time, dependent = spec$dependent, core = spec$core,
    controls = I(spec$controls),
    r_version = paste(R.version$major, R.version$minor, sep = "."),
    packages = list(AER = as.character(packageVersion("AER")),
                    plm = as.character(packageVersion("plm")),
                    sandwich = as.character(packageVersion("sandwich"))),
    fgls_tests = fgls_tests(spec, base),
    iv = lapply(spec$instrument_sets, function(zs) iv_case(spec, base, zs)))
  names(fx$iv) <- vapply(spec$instrument_sets, paste, character(1), collapse = "+")
  out <- file.path(FIX_DIR, paste0(spec$name, ".json"))
  write_json_fixture(fx, out)
  message(sprintf("  wrote %s (md5 %s)", out, fx$data_md5))
  invisible(fx)
}

specs <- list(
  list(name = "produc", source = "plm::Produc (logs computed in R)",
       data_file = "tests/reference/data/produc.csv", entity = "state", time = "year",
       dependent = "lgsp", core = "lpcap", controls = c("lpc", "lemp", "unemp"),
       instrument_sets = list("lpcap_lag1", c("lpcap_lag1", "lpcap_lag2"))),
  list(name = "emplUK", source = "plm::EmplUK (unbalanced)",
       data_file = "tests/reference/data/emplUK.csv", entity = "firm", time = "year",
       dependent = "emp", core = "wage", controls = c("capital", "output"),
       instrument_sets = list("wage_lag1", c("wage_lag1", "wage_lag2"))),
  list(name = "zhejiang_cities", source = "simulated sample panel (data/generate.py)",
       data_file = "data/zhejiang_cities.csv", entity = "city", time = "year",
       dependent = "compet", core = "ec", controls = paste0("x", 1:5),
       instrument_sets = list("ec_lag1", c("ec_lag1", "ec_lag2"))),
  list(name = "provinces", source = "simulated sample panel (data/generate.py)",
       data_file = "data/provinces.csv", entity = "province", time = "year",
       dependent = "eres", core = "nm", controls = c("lngdp", "open", "infra", "rd"),
       instrument_sets = list("nm_lag1", c("nm_lag1", "nm_lag2")))
)

args <- commandArgs(trailingOnly = TRUE)
if (length(args)) specs <- Filter(function(s) s$name %in% args, specs)
for (s in specs) make_fixture(s)
message("done")
