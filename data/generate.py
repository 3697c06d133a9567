"""Simulate the two illustrative panels used by `reporter` (NOT official statistics).

Run ``python data/generate.py``; it writes ``zhejiang_cities.csv`` and
``provinces.csv`` next to this file.  The only randomness is one
``numpy.random.default_rng(SEED)`` stream drawn in a fixed order, and floats are
written with 6 decimals, so reruns are identical byte for byte.
Notation: i entity, t = year - first year, N(0, s) normal noise with sd s
(N_i: one draw per entity), AR1(rho, s) stationary AR(1) along years, innovation sd s.

Panel 1 -- Zhejiang cities, 12 x 2013..2023
    s_i  hand-set strength (CITIES; Hangzhou 1.00, Ningbo 0.95 ... Lishui 0.10)
    h_i  ~ N(0, .25) cluster propensity, shared by ec and the city effect a_i
    z_it ~ AR1(.6, .10) development shock moving clusters and x1..x4 together
    clusters = max(1, round(exp(ln 1.5 + 2.3 s_i + h_i + (.06 + d_i) t + z))), d_i ~ N(0, .02)
    ec = ln(clusters)
    x_k = c_k + a_k s_i + b_k o_ki + (g_k + h_k u_ki) t + l_k z + N(0, e_k), where o_ki and
    u_ki ~ N(0, 1) are control k's own city level and trend (so controls share only
    part of their variation; pooled VIFs stay near 2):
      x1: c=5.3 a=1.0 b=.6 g=.06 h=.04 l=.5 e=.15    x2: c=2.5 a=1.2 b=.7 g=.05 h=.04 l=.4 e=.15
      x3: c=6.2 a=0.8 b=.5 g=.04 h=.03 l=.3 e=.12    x4: c=2.5 a=1.5 b=1.2 g=.08 h=.06 l=1 e=.5
    x5 = 17 + 1.5 s_i - .05 t + N_i(0, 1) + N(0, .60)
    tfp   = 2.6 + 0.25 s_i + 0.03 t + 0.40 ec + N(0, .12)      (mediators load on ec only)
    innov = 4.8 + 2.00 s_i + 0.08 t + 0.60 ec + N(0, .25)
    compet = -0.40 + a_i + l_t + 0.05 ec + 0.10 tfp + 0.05 innov
             + 0.03 x1 + 0.02 x2 - 0.04 x3 + 0.004 x4 + 0.003 x5 + AR1(.3, .035)
    a_i = 0.15 h_i + N(0, .02);  l_t = CITY_YEAR_FX, 2013..2023 =
    (0, .005, .005, .010, .010, .010, .015, 0, .010, .005, .010)  (2020 dip)
  Effect of ec on compet: direct 0.05; via tfp .40 x .10 = 0.04; via innov
  .60 x .05 = 0.03; indirect 0.07; TOTAL 0.12.  Two-way FE of compet on
  ec + x1..x5 targets the total 0.12 (controls: .03 .02 -.04 .004 .003); adding
  tfp and innov targets the direct 0.05.  Pooled OLS is biased upward (h_i).
  hx_export = anchor_i% x ZJ_HX_EXPORT_t x exp(N(0, .06)) (100m yuan) and
  hx_import = hx_export (1 - compet) / (1 + compet), so their TC equals compet.
  Recording errors added after compet (the DGP uses true values):
  x3 Hangzhou 2021 + ln 10, x1 Lishui 2015 - ln 10.

Panel 2 -- 29 provinces, 2011..2020 (three-belt East/Central/West)
    g_i = standardised ln(GDP 2011 anchor), E_i = 1 for East, dig_i = hand-set
    digital premium (PROVINCES; Beijing .8, Shanghai .6, Zhejiang .4 ... Hebei -.4)
    lngdp = ln(GDP2011_i x 1e4) + GDP_PATH_t + random walk from 2011 (steps N(0, .012)),
            GDP_PATH = cumulative sum of (0, .10, .09, .08, .065, .075, .09, .08, .07, .03)
    nm    = exp(-2.95 + .40 g_i + .25 E_i + .6 dig_i + N_i(0, .15) + (.12 + N_i(0, .015)) t
                + AR1(.5, .05))
    ecpv  = 0.29 + .04 g_i + .04 E_i + N_i(0, .08) + .004 t + AR1(.5, .035)
    ecpc  = 7600 + 550 g_i + 600 E_i + N_i(0, 800) + 170 t + AR1(.5, 250);  ecpc_k = ecpc / 1000
    open  = exp(-1.9 + .45 g_i + 1.0 E_i + N_i(0, .3) - .03 t + N(0, .05))
    infra = 100 / (1 + exp(.55 - .17 t - .5 E_i - .3 dig_i + N_i(0, .15) + N(0, .04)))
    rd    = exp(.30 g_i + .25 E_i + 1.2 dig_i + N_i(0, .25) + .025 t + N(0, .04))
    eres  = b_i + G_t + 0.45 (1 + 0.30 E_i) nm + 0.15 ecpv + 0.010 ecpc_k
            + 0.80 (nm - 0.13)(ecpv - 0.30)
            + 0.020 lngdp + 0.040 open + 0.0005 infra + 0.010 rd + N(0, .012)
    b_i = -0.36 + .02 g_i + .02 E_i + N(0, .015);  G_t = PROV_YEAR_FX, 2011..2020 =
    (0, .004, .008, .010, .012, .016, .018, .016, .020, .012)  (2020 dip)
  The nm slope is 0.45 in Central/West and 0.585 in the East (+30%); a common-
  slope FE regression estimates a variance-weighted mix of the two.  Centring
  constants 0.13 / 0.30 are fixed, near the sample means.
  Raw indicators: x = lo + sc (latent / ref)^p exp(N(0, sd)) with ref .13 for nm
  (NM_SPEC) and .18 for eres (ERES_SPEC); nm_11 = GDP x (.86 + .15 nm + N(0, .01)),
  nm_12 = .7 x GDP x rd / 100 x exp(N(0, .05)); eres_01 = GDP / 1.02^t,
  eres_03 fixed port distance, eres_05 = 100 open, eres_06 = 100 / (1 + q) (trade
  block), eres_07 = exports / (exports_2011 exp(-.25 + N_i(0, .1))) - 1, eres_11 /
  eres_12 = round(national wave_t x share_i), share_i proportional to
  exp(k x mean_t eres_i), k = 5 / 3.  MISSING lists the 8 blanked cells.
  Trade: manufactured TC = clip(-.15 + 1.3 ecpv + N(0, .05), -.5, .9); mfg
  share of exports m = clip(.72 + .3 (ecpv - .3) + N(0, .02), .4, .97); other
  imports r = U_i(.1, .35) exp(N(0, .05)) x exports; total_export = open x GDP / (1 + q),
  q = m (1 - TC) / (1 + TC) + r; national totals = 1.015 x 29-province sum.
SEED was screened from 300 consecutive candidates (20240601..20240900) for a
typical draw: key FE estimates within 1.5 cluster-robust SEs of the truth and
ranges as intended (see data/README.md).
"""
from pathlib import Path

