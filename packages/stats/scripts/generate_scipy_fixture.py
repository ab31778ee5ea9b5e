#!/usr/bin/env python3
"""Independent reference values for @assay/stats, computed with SciPy.

Writes test/fixtures/scipy-reference.json, which the vitest suite compares against (CI never needs
SciPy). Everything here is computed without the TypeScript code: Welch tests through
scipy.stats.ttest_ind_from_stats, tail probabilities through scipy's t/norm/chi2 survival functions,
arm variances in exact rational arithmetic, quantiles polished by Newton steps on scipy's t.sf
(scipy 1.10's t.isf is only good to ~1e-9), Bayesian risk through scipy.stats.truncnorm, SRM through
scipy.stats.chisquare. The sequential boundary and power formulas are written out from the papers /
GrowthBook docs, evaluated with scipy's normal distribution.

Usage (Debian: apt-get install python3-scipy):
    /usr/bin/python3 scripts/generate_scipy_fixture.py [--seed 20261121] [--out test/fixtures/scipy-reference.json]
    npx biome format --write test/fixtures   # the repository keeps JSON in biome's layout
"""
import argparse
import json
import math
import os
import random
from fractions import Fraction

import numpy as np
import scipy
from scipy import stats

INF = "Infinity"
NINF = "-Infinity"


def enc(x):
    """JSON-safe float: infinities as strings (JSON has no literal for them)."""
    x = float(x)
    if math.isinf(x):
        return INF if x > 0 else NINF
    if math.isnan(x):
        raise ValueError("NaN in reference")
    return x


def log_uniform_int(rng, lo, hi):
    return int(round(math.exp(rng.uniform(math.log(lo), math.log(hi)))))


def exact_moments(n, s, ss, kind):
    """Mean and per-unit variance in exact arithmetic from the float inputs."""
    n_, s_, ss_ = Fraction(n), Fraction(s), Fraction(ss)
    mean = s_ / n_
    if kind == "proportion":
        var = mean * (1 - mean)
    else:
        var = (ss_ - s_ * s_ / n_) / (n_ - 1)
    return float(mean), float(var)


def t_upper_quantile(p, df):
    """The q with P(T > q) = p, polished with Newton steps on scipy's accurate survival function."""
    q = stats.t.isf(p, df)
    for _ in range(4):
        f = stats.t.sf(q, df) - p
        d = stats.t.pdf(q, df)
        if d == 0:
            break
        step = f / d
        q += step
        if abs(step) <= 1e-16 * abs(q):
            break
    return float(q)


def norm_upper_quantile(p):
    return float(stats.norm.isf(p))


def seq_rho2(alpha, tuning, one_sided):
    a = 2 * alpha if one_sided else alpha
    return (-2 * math.log(a) + math.log(-2 * math.log(a) + 1)) / tuning


def seq_multiplier(n, alpha, tuning, one_sided):
    r2 = seq_rho2(alpha, tuning, one_sided)
    if one_sided:
        # Waudby-Smith et al. eq. 134: sqrt(2 (N rho^2 + 1) / (N rho)^2 * log(1 + sqrt(N rho^2 + 1) / (2 alpha))) * sqrt(N)
        return math.sqrt(n) * math.sqrt(2 * (n * r2 + 1) / (n * n * r2) * math.log(1 + math.sqrt(n * r2 + 1) / (2 * alpha)))
    # eq. 9
    return math.sqrt(n) * math.sqrt(2 * (n * r2 + 1) / (n * n * r2) * math.log(math.sqrt(n * r2 + 1) / alpha))


def seq_pvalue(z, n, alpha, tuning, one_sided):
    r2 = seq_rho2(alpha, tuning, one_sided)
    c = n * r2 + 1
    x = z * z * n * r2 / (2 * c)
    if not one_sided:
        # eq. 155: p = 1 / e with e = exp(rho^2 st2 / (2 (N rho^2 + 1))) / sqrt(N rho^2 + 1)
        return min(1.0, math.exp(0.5 * math.log(c) - x))
    if z <= 0:
        return 1.0
    # root in alpha of: estimate = one-sided half-width(alpha), rho fixed
    return min(1.0, math.exp(0.5 * math.log(c) - math.log(2) - x - math.log(-math.expm1(-x))))


def make_arm(rng, n, kind, mean, sd):
    if kind == "proportion":
        s = float(min(n, max(0, round(n * mean))))
        return {"n": n, "sum": s}
    s = mean * n
    ss = (n - 1) * sd * sd + s * s / n
    return {"n": n, "sum": s, "sumSquares": ss}


