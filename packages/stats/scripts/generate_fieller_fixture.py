"""Reference Fieller intervals for evaluate's guardrail test (test/evaluate-guardrail.test.ts).

Each case gives the control and treatment means, the variances of the means (u = v/n) and a critical
value c; the interval of the ratio r = m_B/m_A is {r : (m_B - r m_A)^2 <= c^2 (u_B + r^2 u_A)}, found
here by bracketing and scipy's brentq on each side of m_B/m_A (no closed form), then written as the
relative effect sign(m_A) (r - 1).

Run: python3 scripts/generate_fieller_fixture.py && npx biome format --write test/fixtures
"""

import json
import pathlib

import numpy as np
from scipy.optimize import brentq

rng = np.random.default_rng(20261202)
cases = []
while len(cases) < 200:
    m_a = float(rng.choice([-1, 1]) * 10 ** rng.uniform(-2, 2))
    m_b = float(m_a * (1 + rng.normal(0, 0.3)))
    u_a = float((abs(m_a) * 10 ** rng.uniform(-3, -0.4)) ** 2)
    u_b = float((abs(m_b) * 10 ** rng.uniform(-3, -0.4)) ** 2 + 1e-12)
    c = float(rng.uniform(1.5, 4.5))
    if m_a * m_a - c * c * u_a <= 0:
        continue

    def f(r):
        return (m_b - r * m_a) ** 2 - c * c * (u_b + r * r * u_a)

    center = m_b / m_a
    step = 1.0
    while f(center - step) < 0:
        step *= 2
    low = brentq(f, center - step, center, xtol=1e-15, rtol=1e-14, maxiter=500)
    step = 1.0
    while f(center + step) < 0:
        step *= 2
    high = brentq(f, center, center + step, xtol=1e-15, rtol=1e-14, maxiter=500)
    sign = -1.0 if m_a < 0 else 1.0
    bounds = sorted([sign * (low - 1), sign * (high - 1)])
    cases.append({"mA": m_a, "mB": m_b, "uA": u_a, "uB": u_b, "c": c, "ci": bounds})

out = pathlib.Path(__file__).resolve().parent.parent / "test" / "fixtures" / "evaluate-fieller.json"
out.write_text(json.dumps({"source": "scripts/generate_fieller_fixture.py (scipy brentq)", "cases": cases}))
print(f"wrote {len(cases)} cases to {out}")