import numpy as np
import pandas as pd

SEED = 20240628
OUT = Path(__file__).resolve().parent
rng = np.random.default_rng(SEED)


def ar1(n, T, rho, sd, rng=rng):
    e = rng.normal(0, sd, (n, T))
    x = np.empty((n, T))
    x[:, 0] = e[:, 0] / np.sqrt(1 - rho**2)
    for t in range(1, T):
        x[:, t] = rho * x[:, t - 1] + e[:, t]
    return x


# ---------------------------------------------------------------- cities
CITIES = [  # zh, en, strength s_i, high-tech export anchor (% of province)
    ("杭州", "Hangzhou", 1.00, 17.0), ("宁波", "Ningbo", 0.95, 24.0),
    ("温州", "Wenzhou", 0.50, 5.0), ("嘉兴", "Jiaxing", 0.60, 8.0),
    ("湖州", "Huzhou", 0.45, 3.0), ("绍兴", "Shaoxing", 0.60, 7.0),
    ("金华", "Jinhua", 0.55, 12.0), ("衢州", "Quzhou", 0.15, 1.3),
    ("舟山", "Zhoushan", 0.30, 6.0), ("台州", "Taizhou", 0.50, 4.5),
    ("丽水", "Lishui", 0.10, 0.7), ("义乌", "Yiwu", 0.40, 11.0)]
