"""How good "best match" is: each benchmark query's top 20 against an exhaustive ranking.

The engine ranks a bounded set of candidates (`SEARCH_CANDIDATES`), so that a common word
costs the same however many documents hold it. The exhaustive ranking is the same query
with the bounds lifted: every match scored by the same formula, and every match in a name
boosted (the engine boosts at most as many as it returns, the first in table order: with
`SEARCH_MAX_RESULTS` lifted too, and asked for every result, it boosts them all). The
overlap of the two top 20s, over the benchmark's queries (bench/queries.py), is the share
of the best results the bounds cost; the target is 95%.

    .venv/bin/python bench/ranking.py --orgs 100000
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.run import setup  # noqa: E402

TOP = 20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orgs", type=int, default=100_000)
    args = parser.parse_args()
    setup(args.orgs)
    from django.db import connection
    from django.test.utils import override_settings

    from bench.queries import QUERIES
    from directory import search

    overlaps, rows = [], []
    for text in QUERIES:
        parsed = search.parse(text)
        started = time.perf_counter()
        bounded = search.find(parsed, ["organization"], TOP)
        elapsed = (time.perf_counter() - started) * 1000
        lifted = {"SEARCH_CANDIDATES": 10**9, "SEARCH_MAX_RESULTS": 10**9 - 1}
        with override_settings(**lifted, SEARCH_TIMEOUT_MS=600_000):
            exhaustive = search.find(parsed, ["organization"], 10**9 - 1)
        ours, best = bounded.ids["organization"], exhaustive.ids["organization"][:TOP]
        if not best:
            continue
        overlap = len(set(ours) & set(best)) / len(best)
        overlaps.append(overlap)
        rows.append((text, overlap, elapsed))
    print(f"\n{connection.vendor}: top {TOP} overlap with an exhaustive ranking\n")
    print("| query | overlap | ms |\n|---|---:|---:|")
    for text, overlap, elapsed in rows:
        print(f"| `{text}` | {overlap:.0%} | {elapsed:.1f} |")
    print(
        f"\nmean overlap {statistics.mean(overlaps):.1%} over {len(overlaps)} queries; "
        f"{sum(o == 1 for o in overlaps)} identical"
    )


if __name__ == "__main__":
    main()
