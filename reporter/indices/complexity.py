"""Export sophistication from a long table of exports x_rpt by region r, product p, year t.

PRODY and EXPY (Hausmann, Hwang and Rodrik 2007), with s_rp = x_rp / X_r the product's share
in the region's exports and Y_r the region's income (each year apart):
PRODY_p = sum_r s_rp Y_r / sum_r s_rp, EXPY_r = sum_p s_rp PRODY_p.

The method of reflections (Hidalgo and Hausmann 2009): M_rp = 1 where Balassa's RCA of r in p
is at least 1; k_r0 = sum_p M_rp (diversity), k_p0 = sum_r M_rp (ubiquity);
k_pN = sum_r M_rp k_r(N-1) / k_p0 and k_rN = sum_p M_rp k_p(N-1) / k_r0. One iteration here is
a double reflection (k_r(2n-2) -> k_r2n); each is standardised within the year (mean 0,
sd with n - 1), which leaves the standardised sequence unchanged because the reflections are
linear and keep constants. Iteration stops when no standardised value moves by more than `tol`:
the limit is the economic complexity index (the second eigenvector of the reflection matrix),
signed to correlate positively with diversity. (Started from diversity, as the method is; in
the rare table where diversity has no part along that eigenvector it settles on another.)

Everything is vectorised over rows with integer codes and `np.bincount`; duplicate rows of a
region, product and year add up.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

RCA_TOLERANCE = 1e-12  # RCA >= 1 up to rounding


@dataclass(frozen=True)
class Flows:
    """A long export table as integer codes into sorted labels (years, regions, products)."""

    year: np.ndarray
    region: np.ndarray
    product: np.ndarray
    value: np.ndarray
    years: np.ndarray
    regions: np.ndarray
    products: np.ndarray

    @classmethod
    def from_columns(cls, year: pd.Series, region: pd.Series, product: pd.Series,
                     value: pd.Series) -> Flows:
        """Encode the columns; region labels are compared as trimmed strings."""
        y, years = pd.factorize(year, sort=True)
        r, raw_regions = pd.factorize(region, sort=True)
        canon, regions = pd.factorize(pd.Index(raw_regions).astype(str).str.strip(), sort=True)
        p, products = pd.factorize(product, sort=True)
        return cls(year=y.astype(np.int64), region=canon[r].astype(np.int64),
                   product=p.astype(np.int64), value=np.asarray(value, dtype=float),
                   years=np.asarray(years, dtype=np.int64), regions=np.asarray(regions),
                   products=np.asarray(products))

    @property
    def shape(self) -> tuple[int, int, int]:
        return len(self.years), len(self.regions), len(self.products)

    def region_year(self) -> np.ndarray:
        return self.year * len(self.regions) + self.region

    def product_year(self) -> np.ndarray:
        return self.year * len(self.products) + self.product

    def exports(self) -> np.ndarray:
        """Total exports X of each region (years x regions)."""
        ny, nr, _ = self.shape
        return np.bincount(self.region_year(), self.value, ny * nr).reshape(ny, nr)


def prody_expy(flows: Flows, income: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """EXPY (years x regions; NaN without exports) and PRODY (years x products; 0 for a product
    nobody exports), given income (years x regions) for every region that exports."""
    ny, nr, n_products = flows.shape
    ry, py = flows.region_year(), flows.product_year()
    total = np.bincount(ry, flows.value, ny * nr)
    share = np.divide(flows.value, total[ry], out=np.zeros(len(ry)), where=total[ry] > 0)
    weight = np.bincount(py, share, ny * n_products)
    rich = np.bincount(py, share * income.ravel()[ry], ny * n_products)
    prody = np.divide(rich, weight, out=np.zeros_like(rich), where=weight > 0)
    expy = np.bincount(ry, share * prody[py], ny * nr)
    expy[total == 0] = np.nan
    return expy.reshape(ny, nr), prody.reshape(ny, n_products)


def rca_edges(flows: Flows) -> tuple[np.ndarray, np.ndarray]:
    """The (region-year, product-year) pairs with RCA >= 1, after adding up duplicate rows."""
    ny, nr, n_products = flows.shape
    cell = flows.region_year() * n_products + flows.product
    summed = pd.Series(flows.value).groupby(cell, sort=False).sum()
    cell, x = summed.index.to_numpy(), summed.to_numpy()
    ry, product = np.divmod(cell, n_products)
    year = ry // nr
    py = year * n_products + product
    by_region = np.bincount(ry, x, ny * nr)
    by_product = np.bincount(py, x, ny * n_products)
    by_year = np.bincount(year, x, ny)
    with np.errstate(divide="ignore", invalid="ignore"):
        rca = (x / by_region[ry]) / (by_product[py] / by_year[year])
    keep = (x > 0) & (rca >= 1 - RCA_TOLERANCE)
    return ry[keep], py[keep]


@dataclass(frozen=True)
class Reflections:
    """ECI and diversity (years x regions; NaN where a region has no RCA >= 1), the number of
    double reflections run, and whether the standardised values settled within `tol`."""

    eci: np.ndarray
    diversity: np.ndarray
    ubiquity: np.ndarray
    iterations: int
    converged: bool
    change: float


def _standardise(k: np.ndarray, valid: np.ndarray, ny: int, nr: int) -> np.ndarray:
    """(k - mean) / sd within each year over the valid regions (sd with n - 1; 0 if no spread)."""
    year = np.repeat(np.arange(ny), nr)
    n = np.bincount(year, valid.astype(float), ny)
    mean = np.bincount(year, np.where(valid, k, 0.0), ny) / np.maximum(n, 1)
    dev = k - mean[year]
    var = np.bincount(year, np.where(valid, dev**2, 0.0), ny) / np.maximum(n - 1, 1)
    sd = np.sqrt(var)[year]
    return np.where(valid, np.divide(dev, sd, out=np.zeros_like(dev), where=sd > 0), np.nan)


def reflections(flows: Flows, max_iter: int = 1000, tol: float = 1e-10) -> Reflections:
    """The method of reflections, iterated to convergence (see the module docstring)."""
    ny, nr, n_products = flows.shape
    ry, py = rca_edges(flows)
    diversity = np.bincount(ry, minlength=ny * nr).astype(float)
    ubiquity = np.bincount(py, minlength=ny * n_products).astype(float)
    valid = diversity > 0
    k = _standardise(diversity, valid, ny, nr)
    change, iterations = np.inf, 0
    while iterations < max_iter and not change <= tol:
        kp = np.bincount(py, np.nan_to_num(k)[ry], ny * n_products) / np.maximum(ubiquity, 1)
        raw = np.bincount(ry, kp[py], ny * nr) / np.maximum(diversity, 1)
        new = _standardise(raw, valid, ny, nr)
        change = float(np.nanmax(np.abs(new - k))) if valid.any() else 0.0
        k, iterations = new, iterations + 1
    eci = k.reshape(ny, nr)
    div = np.where(valid, diversity, np.nan).reshape(ny, nr)
    for t in range(ny):  # sign: ECI rises with diversity (one check per year)
        ok = ~np.isnan(eci[t])
        if ok.sum() > 1 and np.dot(eci[t, ok], div[t, ok] - div[t, ok].mean()) < 0:
            eci[t] = -eci[t]
    return Reflections(eci=eci, diversity=div, ubiquity=ubiquity.reshape(ny, n_products),
                       iterations=iterations, converged=change <= tol, change=change)