CITY_YEARS = np.arange(2013, 2024)
CITY_YEAR_FX = [0, .005, .005, .010, .010, .010, .015, 0, .010, .005, .010]
ZJ_HX_EXPORT = [950, 1010, 1080, 1150, 1260, 1410, 1600, 2030, 2720, 3450, 3100]
B_DIRECT, PI_TFP, PI_INN, TH_TFP, TH_INN = 0.05, 0.40, 0.60, 0.10, 0.05
TOTAL_EFFECT_EC = B_DIRECT + PI_TFP * TH_TFP + PI_INN * TH_INN  # 0.12, what FE recovers
G_X = np.array([0.03, 0.02, -0.04, 0.004, 0.003])


OUTLIERS = [("Hangzhou", 2021, "x3", np.log(10)), ("Lishui", 2015, "x1", -np.log(10))]


def make_cities():
    return make_city_panel(CITIES, rng, OUTLIERS)


def make_city_panel(cities, rng, outliers=()):
    """A city panel of this DGP for any list of (zh, en, strength, export anchor %) and
    random stream; `outliers` adds (city_en, year, column, shift) recording errors.
    Zhejiang's sample is make_city_panel(CITIES, rng, OUTLIERS); bench/bench_batch.py
    builds a national panel of 31 provinces with it."""
    n, T = len(cities), len(CITY_YEARS)
    t = np.arange(T)[None, :]
    s = np.array([c[2] for c in cities])[:, None]
    z = ar1(n, T, 0.6, 0.10, rng)
    d, h = rng.normal(0, 0.02, (n, 1)), rng.normal(0, 0.25, (n, 1))
    lc = np.log(1.5) + 2.3 * s + h + (0.06 + d) * t + z
    clusters = np.maximum(1, np.rint(np.exp(lc))).astype(int)
    ec = np.log(clusters)
    own = rng.normal(0, 1, (4, n, 1))  # each control's own city level and trend, so
    slope = rng.normal(0, 1, (4, n, 1))  # that controls share only part of their variation
    x1 = (5.3 + 1.0 * s + .6 * own[0] + (.06 + .04 * slope[0]) * t + .5 * z
          + rng.normal(0, .15, (n, T)))
    x2 = (2.5 + 1.2 * s + .7 * own[1] + (.05 + .04 * slope[1]) * t + .4 * z
          + rng.normal(0, .15, (n, T)))
    x3 = (6.2 + 0.8 * s + .5 * own[2] + (.04 + .03 * slope[2]) * t + .3 * z
          + rng.normal(0, .12, (n, T)))
    x4 = (2.5 + 1.5 * s + 1.2 * own[3] + (.08 + .06 * slope[3]) * t + 1.0 * z
          + rng.normal(0, .5, (n, T)))
    x5 = 17 + 1.5 * s - 0.05 * t + rng.normal(0, 1, (n, 1)) + rng.normal(0, .6, (n, T))
    tfp = 2.6 + 0.25 * s + 0.03 * t + PI_TFP * ec + rng.normal(0, .12, (n, T))
    innov = 4.8 + 2.0 * s + 0.08 * t + PI_INN * ec + rng.normal(0, .25, (n, T))
    a = 0.15 * h + rng.normal(0, .02, (n, 1))
    X = np.stack([x1, x2, x3, x4, x5], axis=-1)
    compet = (-0.40 + a + np.array(CITY_YEAR_FX)[None, :] + B_DIRECT * ec + TH_TFP * tfp
              + TH_INN * innov + X @ G_X + ar1(n, T, 0.3, 0.035, rng))
    assert (compet > -1).all() and (compet < 1).all()
    compet = np.round(compet, 6)
    anchor = np.array([c[3] for c in cities])[:, None]
    hx_ex = anchor / 100 * np.array(ZJ_HX_EXPORT)[None, :] * np.exp(rng.normal(0, .06, (n, T)))
    hx_ex = np.round(hx_ex, 6)
    hx_im = np.round(hx_ex * (1 - compet) / (1 + compet), 6)
    iy = {(c[1], y): (i, k) for i, c in enumerate(cities) for k, y in enumerate(CITY_YEARS)}
    shifted = {"x1": x1, "x3": x3}
    for city, year, column, shift in outliers:  # recording errors
        shifted[column][iy[city, year]] += shift
    cols = dict(compet=compet, ec=ec, x1=x1, x2=x2, x3=x3, x4=x4, x5=x5, tfp=tfp, innov=innov,
                clusters=clusters, hx_export=hx_ex, hx_import=hx_im)
    df = pd.DataFrame({"city": np.repeat([c[0] for c in cities], T),
                       "city_en": np.repeat([c[1] for c in cities], T),
                       "year": np.tile(CITY_YEARS, n)})
    for k, v in cols.items():
        df[k] = v.ravel()
    return df