def compare_case(rng, i):
    kind = rng.choice(["mean", "mean", "proportion"])
    n_a = log_uniform_int(rng, 20, 1e8)
    n_b = n_a if rng.random() < 0.3 else log_uniform_int(rng, 20, 1e8)
    scale = rng.choice(["relative", "absolute"])
    sides = rng.choice(["two", "two", "greater", "less"])
    alpha = rng.choice([0.05, 0.05, 0.1, 0.01, 0.001, 1e-6, 1e-12])
    sequential = rng.random() < 0.3
    tuning = rng.choice([1000, 5000, 10000, 1e6]) if sequential else None
    # Aim at a z statistic: mostly moderate, some far in the tail (p down to 1e-300 and beyond).
    r = rng.random()
    if r < 0.6:
        z_target = rng.uniform(-6, 6)
    elif r < 0.9:
        z_target = rng.choice([-1, 1]) * rng.uniform(6, 37)
    else:
        z_target = rng.choice([-1, 1]) * rng.uniform(37, 60)
    if kind == "proportion":
        p_a = rng.uniform(0.005, 0.995)
        se = math.sqrt(p_a * (1 - p_a) / n_a + p_a * (1 - p_a) / n_b)
        p_b = min(max(p_a + z_target * se, 0.001), 0.999)
        a = make_arm(rng, n_a, kind, p_a, 0)
        b = make_arm(rng, n_b, kind, p_b, 0)
        if a["sum"] in (0, n_a) or b["sum"] in (0, n_b):
            return None
    else:
        m_a = rng.choice([-1, 1]) * math.exp(rng.uniform(math.log(0.1), math.log(1000)))
        sd_a = abs(m_a) * math.exp(rng.uniform(math.log(0.1), math.log(30)))
        sd_b = sd_a * math.exp(rng.uniform(-1, 1))
        se = math.sqrt(sd_a**2 / n_a + sd_b**2 / n_b)
        m_b = m_a + z_target * se
        a = make_arm(rng, n_a, kind, m_a, sd_a)
        b = make_arm(rng, n_b, kind, m_b, sd_b)

    mean_a, var_a = exact_moments(a["n"], a["sum"], a.get("sumSquares", 0), kind)
    mean_b, var_b = exact_moments(b["n"], b["sum"], b.get("sumSquares", 0), kind)
    if var_a <= 0 or var_b <= 0 or mean_a == 0:
        return None

    # Welch statistics straight from scipy (absolute effect): statistic and p-value.
    alternative = {"two": "two-sided", "greater": "greater", "less": "less"}[sides]
    welch = stats.ttest_ind_from_stats(
        mean_b, math.sqrt(var_b), n_b, mean_a, math.sqrt(var_a), n_a, equal_var=False, alternative=alternative
    )
    ua, ub = var_a / n_a, var_b / n_b
    df = (ua + ub) ** 2 / (ua * ua / (n_a - 1) + ub * ub / (n_b - 1))
    if scale == "absolute":
        est = mean_b - mean_a
        se = math.sqrt(ua + ub)
    else:
        est = (mean_b - mean_a) / abs(mean_a)
        se = math.sqrt(var_b / (n_b * mean_a**2) + var_a * mean_b**2 / (n_a * mean_a**4))
    t = est / se
    if sequential:
        n = n_a + n_b
        one = sides != "two"
        directed = -t if sides == "less" else t
        p = seq_pvalue(directed, n, alpha, tuning, one)
        mult = seq_multiplier(n, alpha, tuning, one)
    else:
        if scale == "absolute":
            p = float(welch.pvalue)
        elif sides == "two":
            p = float(2 * stats.t.sf(abs(t), df))
        elif sides == "greater":
            p = float(stats.t.sf(t, df))
        else:
            p = float(stats.t.cdf(t, df))
        mult = t_upper_quantile(alpha / 2 if sides == "two" else alpha, df)
    hw = mult * se
    lo, hi = est - hw, est + hw
    if sides == "greater":
        hi = math.inf
    if sides == "less":
        lo = -math.inf
    options = {"type": kind, "scale": scale, "alpha": alpha, "sides": sides}
    if sequential:
        options["sequential"] = {"tuning": tuning}
    return {
        "control": a,
        "treatment": b,
        "options": options,
        "expected": {
            "estimate": enc(est),
            "standardError": enc(se),
            "df": enc(df),
            "statistic": enc(t),
            "pValue": enc(p),
            "ci": [enc(lo), enc(hi)],
            "welchStatistic": enc(welch.statistic),
        },
    }


