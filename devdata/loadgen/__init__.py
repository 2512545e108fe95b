"""A synthetic, deterministic national data set on the real region hierarchy, for benchmarks.

Each village draws its posts around the real structure (about 11 perangkat, an odd BPD of
5–9, RT/RW heads and secretaries, LKD boards, Satlinmas guards), its holders (a few hold two
posts) with valid, unique NIKs, and their memberships: coverage varies by regency and village,
and paid-until dates are spread around `today` so some are lapsing soon and some in arrears.
The draw of a village depends only on the seed and its code, so a regency comes out the same
inside a province run as on its own. Rows go in with PostgreSQL COPY, or bulk_create on
SQLite (regency scale only).
"""

from devdata.loadgen.draw import DEFAULT_SEED, SCALES, Batch, Counts, draw_batch
from devdata.loadgen.write import generate, villages_for, write_batch

__all__ = [
    "DEFAULT_SEED",
    "SCALES",
    "Batch",
    "Counts",
    "draw_batch",
    "generate",
    "villages_for",
    "write_batch",
]