# ------------------------------------------------------------- provinces
PROVINCES = [  # zh, en, region, GDP 2011 anchor (100m yuan), km to seaport, digital premium
    ("北京", "Beijing", "E", 16300, 150, .8), ("天津", "Tianjin", "E", 11300, 10, .2),
    ("河北", "Hebei", "E", 24500, 40, -.4), ("辽宁", "Liaoning", "E", 22200, 20, 0),
    ("上海", "Shanghai", "E", 19200, 10, .6), ("江苏", "Jiangsu", "E", 49100, 20, .2),
    ("浙江", "Zhejiang", "E", 32300, 10, .4), ("福建", "Fujian", "E", 17600, 10, .1),
    ("山东", "Shandong", "E", 45400, 10, -.1), ("广东", "Guangdong", "E", 53200, 10, .3),
    ("海南", "Hainan", "E", 2500, 10, 0), ("山西", "Shanxi", "C", 11200, 450, -.2),
    ("吉林", "Jilin", "C", 10600, 350, -.1), ("黑龙江", "Heilongjiang", "C", 12600, 700, -.2),
    ("安徽", "Anhui", "C", 15300, 300, .1), ("江西", "Jiangxi", "C", 11700, 450, -.1),
    ("河南", "Henan", "C", 26900, 600, -.3), ("湖北", "Hubei", "C", 19600, 800, .1),
    ("湖南", "Hunan", "C", 19700, 700, 0), ("内蒙古", "Inner Mongolia", "W", 14400, 500, -.2),
    ("广西", "Guangxi", "W", 11700, 30, -.2), ("重庆", "Chongqing", "W", 10000, 1400, .1),
    ("四川", "Sichuan", "W", 21000, 1600, .1), ("贵州", "Guizhou", "W", 5700, 1000, 0),
    ("云南", "Yunnan", "W", 8900, 1300, -.2), ("陕西", "Shaanxi", "W", 12500, 1000, .2),
    ("甘肃", "Gansu", "W", 5000, 1500, -.2), ("青海", "Qinghai", "W", 1700, 1900, -.2),
    ("宁夏", "Ningxia", "W", 2100, 1200, -.1)]
REGION = {"E": ("东部", "East"), "C": ("中部", "Central"), "W": ("西部", "West")}
PROV_YEARS = np.arange(2011, 2021)
GDP_PATH = np.cumsum([0, .10, .09, .08, .065, .075, .09, .08, .07, .03])
PROV_YEAR_FX = [0, .004, .008, .010, .012, .016, .018, .016, .020, .012]
B_NM, EAST_UPLIFT, B_ECPV, B_ECPC, B_INT = 0.45, 0.30, 0.15, 0.010, 0.80
NM0, ECPV0 = 0.13, 0.30
G_Z = dict(lngdp=0.020, open=0.040, infra=0.0005, rd=0.010)
# raw indicator = lo + sc * (latent / ref) ** p * exp(N(0, sd)); ref 0.13 (nm), 0.18 (eres)
NM_SPEC = {"nm_01": (0, 2500, .9, .15), "nm_02": (55, 40, .7, .05), "nm_03": (0, 30000, 1.1, .2),
           "nm_04": (.8, 1.8, .9, .1), "nm_05": (0, 60000, 1.3, .2), "nm_06": (0, 100000, 1.3, .2),
           "nm_07": (10, 150, .6, .05), "nm_08": (2, 6, .6, .1), "nm_09": (0, 4000, 1.2, .2),
           "nm_10": (35, 12, .5, .05)}
ERES_SPEC = {"eres_02": (30, 25, .5, .04), "eres_04": (8, 6, .5, .1), "eres_08": (0, 60, 1.2, .3),
             "eres_09": (1.8, 1.0, .6, .1), "eres_10": (8000, 14000, .8, .06),
             "eres_13": (.4, 1.8, .9, .12)}