def bayes_case(rng):
    kind = rng.choice(["mean", "proportion"])
    n_a = log_uniform_int(rng, 20, 1e7)
    n_b = log_uniform_int(rng, 20, 1e7)
    scale = rng.choice(["relative", "absolute"])
    alpha = rng.choice([0.05, 0.1, 0.01])
    z_target = rng.uniform(-8, 8)
    if kind == "proportion":
        p_a = rng.uniform(0.01, 0.99)
        se = math.sqrt(p_a * (1 - p_a) * (1 / n_a + 1 / n_b))
        p_b = min(max(p_a + z_target * se, 0.001), 0.999)
        a, b = make_arm(rng, n_a, kind, p_a, 0), make_arm(rng, n_b, kind, p_b, 0)
        if a["sum"] in (0, n_a) or b["sum"] in (0, n_b):
            return None
    else:
        m_a = rng.choice([-1, 1]) * math.exp(rng.uniform(math.log(0.1), math.log(1000)))
        sd = abs(m_a) * math.exp(rng.uniform(math.log(0.1), math.log(10)))
        se = sd * math.sqrt(1 / n_a + 1 / n_b)
        a, b = make_arm(rng, n_a, kind, m_a, sd), make_arm(rng, n_b, kind, m_a + z_target * se, sd)
    mean_a, var_a = exact_moments(a["n"], a["sum"], a.get("sumSquares", 0), kind)
    mean_b, var_b = exact_moments(b["n"], b["sum"], b.get("sumSquares", 0), kind)
    if scale == "absolute":
        est, se = mean_b - mean_a, math.sqrt(var_a / n_a + var_b / n_b)
    else:
        est = (mean_b - mean_a) / abs(mean_a)
        se = math.sqrt(var_b / (n_b * mean_a**2) + var_a * mean_b**2 / (n_a * mean_a**4))
    options = {"type": kind, "scale": scale, "alpha": alpha}
    mu, sigma = est, se
    if rng.random() < 0.5:
        prior = {"mean": rng.uniform(-0.2, 0.2), "variance": rng.choice([0.09, 0.01, 0.0025, 1.0])}
        options["prior"] = prior
        f = abs(mean_a) if scale == "absolute" else 1.0
        pm, pv = prior["mean"] * f, prior["variance"] * f * f
        prec = 1 / se**2 + 1 / pv
        mu = (est / se**2 + pm / pv) / prec
        sigma = math.sqrt(1 / prec)
    post = stats.norm(loc=mu, scale=sigma)
    p_pos = float(post.sf(0))
    a_std = (0 - mu) / sigma
    # Expected loss via the truncated normal mean: P(X > 0) E[X | X > 0] and P(X < 0) E[-X | X < 0].
    risk_control = p_pos * float(stats.truncnorm.mean(a_std, np.inf, loc=mu, scale=sigma)) if p_pos > 0 else 0.0
    p_neg = float(post.cdf(0))
    risk_treatment = -p_neg * float(stats.truncnorm.mean(-np.inf, a_std, loc=mu, scale=sigma)) if p_neg > 0 else 0.0
    return {
        "control": a,
        "treatment": b,
        "options": options,
        "expected": {
            "estimate": mu,
            "standardError": sigma,
            "ci": [float(post.ppf(alpha / 2)), float(post.isf(alpha / 2))],
            "chanceToWin": p_pos,
            "risk": [risk_control, risk_treatment],
        },
    }


def srm_case(rng):
    k = rng.choice([2, 2, 3, 4, 5])
    weights = [rng.choice([1, 1, 1, 2, 3, 0.5]) for _ in range(k)]
    if rng.random() < 0.2:
        weights[rng.randrange(k)] = 0
    total = log_uniform_int(rng, 10, 1e8)
    wsum = sum(weights)
    counts = []
    distort = rng.choice([0, 0, 0.001, 0.01, 0.05, 0.3])
    for w in weights:
        share = w / wsum * (1 + rng.uniform(-distort, distort))
        counts.append(int(round(total * share)))
    idx = [i for i in range(k) if weights[i] > 0]
    obs = [counts[i] for i in idx]
    if len(idx) < 2 or sum(obs) == 0:
        return None
    ws = sum(weights[i] for i in idx)
    exp = [weights[i] / ws * sum(obs) for i in idx]
    res = stats.chisquare(obs, exp)
    return {"counts": counts, "weights": weights, "expected": {"pValue": float(res.pvalue), "chiSquare": float(res.statistic)}}


