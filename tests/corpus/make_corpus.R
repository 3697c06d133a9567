#!/usr/bin/env Rscript
## The corpus of real public panels (tests/corpus/README.md): writes each study's panel.csv
## and reference.json, R's estimates of the study's two-way fixed-effects baseline (core
## only, and core + controls) and of its Swamy-Arora random-effects model.
##
## Run from the repository root (needs make_reference.R's packages, AER, and pwt9 for the
## pwt_five_yearly study: Debian's r-cran-pwt9):
##     Rscript tests/corpus/make_corpus.R [study ...]
##
## Conventions (the same as tests/reference/make_reference.R, whose helpers are sourced):
##   * every double in panel.csv is written with the shortest of %.15g/%.16g/%.17g that
##     round-trips, and all estimation is done on the CSV as read back from disk;
##   * the columns a study.toml derives ([prepare] ratio, then log) are derived here the
##     same way, from the columns read back;
##   * a model's sample is the complete cases of its own variables (listwise deletion, as
##     `prepare.missing = "drop"`); a fixed-effects model then drops singletons (an entity,
##     or a year, with one row; again until none is left), as the project's default
##     `model.singletons = "drop"` does (reghdfe); random effects keep them, as the
##     project's `re` does (its rows are the complete cases of dependent, core, controls);
##   * a regressor the entity and year effects absorb (time-invariant, or, like years of
##     experience that rise by one every year for everybody, collinear with them) has no
##     coefficient (Stata: "omitted because of collinearity") and does not count in k;
##   * two-way FE: plm(effect = "twoways", model = "within"), entity-clustered HC0 sandwich
##     times G/(G-1)*(n-1)/(n-k-T), t with G-1 df; cross-checked against a dummy-variable
##     lm with a hand-built sandwich;
##   * RE: plm(model = "random", random.method = "swar"), classical covariance, z
##     inference.

suppressPackageStartupMessages(library(AER))
MAKE_REFERENCE_LIBRARY <- TRUE
source(file.path("tests", "reference", "make_reference.R"))

CORPUS <- file.path("tests", "corpus")
if (!dir.exists(CORPUS)) stop("run this script from the repository root")

## ---------------------------------------------------------------------------
## samples
## ---------------------------------------------------------------------------
complete_rows <- function(df, cols) df[complete.cases(df[, cols, drop = FALSE]), , drop = FALSE]

## rows without singletons: entities (and years, with year effects) with one row, repeatedly
drop_singletons <- function(df, ent, tim, time_effects = TRUE) {
  repeat {
    lone <- ave(seq_len(nrow(df)), df[[ent]], FUN = length) == 1
    if (time_effects) lone <- lone | ave(seq_len(nrow(df)), df[[tim]], FUN = length) == 1
    if (!any(lone)) return(df)
    df <- df[!lone, , drop = FALSE]
  }
}