INT_COLS = ["nm_03", "nm_05", "nm_06", "eres_03", "eres_11", "eres_12"]
CBEC_ZONES = [0, 0, 0, 0, 1, 13, 13, 35, 59, 105]  # national count of pilot zones
BONDED_ZONES = [12, 16, 22, 30, 40, 52, 66, 90, 120, 150]
MISSING = [("Henan", 2014, "nm_04"), ("Gansu", 2016, "nm_04"), ("Hainan", 2013, "nm_08"),
           ("Guizhou", 2017, "nm_08"), ("Ningxia", 2015, "nm_10"), ("Qinghai", 2018, "eres_04"),
           ("Jilin", 2016, "eres_08"), ("Yunnan", 2019, "eres_08")]


def raw(latent, ref, spec):
    lo, sc, p, sd = spec
    return lo + sc * (latent / ref) ** p * np.exp(rng.normal(0, sd, latent.shape))


def make_provinces():
    n, T = len(PROVINCES), len(PROV_YEARS)
    t = np.arange(T)[None, :]
    lg0 = np.log([p[3] * 1e4 for p in PROVINCES])[:, None]
    g = (lg0 - lg0.mean()) / lg0.std()
    east = np.array([p[2] == "E" for p in PROVINCES], float)[:, None]
    dig = np.array([p[5] for p in PROVINCES])[:, None]
    lngdp = lg0 + GDP_PATH[None, :] + np.cumsum(rng.normal(0, .012, (n, T)), 1)
    nm = np.exp(-2.95 + 0.40 * g + 0.25 * east + 0.6 * dig + rng.normal(0, .15, (n, 1))
                + (0.12 + rng.normal(0, .015, (n, 1))) * t + ar1(n, T, 0.5, .05))
    ecpv = (0.29 + 0.04 * g + 0.04 * east + rng.normal(0, .08, (n, 1)) + 0.004 * t
            + ar1(n, T, .5, .035))
    ecpc = (7600 + 550 * g + 600 * east + rng.normal(0, 800, (n, 1)) + 170 * t
            + ar1(n, T, .5, 250))
    opn = np.exp(-1.9 + 0.45 * g + 1.0 * east + rng.normal(0, .3, (n, 1)) - .03 * t
                 + rng.normal(0, .05, (n, T)))
    infra = 100 / (1 + np.exp(-(-0.55 + 0.17 * t + 0.5 * east + 0.3 * dig
                                + rng.normal(0, .15, (n, 1)) + rng.normal(0, .04, (n, T)))))
    rd = np.exp(0.30 * g + 0.25 * east + 1.2 * dig + rng.normal(0, .25, (n, 1)) + .025 * t
                + rng.normal(0, .04, (n, T)))
    b = -0.36 + 0.02 * g + 0.02 * east + rng.normal(0, .015, (n, 1))
    eres = (b + np.array(PROV_YEAR_FX)[None, :] + B_NM * (1 + EAST_UPLIFT * east) * nm
            + B_ECPV * ecpv + B_ECPC * ecpc / 1000 + B_INT * (nm - NM0) * (ecpv - ECPV0)
            + G_Z["lngdp"] * lngdp + G_Z["open"] * opn + G_Z["infra"] * infra + G_Z["rd"] * rd
            + rng.normal(0, .012, (n, T)))
    assert eres.min() > 0.02 and (ecpv > 0).all() and (ecpv < 1).all()
    gdp = np.exp(lngdp) / 1e4  # 100m yuan
    out = dict(eres=eres, nm=nm, ecpv=ecpv, ecpc=ecpc, lngdp=lngdp, open=opn, infra=infra, rd=rd)
    for k, spec in NM_SPEC.items():
        out[k] = raw(nm, NM0, spec)
    out["nm_11"] = gdp * np.clip(0.86 + 0.15 * nm + rng.normal(0, .01, (n, T)), .5, .995)
    out["nm_12"] = gdp * rd / 100 * 0.7 * np.exp(rng.normal(0, .05, (n, T)))
    # trade block: manufactured TC and export mix driven by ecpv
    tc = np.clip(-0.15 + 1.3 * ecpv + rng.normal(0, .05, (n, T)), -.5, .9)
    ms = np.clip(0.72 + 0.3 * (ecpv - .3) + rng.normal(0, .02, (n, T)), .4, .97)
    r = rng.uniform(.1, .35, (n, 1)) * np.exp(rng.normal(0, .05, (n, T)))  # other imports / exports
    q = ms * (1 - tc) / (1 + tc) + r  # imports / exports
    tot_x = opn * gdp / (1 + q)
    mfg_x = ms * tot_x
    mfg_m = mfg_x * (1 - tc) / (1 + tc)
    out["eres_01"] = gdp / 1.02 ** t
    out["eres_03"] = np.repeat([[p[4]] for p in PROVINCES], T, 1)
    out["eres_05"] = 100 * opn
    out["eres_06"] = 100 / (1 + q)
    out["eres_07"] = tot_x / (tot_x[:, :1] * np.exp(-0.25 + rng.normal(0, .1, (n, 1)))) - 1
    ebar = eres.mean(1, keepdims=True)
    for k, wave, k_w in (("eres_11", CBEC_ZONES, 5), ("eres_12", BONDED_ZONES, 3)):
        w = np.exp(k_w * ebar) / np.exp(k_w * ebar).sum()
        out[k] = np.floor(np.array(wave)[None, :] * w + 0.5)
    for k, spec in ERES_SPEC.items():
        out[k] = raw(eres, 0.18, spec)
    out.update(mfg_export=mfg_x, mfg_import=mfg_m, total_export=tot_x,
               nat_mfg_export=np.tile(1.015 * mfg_x.sum(0), (n, 1)),
               nat_total_export=np.tile(1.015 * tot_x.sum(0), (n, 1)))
    df = pd.DataFrame({"province": np.repeat([p[0] for p in PROVINCES], T),
                       "province_en": np.repeat([p[1] for p in PROVINCES], T),
                       "region": np.repeat([REGION[p[2]][0] for p in PROVINCES], T),
                       "region_en": np.repeat([REGION[p[2]][1] for p in PROVINCES], T),
                       "year": np.tile(PROV_YEARS, n)})
    order = (list(out)[:8] + [f"nm_{k:02d}" for k in range(1, 13)]
             + [f"eres_{k:02d}" for k in range(1, 14)] + list(out)[-5:])
    for k in order:
        df[k] = np.rint(out[k]).astype(int).ravel() if k in INT_COLS else out[k].ravel()
    for en, year, col in MISSING:
        df.loc[(df.province_en == en) & (df.year == year), col] = np.nan
    return df