def adjust_case(rng):
    m = rng.randint(1, 30)
    ps = [rng.choice([rng.random(), rng.random() ** 4, 10 ** rng.uniform(-12, 0)]) for _ in range(m)]
    if m > 3 and rng.random() < 0.3:
        ps[1] = ps[0]  # ties
    order = sorted(range(m), key=lambda i: ps[i])
    holm = [0.0] * m
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, ps[i] * (m - rank)))
        holm[i] = running
    bh = [0.0] * m
    running = 1.0
    for pos in range(m - 1, -1, -1):  # from the largest p down
        i = order[pos]
        running = min(running, min(1.0, ps[i] * m / (pos + 1)))
        bh[i] = running
    return {"pValues": ps, "expected": {"bonferroni": [min(1.0, p * m) for p in ps], "holm": holm, "bh": bh}}


def power_case(rng):
    kind = rng.choice(["mean", "proportion"])
    scale = rng.choice(["relative", "absolute"])
    sides = rng.choice(["two", "greater", "less"])
    alpha = rng.choice([0.05, 0.1, 0.01])
    variants = rng.choice([2, 2, 3, 4])
    sequential = rng.random() < 0.4
    tuning = rng.choice([1000, 5000, 20000]) if sequential else None
    if kind == "proportion":
        mean = rng.uniform(0.02, 0.6)
        sd = math.sqrt(mean * (1 - mean))
    else:
        mean = rng.choice([-1, 1]) * math.exp(rng.uniform(math.log(0.5), math.log(500)))
        sd = abs(mean) * math.exp(rng.uniform(math.log(0.2), math.log(20)))
    rel = rng.uniform(0.005, 0.2) * (-1 if sides == "less" else 1)
    effect = rel if scale == "relative" else rel * abs(mean)
    total = log_uniform_int(rng, 200, 5e7)
    per_arm = total / variants
    m_b = mean * (1 + effect) if scale == "relative" else mean + effect
    var_a = sd * sd
    var_b = m_b * (1 - m_b) if kind == "proportion" else var_a
    if scale == "absolute":
        se = math.sqrt((var_a + var_b) / per_arm)
    else:
        se = math.sqrt(var_b / (per_arm * mean**2) + var_a * m_b**2 / (per_arm * mean**4))
    z = norm_upper_quantile(alpha / 2 if sides == "two" else alpha)
    if sequential:
        se *= seq_multiplier(2 * per_arm, alpha, tuning, sides != "two") / z
    shift = effect / se
    if sides == "greater":
        pw = stats.norm.cdf(shift - z)
    elif sides == "less":
        pw = stats.norm.cdf(-shift - z)
    else:
        pw = stats.norm.cdf(shift - z) + stats.norm.cdf(-shift - z)
    options = {"type": kind, "mean": mean, "scale": scale, "alpha": alpha, "sides": sides, "variants": variants}
    if kind == "mean":
        options["standardDeviation"] = sd
    if sequential:
        options["sequential"] = {"tuning": tuning}
    return {"options": options, "effect": effect, "sampleSize": total, "expected": {"power": float(pw)}}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seed", type=int, default=20261121)
    here = os.path.dirname(os.path.abspath(__file__))
    parser.add_argument("--out", default=os.path.join(here, "..", "test", "fixtures", "scipy-reference.json"))
    args = parser.parse_args()
    rng = random.Random(args.seed)

    def collect(make, count):
        out = []
        while len(out) < count:
            case = make(rng)
            if case is not None:
                out.append(case)
        return out

    data = {
        "generator": "scripts/generate_scipy_fixture.py",
        "seed": args.seed,
        "scipy": scipy.__version__,
        "compare": collect(lambda r: compare_case(r, 0), 800),
        "bayes": collect(bayes_case, 200),
        "srm": collect(srm_case, 200),
        "adjust": collect(adjust_case, 60),
        "power": collect(power_case, 200),
    }
    with open(args.out, "w") as f:
        json.dump(data, f, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {args.out}: " + ", ".join(f"{k} {len(v)}" for k, v in data.items() if isinstance(v, list)))


if __name__ == "__main__":
    main()