## ---------------------------------------------------------------------------
## two-way FE with the contract's clustered covariance
## ---------------------------------------------------------------------------
twoway_block <- function(data, spec, regs, id) {
  ent <- spec$entity; tim <- spec$time; dep <- spec$dependent
  df <- complete_rows(data, c(ent, tim, dep, regs))
  n_complete <- nrow(df)
  df <- drop_singletons(df, ent, tim, time_effects = TRUE)
  singletons <- n_complete - nrow(df)
  df <- df[order(df[[ent]], df[[tim]]), , drop = FALSE]
  rownames(df) <- NULL
  df$.id <- factor(df[[ent]])
  df$.yr <- factor(df[[tim]])
  ## regressors the two sets of effects absorb: nothing left once both are removed
  ## (the project's rule: left <= 1e-9 of the spread about the mean, here with margin)
  D <- model.matrix(~ .id + .yr, data = df)
  qd <- qr(D)
  left <- sapply(regs, function(v) sqrt(sum(qr.resid(qd, df[[v]])^2)))
  spread <- sapply(regs, function(v) sqrt(sum((df[[v]] - mean(df[[v]]))^2)))
  gone <- left <= 1e-9 * pmax(spread, .Machine$double.xmin)
  if (gone[1]) stop(spec$name, " ", id, ": the core is absorbed")
  rg <- regs[!gone]
  absorbed <- regs[gone]
  n <- nrow(df); G <- nlevels(df$.id); Tn <- nlevels(df$.yr); kk <- length(rg)
  cl <- df$.id
  fml <- as.formula(paste(dep, "~", paste(rg, collapse = " + ")))
  pdf <- pdata.frame(df, index = c(ent, tim), drop.index = FALSE, row.names = TRUE)
  m_tw <- plm(fml, data = pdf, model = "within", effect = "twoways")
  if (length(coef(m_tw)) != kk) stop(spec$name, " ", id, ": plm dropped a regressor")
  l_tw <- lm(as.formula(paste(dep, "~", paste(rg, collapse = " + "), "+ .yr + .id")), data = df)
  if (any(is.na(coef(l_tw)))) stop(spec$name, " ", id, ": rank-deficient LSDV")
  check_close(coef(m_tw), coef(l_tw)[rg], paste(spec$name, id, "coef plm vs LSDV"))
  V_plm <- vcovHC(m_tw, method = "arellano", type = "HC0", cluster = "group")[rg, rg, drop = FALSE]
  V_hand <- cluster_sandwich_hand(model.matrix(l_tw), resid(l_tw), cl, rg)
  check_close(V_plm, V_hand, paste(spec$name, id, "HC0 cluster plm vs LSDV hand"))
  sc <- G / (G - 1) * (n - 1) / (n - kk - Tn)
  V <- V_plm * sc
  ## Stata's R-sq within of xtreg y x i.year, fe
  yt <- df[[dep]] - ave(df[[dep]], df$.id)
  r2w <- 1 - sum(resid(l_tw)^2) / sum(yt^2)
  list(
    regressors = I(rg), absorbed = I(absorbed), nobs = n, n_clusters = G, n_periods = Tn,
    singletons_dropped = singletons, df_resid = df.residual(m_tw), r2_within = r2w,
    cluster_factor = sc,
    coefficients = coef_table(coef(m_tw), sqrt(diag(V)), G - 1),
    classical = classical_table(coef(m_tw), sqrt(diag(vcov(m_tw)))))
}

## ---------------------------------------------------------------------------
## random effects, Swamy-Arora
## ---------------------------------------------------------------------------
re_block <- function(data, spec, regs) {
  ent <- spec$entity; tim <- spec$time; dep <- spec$dependent
  df <- complete_rows(data, c(ent, tim, dep, regs))
  df <- df[order(df[[ent]], df[[tim]]), , drop = FALSE]
  rownames(df) <- NULL
  fml <- as.formula(paste(dep, "~", paste(regs, collapse = " + ")))
  pdf <- pdata.frame(df, index = c(ent, tim), drop.index = FALSE, row.names = TRUE)
  m_re <- plm(fml, data = pdf, model = "random", random.method = "swar")
  if (length(coef(m_re)) != length(regs) + 1) stop(spec$name, ": RE dropped a regressor")
  b <- coef(m_re)
  list(
    regressors = I(regs), nobs = nrow(df), n_entities = length(unique(df[[ent]])),
    coefficients = coef_table(b, sqrt(diag(vcov(m_re))), Inf),
    sigma2_idios = unname(m_re$ercomp$sigma2[["idios"]]),
    sigma2_indiv = unname(m_re$ercomp$sigma2[["id"]]))
}

