"""Time EXPY/PRODY and the method of reflections on a synthetic long export table (about
10^7 rows by default: 31 regions x products x 10 years) as `reporter.indices.complexity`
builds them (integer codes and np.bincount), beside the same PRODY/EXPY written with pandas
groupby/merge and with pyarrow's group_by/join. Reports medians of repeated runs, never
pass/fail.

    python bench/bench_expy.py [--rows 10000000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from bench_battery import median_seconds

from reporter.indices.complexity import Flows, prody_expy, rca_edges, reflections

REGIONS = 31
YEARS = 10


def synthetic(rows: int, seed: int = 20240628) -> pd.DataFrame:
    """About `rows` flows with a nested structure, as trade data have: region r (capability
    c_r) exports product p (complexity q_p) with probability logistic(2 (c_r - q_p) + 0.5),
    in lognormal amounts that also rise with c_r - q_p; independent across years."""
    rng = np.random.default_rng(seed)
    products = int(np.ceil(rows / (REGIONS * YEARS * 0.55)))
    capability = rng.normal(0.0, 1.0, REGIONS)
    complexity = rng.normal(0.0, 1.0, products)
    gap = (capability[:, None] - complexity[None, :]).ravel()  # region x product
    gap = np.tile(gap, YEARS)
    exported = rng.random(gap.size) < 1 / (1 + np.exp(-(2 * gap + 0.5)))
    cell = np.flatnonzero(exported)
    ry, product = np.divmod(cell, products)
    year, region = np.divmod(ry, REGIONS)
    names = pd.Categorical.from_codes(region, [f"region_{i:02d}" for i in range(REGIONS)])
    return pd.DataFrame({"region": names, "product": product.astype(np.int32),
                         "year": (2011 + year).astype(np.int16),
                         "value": rng.lognormal(2.0 + gap[cell], 1.5)})


def expy_pandas(table: pd.DataFrame, income: pd.Series) -> pd.Series:
    """PRODY/EXPY with pandas groupby and merges (the straightforward columnar version)."""
    keys = ["year", "region"]
    total = table.groupby(keys, observed=True)["value"].transform("sum")
    share = table["value"] / total
    y = income.reindex(pd.MultiIndex.from_frame(table[keys])).to_numpy()
    work = pd.DataFrame({"year": table["year"], "product": table["product"], "s": share,
                         "sy": share * y})
    sums = work.groupby(["year", "product"])[["s", "sy"]].sum()
    prody = (sums["sy"] / sums["s"]).rename("prody")
    work = work.join(prody, on=["year", "product"])
    return (work["s"] * work["prody"]).groupby([table["year"], table["region"]],
                                               observed=True).sum()


def expy_arrow(table: pa.Table, income: pa.Table) -> pa.Table:
    """PRODY/EXPY with pyarrow group_by and joins."""
    totals = table.group_by(["year", "region"]).aggregate([("value", "sum")])
    t = table.join(totals, ["year", "region"]).join(income, ["year", "region"])
    share = pc.divide(t["value"], t["value_sum"])
    t = t.append_column("s", share).append_column("sy", pc.multiply(share, t["income"]))
    sums = t.group_by(["year", "product"]).aggregate([("s", "sum"), ("sy", "sum")])
    sums = sums.append_column("prody", pc.divide(sums["sy_sum"], sums["s_sum"]))
    t = t.join(sums.select(["year", "product", "prody"]), ["year", "product"])
    t = t.append_column("w", pc.multiply(t["s"], t["prody"]))
    return t.group_by(["year", "region"]).aggregate([("w", "sum")])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    start = time.perf_counter()
    table = synthetic(args.rows)
    print(f"table: {len(table):,} rows, {REGIONS} regions x {table['product'].nunique():,} "
          f"products x {YEARS} years, {table.memory_usage(deep=True).sum() / 2**20:.0f} MiB "
          f"(made in {time.perf_counter() - start:.1f} s)")
    flows = Flows.from_columns(table["year"], table["region"], table["product"], table["value"])
    rng = np.random.default_rng(1)
    grid = rng.lognormal(10.0, 0.5, (YEARS, REGIONS))
    income = pd.Series(grid.ravel(), index=pd.MultiIndex.from_product(
        [flows.years.astype(np.int16), flows.regions], names=["year", "region"]))
    arrow_table = pa.Table.from_pandas(table.assign(region=table["region"].astype(str)),
                                       preserve_index=False)
    arrow_income = pa.Table.from_pandas(income.rename("income").reset_index(),
                                        preserve_index=False)

    expy, _ = prody_expy(flows, grid)  # the fast paths agree before they are timed
    by_pandas = expy_pandas(table, income)
    wanted = by_pandas.to_numpy().reshape(YEARS, REGIONS)
    print(f"max relative difference, bincount vs pandas EXPY: "
          f"{np.max(np.abs(expy / wanted - 1)):.1e}")
    out = reflections(flows)
    print(f"reflections: {out.iterations} double reflections, converged={out.converged}, "
          f"last change {out.change:.1e}, {len(rca_edges(flows)[0]):,} RCA >= 1 cells")

    timings = {
        "encode (factorize region/product/year)": lambda: Flows.from_columns(
            table["year"], table["region"], table["product"], table["value"]),
        "PRODY + EXPY, codes + np.bincount (reporter)": lambda: prody_expy(flows, grid),
        "PRODY + EXPY, pandas groupby/merge": lambda: expy_pandas(table, income),
        "PRODY + EXPY, pyarrow group_by/join": lambda: expy_arrow(arrow_table, arrow_income),
        "RCA >= 1 cells (sum duplicates, pandas groupby)": lambda: rca_edges(flows),
        "method of reflections to convergence (reporter)": lambda: reflections(flows),
    }
    print(f"\nmedian of {args.repeat} runs (after one warm-up):")
    for name, func in timings.items():
        print(f"  {name:<52} {median_seconds(func, args.repeat):8.3f} s")


if __name__ == "__main__":
    main()
