#!/usr/bin/env python3
"""mwu-reference.py - reference p-values for tests/unit/test-stats.c, computed
without hwprof's method: exact p-values by enumerating every way to split the
pooled values into the two groups (counting pairs x > y, ties 1/2), and the
normal approximation written out from its textbook formula (tie-corrected
variance, continuity correction 1/2).  Standard library only."""
import itertools
import math


def u_pairs(a, b):
    return sum(1.0 if x > y else 0.5 if x == y else 0.0 for x in a for y in b)


def permutation_p(a, b):
    """Two-sided p of U over all C(n, na) splits of the pooled values."""
    pooled = a + b
    u = u_pairs(a, b)
    le = ge = total = 0
    for idx in itertools.combinations(range(len(pooled)), len(a)):
        s = set(idx)
        ua = u_pairs([pooled[i] for i in idx], [pooled[i] for i in range(len(pooled)) if i not in s])
        total += 1
        le += ua <= u + 1e-9
        ge += ua >= u - 1e-9
    return min(1.0, 2 * min(le, ge) / total)


def normal_p(a, b):
    na, nb = len(a), len(b)
    n = na + nb
    u = u_pairs(a, b)
    counts = {}
    for v in a + b:
        counts[v] = counts.get(v, 0) + 1
    ties = sum(t ** 3 - t for t in counts.values())
    sigma = math.sqrt(na * nb / 12.0 * ((n + 1) - ties / (n * (n - 1.0))))
    d = max(abs(u - na * nb / 2.0) - 0.5, 0.0)
    return math.erfc(d / sigma / math.sqrt(2))


CASES = {
    "separated 5 vs 5": ([1.1, 2.3, 3.5, 4.2, 5.9], [6.1, 7.4, 8.8, 9.0, 10.5]),
    "overlap 6 vs 7": ([3.1, 4.7, 5.2, 6.8, 7.3, 9.9], [1.2, 2.4, 4.1, 5.5, 6.0, 6.1, 8.4]),
    "shares 8 vs 8": ([0.201, 0.195, 0.210, 0.188, 0.204, 0.199, 0.215, 0.192],
                      [0.231, 0.219, 0.198, 0.240, 0.226, 0.213, 0.236, 0.221]),
    "ties 8 vs 10": ([0, 0, 0, 1.5, 2, 3, 3, 4], [0, 1, 2, 3, 3, 5, 6, 7, 7, 8]),
}

if __name__ == "__main__":
    for name, (a, b) in CASES.items():
        print("%-18s U %5.1f  exact/permutation p %.10f  normal p %.10f"
              % (name, u_pairs(a, b), permutation_p(a, b), normal_p(a, b)))
    # 60 vs 60, no ties: a = 0, 2, 4, ..., b = 1.5, 3.5, ... shifted
    a = [2.0 * i for i in range(60)]
    b = [2.0 * i + 13.5 for i in range(60)]
    print("%-18s U %5.1f  normal p %.10f" % ("shift 60 vs 60", u_pairs(a, b), normal_p(a, b)))