## ---------------------------------------------------------------------------
## one study
## ---------------------------------------------------------------------------
make_study <- function(spec, frame) {
  message("== ", spec$name)
  folder <- file.path(CORPUS, spec$name)
  dir.create(folder, showWarnings = FALSE)
  csv <- file.path(folder, "panel.csv")
  write_csv_full(frame, csv, na = if (is.null(spec[["na"]])) "" else spec[["na"]])
  data <- read_csv_full(csv, na = c("", "NA", spec[["na"]]))
  for (new in names(spec$ratio)) {
    pair <- spec$ratio[[new]]
    data[[new]] <- data[[pair[1]]] / data[[pair[2]]]
  }
  for (new in names(spec$log)) data[[new]] <- log(data[[spec$log[[new]]]])
  regs <- c(spec$core, spec$controls)
  models <- list(baseline = twoway_block(data, spec, spec$core, "baseline"))
  if (length(spec$controls))
    models$baseline_controls <- twoway_block(data, spec, regs, "baseline_controls")
  models$re <- re_block(data, spec, regs)
  for (m in names(models))
    message(sprintf("  %-18s n=%d %s", m, models[[m]]$nobs,
                    paste(sprintf("%s=%.6g", names(models[[m]]$coefficients),
                                  sapply(models[[m]]$coefficients, `[[`, "estimate")),
                          collapse = " ")))
  main <- complete_rows(data, c(spec$entity, spec$time, spec$dependent, regs))
  ref <- list(
    study = spec$name, source = spec$source, data_file = file.path(folder, "panel.csv"),
    data_md5 = unname(tools::md5sum(csv)),
    entity = spec$entity, time = spec$time, dependent = spec$dependent, core = spec$core,
    controls = I(spec$controls),
    derived = list(ratio = spec$ratio, log = spec$log),
    r_version = paste(R.version$major, R.version$minor, sep = "."),
    packages = list(plm = as.character(packageVersion("plm")),
                    AER = as.character(packageVersion("AER")),
                    sandwich = as.character(packageVersion("sandwich"))),
    data = list(rows = nrow(data), n_entities = length(unique(data[[spec$entity]])),
                n_periods = length(unique(data[[spec$time]])),
                rows_complete = nrow(main),
                entities_complete = length(unique(main[[spec$entity]]))),
    models = models,
    notes = paste(
      "baseline/baseline_controls: plm(effect='twoways', model='within') on the complete",
      "cases of the model's variables, singletons dropped (model.singletons = 'drop');",
      "absorbed regressors left out; SE = vcovHC(arellano, HC0, cluster='group') *",
      "G/(G-1)*(n-1)/(n-k-T), t with G-1 df. re: plm(model='random', random.method='swar')",
      "on the complete cases of dependent, core and controls (singletons kept), classical",
      "SE, z inference."))
  for (p in spec$packages) ref$packages[[p]] <- as.character(packageVersion(p))
  if (is.null(spec$ratio)) ref$derived$ratio <- NULL
  if (is.null(spec$log)) ref$derived$log <- NULL
  if (!length(ref$derived)) ref$derived <- NULL
  write_json_fixture(ref, file.path(folder, "reference.json"))
  message(sprintf("  wrote %s (%d rows, md5 %s)", folder, nrow(data), ref$data_md5))
}

yes <- function(f) ifelse(is.na(f), NA_integer_, as.integer(f == "yes"))

## ---------------------------------------------------------------------------
## the studies
## ---------------------------------------------------------------------------
STATES <- c(
  al = "Alabama|亚拉巴马州", az = "Arizona|亚利桑那州", ar = "Arkansas|阿肯色州",
  ca = "California|加利福尼亚州", co = "Colorado|科罗拉多州", ct = "Connecticut|康涅狄格州",
  de = "Delaware|特拉华州", fl = "Florida|佛罗里达州", ga = "Georgia|佐治亚州",
  id = "Idaho|爱达荷州", il = "Illinois|伊利诺伊州", "in" = "Indiana|印第安纳州",
  ia = "Iowa|艾奥瓦州", ks = "Kansas|堪萨斯州", ky = "Kentucky|肯塔基州",
  la = "Louisiana|路易斯安那州", me = "Maine|缅因州", md = "Maryland|马里兰州",
  ma = "Massachusetts|马萨诸塞州", mi = "Michigan|密歇根州", mn = "Minnesota|明尼苏达州",
  ms = "Mississippi|密西西比州", mo = "Missouri|密苏里州", mt = "Montana|蒙大拿州",
  ne = "Nebraska|内布拉斯加州", nv = "Nevada|内华达州", nh = "New Hampshire|新罕布什尔州",
  nj = "New Jersey|新泽西州", nm = "New Mexico|新墨西哥州", ny = "New York|纽约州",
  nc = "North Carolina|北卡罗来纳州", nd = "North Dakota|北达科他州", oh = "Ohio|俄亥俄州",
  ok = "Oklahoma|俄克拉何马州", or = "Oregon|俄勒冈州", pa = "Pennsylvania|宾夕法尼亚州",
  ri = "Rhode Island|罗得岛州", sc = "South Carolina|南卡罗来纳州",
  sd = "South Dakota|南达科他州", tn = "Tennessee|田纳西州", tx = "Texas|得克萨斯州",
  ut = "Utah|犹他州", vt = "Vermont|佛蒙特州", va = "Virginia|弗吉尼亚州",
  wa = "Washington|华盛顿州", wv = "West Virginia|西弗吉尼亚州", wi = "Wisconsin|威斯康星州",
  wy = "Wyoming|怀俄明州")