N_PRODUCTS = 120


def make_product_flows(provinces: pd.DataFrame) -> pd.DataFrame:
    """Exports by province x product x year for the EXPY index: each province-year splits
    its total exports over 120 products by a softmax whose tilt towards sophisticated
    products grows with the province's latent complexity (standardised ecpc). Its own
    random stream (SEED + 1), so the two panels above do not change."""
    r = np.random.default_rng(SEED + 1)
    sophistication = np.sort(r.normal(0, 1, N_PRODUCTS))
    size = r.normal(0, 0.8, N_PRODUCTS)
    capability = ((provinces.ecpc - provinces.ecpc.mean()) / provinces.ecpc.std()).to_numpy()
    logits = (size[None, :] + 0.9 * capability[:, None] * sophistication[None, :]
              + r.normal(0, 0.3, (len(provinces), N_PRODUCTS)))
    shares = np.exp(logits - logits.max(axis=1, keepdims=True))
    shares /= shares.sum(axis=1, keepdims=True)
    values = shares * provinces.total_export.to_numpy()[:, None]
    return pd.DataFrame({
        "province": np.repeat(provinces.province.to_numpy(), N_PRODUCTS),
        "year": np.repeat(provinces.year.to_numpy(), N_PRODUCTS),
        "product": np.tile([f"P{k:03d}" for k in range(1, N_PRODUCTS + 1)], len(provinces)),
        "export_value": values.ravel()})


if __name__ == "__main__":
    cities = make_cities()  # first: both panels draw from the one stream, in this order
    provinces = make_provinces()
    for name, frame in (("zhejiang_cities.csv", cities), ("provinces.csv", provinces),
                        ("province_product_exports.csv", make_product_flows(provinces))):
        frame.to_csv(OUT / name, index=False, float_format="%.6f", lineterminator="\n")
        print(f"wrote {OUT / name}: {frame.shape[0]} rows x {frame.shape[1]} cols")