build <- list()

## plm::Cigar: 46 states x 30 years (1963-1992); R stores the years as 63..92
build$cigar <- function() {
  data("Cigar", package = "plm", envir = environment())
  d <- Cigar[order(Cigar$state, Cigar$year), ]
  d$year <- as.integer(1900L + d$year)
  d$state <- as.integer(d$state)
  spec <- list(name = "cigar", source = "plm::Cigar (years 63..92 written as 1963..1992)",
               entity = "state", time = "year", dependent = "lsales", core = "lprice",
               controls = c("lincome", "lpimin"),
               ratio = list(rprice = c("price", "cpi"), rincome = c("ndi", "cpi"),
                            rpimin = c("pimin", "cpi")),
               log = list(lsales = "sales", lprice = "rprice", lincome = "rincome",
                          lpimin = "rpimin"))
  list(spec = spec, frame = d)
}

## plm::Crime: 90 North Carolina counties x 7 years (1981-1987); R stores 81..87
build$crime <- function() {
  data("Crime", package = "plm", envir = environment())
  d <- Crime[order(Crime$county, Crime$year),
             c("county", "year", "crmrte", "prbarr", "prbconv", "prbpris", "avgsen", "polpc",
               "density", "taxpc", "region", "smsa", "pctmin", "pctymle", "lcrmrte",
               "lprbarr", "lprbconv", "lprbpris", "lavgsen", "lpolpc", "ldensity",
               "ltaxpc", "lpctymle")]
  d$year <- as.integer(1900L + d$year)
  d$county <- as.integer(d$county)
  d$region <- as.character(d$region)
  d$smsa <- yes(d$smsa)
  spec <- list(name = "crime", source = "plm::Crime (years 81..87 written as 1981..1987)",
               entity = "county", time = "year", dependent = "lcrmrte", core = "lprbarr",
               controls = c("lprbconv", "lprbpris", "lavgsen", "lpolpc", "ldensity",
                            "lpctymle"))
  list(spec = spec, frame = d)
}

## AER::Fatalities: the lower 48 states x 7 years (1982-1988); the fatality rate per
## 10,000 people is computed as in the package's example (fatal / pop * 10000)
build$fatalities <- function() {
  data("Fatalities", package = "AER", envir = environment())
  d <- Fatalities[order(Fatalities$state, Fatalities$year), ]
  code <- as.character(d$state)
  if (!all(code %in% names(STATES))) stop("unknown state code")
  names_ <- strsplit(STATES[code], "|", fixed = TRUE)
  out <- data.frame(
    state = vapply(names_, `[`, "", 2), state_en = vapply(names_, `[`, "", 1),
    year = as.integer(as.character(d$year)),
    frate = d$fatal / d$pop * 10000, fatal = d$fatal, pop = d$pop, beertax = d$beertax,
    spirits = d$spirits, unemp = d$unemp, income = d$income, emppop = d$emppop,
    drinkage = d$drinkage, dry = d$dry, youngdrivers = d$youngdrivers, miles = d$miles,
    breath = yes(d$breath), jail = yes(d$jail), service = yes(d$service),
    stringsAsFactors = FALSE)
  spec <- list(name = "fatalities",
               source = "AER::Fatalities (frate = fatal / pop * 10000; states by name)",
               entity = "state", time = "year", dependent = "frate", core = "beertax",
               controls = character(0))
  list(spec = spec, frame = out)
}

## plm::Wages: 595 individuals x 7 years, stacked 7 rows per person in year order
## (the package's example: pdata.frame(Wages, index = 595)); ids and years made here
build$wages <- function() {
  data("Wages", package = "plm", envir = environment())
  stopifnot(nrow(Wages) == 595 * 7)
  d <- data.frame(worker = rep(1:595, each = 7), year = rep(1976:1982, times = 595))
  d$lwage <- Wages$lwage
  d$wks <- as.integer(Wages$wks)
  d$exp <- as.integer(Wages$exp)
  d$ed <- as.integer(Wages$ed)
  d$fem <- as.integer(Wages$sex == "female")
  d$blk <- yes(Wages$black)
  d$union <- yes(Wages$union)
  d$married <- yes(Wages$married)
  d$south <- yes(Wages$south)
  d$smsa <- yes(Wages$smsa)
  d$ind <- as.integer(Wages$ind)
  d$bluecol <- yes(Wages$bluecol)
  spec <- list(name = "wages",
               source = "plm::Wages (worker ids 1..595 and years 1976..1982 added)",
               entity = "worker", time = "year", dependent = "lwage", core = "wks",
               controls = c("exp", "ed", "fem", "union", "married", "south", "smsa"))
  list(spec = spec, frame = d)
}

## plm::EmplUK (140 firms, 1976-1984, unbalanced) with cells blanked deterministically,
## written as the yearbook's "—"
build$emplUK_holes <- function() {
  data("EmplUK", package = "plm", envir = environment())
  d <- EmplUK[order(EmplUK$firm, EmplUK$year), ]
  for (v in c("firm", "year", "sector")) d[[v]] <- as.integer(d[[v]])
  i <- seq_len(nrow(d)) - 1L
  d$emp[d$firm %% 10L == 3L & d$year == 1980L] <- NA        # dependent, inside the years
  d$wage[i %% 41L == 17L] <- NA                              # core
  d$capital[i %% 29L == 4L] <- NA                            # a control
  d$output[d$firm == 11L] <- NA                              # a firm without output
  first7 <- min(d$year[d$firm == 7L])
  d$emp[d$firm == 7L & d$year != first7] <- NA               # firm 7: one usable row
  spec <- list(name = "emplUK_holes",
               source = paste("plm::EmplUK with holes: emp blanked for firms 3, 13, ... in",
                              "1980 and for firm 7 in every year but its first; wage every",
                              "41st row (from row 18), capital every 29th (from row 5);",
                              "output for firm 11; blanks written as an em dash"),
               entity = "firm", time = "year", dependent = "lemp", core = "lwage",
               controls = c("lcapital", "loutput"), na = "\u2014",
               log = list(lemp = "emp", lwage = "wage", lcapital = "capital",
                          loutput = "output"))
  list(spec = spec, frame = d)
}

## pwt9::pwt9.1 (Penn World Table 9.1): 40 Asian economies every five years, 1955-2015,
## unbalanced as PWT is (economies enter in 1955, 1960, 1965, 1970 and 1990); two made
## singletons here: the Maldives kept only in 2015 and Mongolia only in 1990. Chinese names
## in `country` (the entity), PWT's English names in `country_en`
ASIA <- c(
  ARE = "阿联酋", ARM = "亚美尼亚", BGD = "孟加拉国", BHR = "巴林", BRN = "文莱",
  CHN = "中国", CYP = "塞浦路斯", HKG = "中国香港", IDN = "印度尼西亚", IND = "印度",
  IRN = "伊朗", IRQ = "伊拉克", ISR = "以色列", JOR = "约旦", JPN = "日本",
  KAZ = "哈萨克斯坦", KGZ = "吉尔吉斯斯坦", KHM = "柬埔寨", KOR = "韩国", KWT = "科威特",
  LAO = "老挝", LKA = "斯里兰卡", MAC = "中国澳门", MDV = "马尔代夫", MMR = "缅甸",
  MNG = "蒙古国", MYS = "马来西亚", NPL = "尼泊尔", PAK = "巴基斯坦", PHL = "菲律宾",
  QAT = "卡塔尔", SAU = "沙特阿拉伯", SGP = "新加坡", SYR = "叙利亚", THA = "泰国",
  TJK = "塔吉克斯坦", TUR = "土耳其", TWN = "中国台湾", VNM = "越南", YEM = "也门")

build$pwt_five_yearly <- function() {
  data("pwt9.1", package = "pwt9", envir = environment())
  d <- pwt9.1[pwt9.1$isocode %in% names(ASIA), ]
  d$isocode <- as.character(d$isocode)
  d$year <- as.integer(d$year)
  if (!setequal(unique(d$isocode), names(ASIA))) stop("an Asian economy is not in pwt9.1")
  ## average annual population growth (%) over the five years before, from the annual
  ## series (missing where PWT has no population five years earlier)
  before <- match(paste(d$isocode, d$year - 5L), paste(d$isocode, d$year))
  d$popg <- 100 * ((d$pop / d$pop[before])^(1 / 5) - 1)
  keep <- d$year %% 5L == 0L & d$year >= 1955L & d$year <= 2015L &
    complete.cases(d[, c("rgdpna", "pop", "hc", "csh_i")])
  keep <- keep & !(d$isocode == "MDV" & d$year != 2015L) &   # singletons made here
    !(d$isocode == "MNG" & d$year != 1990L)
  d <- d[keep, ]
  d <- d[order(d$isocode, d$year), ]
  out <- data.frame(country = unname(ASIA[d$isocode]), country_en = as.character(d$country),
                    isocode = d$isocode, year = d$year, rgdpna = d$rgdpna, pop = d$pop,
                    hc = d$hc, csh_i = d$csh_i, popg = d$popg, stringsAsFactors = FALSE)
  spec <- list(name = "pwt_five_yearly",
               source = paste("pwt9::pwt9.1, 40 Asian economies, years 1955, 1960, ..., 2015",
                              "with rgdpna, pop, hc and csh_i; popg = average annual",
                              "population growth (%) over the five years before, from the",
                              "annual pop; Maldives kept only in 2015, Mongolia only in 1990"),
               entity = "country", time = "year", dependent = "lgdppc", core = "hc",
               controls = c("csh_i", "popg"), packages = "pwt9",
               ratio = list(gdppc = c("rgdpna", "pop")), log = list(lgdppc = "gdppc"))
  list(spec = spec, frame = out)
}

## plm::Produc restricted to the six New England states (region 1), 1970-1986; the
## package's upper-case names (NEW_HAMPSHIRE) written as English names (New Hampshire)
build$new_england <- function() {
  data("Produc", package = "plm", envir = environment())
  d <- Produc[Produc$region == "1", ]
  english <- sub("\\|.*", "", STATES)
  code <- match(gsub("_", " ", as.character(d$state)), toupper(english))
  if (anyNA(code)) stop("unknown state name")
  out <- data.frame(state = unname(english[code]), year = as.integer(d$year),
                    gsp = as.integer(d$gsp), pcap = d$pcap, hwy = d$hwy, water = d$water,
                    util = d$util, pc = d$pc, emp = d$emp, unemp = d$unemp,
                    stringsAsFactors = FALSE)
  out <- out[order(out$state, out$year), ]
  if (length(unique(out$state)) != 6 || any(table(out$state) != 17)) stop("not 6 x 17")
  spec <- list(name = "new_england",
               source = paste("plm::Produc, the six New England states (region 1),",
                              "1970-1986; state names as English names"),
               entity = "state", time = "year", dependent = "lgsp", core = "lpcap",
               controls = c("lpc", "lemp", "unemp"),
               log = list(lgsp = "gsp", lpcap = "pcap", lpc = "pc", lemp = "emp"))
  list(spec = spec, frame = out)
}

if (!exists("MAKE_CORPUS_LIBRARY")) {
  args <- commandArgs(trailingOnly = TRUE)
  unknown <- setdiff(args, names(build))
  if (length(unknown)) stop("no such study: ", paste(unknown, collapse = ", "))
  for (name in if (length(args)) args else names(build)) {
    made <- build[[name]]()
    make_study(made$spec, made$frame)
  }
  message("done")
}
