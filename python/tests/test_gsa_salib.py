"""The global-sensitivity library (src/gsa/) against SALib and scipy: SALib's `sobol.analyze`
and `morris.analyze`, given our design and our outcomes, reproduce our point estimates, and
scipy's unscrambled Sobol' points equal ours (the embedded Joe-Kuo direction numbers).

The example binary `gsa_crosscheck` (examples/gsa_crosscheck.rs) is built by
`cargo test --release` at the repository root; CI names it with MICROFOLIO_GSA_BIN."""

import json
import os
import subprocess
import warnings
from pathlib import Path

import numpy as np
import pytest

# CI installs SALib and names the binary: there, a missing SALib is a failure, not a skip.
if "MICROFOLIO_GSA_BIN" not in os.environ:
    pytest.importorskip("SALib")
from SALib.analyze import morris as salib_morris  # noqa: E402
from SALib.analyze import sobol as salib_sobol  # noqa: E402
from scipy.stats import qmc  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
BINARY = Path(os.environ.get("MICROFOLIO_GSA_BIN", ROOT / "target" / "release" / "examples" / "gsa_crosscheck"))


def crosscheck(*args):
    if not BINARY.exists():
        if "MICROFOLIO_GSA_BIN" in os.environ:
            pytest.fail(f"MICROFOLIO_GSA_BIN={BINARY} does not exist")
        pytest.skip(f"no {BINARY}: run `cargo test --release` at the repository root")
    out = subprocess.run([str(BINARY), *map(str, args)], check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


def problem(ours):
    k = ours["num_vars"]
    p = {"num_vars": k, "names": [f"x{i + 1}" for i in range(k)], "bounds": [[0.0, 1.0]] * k}
    if ours.get("groups"):
        p["groups"] = ours["groups"]
    return p


@pytest.mark.parametrize(
    "function,n,second,labels",
    [
        ("ishigami", 1024, 1, []),
        ("ishigami", 512, 0, []),
        ("g", 256, 1, []),
        ("g", 256, 1, ["a", "b", "a", "c", "c", "d"]),
    ],
)
def test_salib_sobol_reproduces_our_indices(function, n, second, labels):
    ours = crosscheck("sobol", function, n, second, 42, *labels)
    y = np.array(ours["Y"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        si = salib_sobol.analyze(problem(ours), y, calc_second_order=bool(second), num_resamples=10, seed=1)
    np.testing.assert_allclose(si["S1"], ours["S1"], rtol=0, atol=1e-12)
    np.testing.assert_allclose(si["ST"], ours["ST"], rtol=0, atol=1e-12)
    for i, j, s2 in ours["S2"]:
        assert abs(si["S2"][i, j] - s2) < 1e-12
    groups = len(set(labels)) if labels else ours["num_vars"]
    assert len(y) == n * (2 * groups + 2 if second else groups + 2)
    assert ours["roles"][0] == "A" and ours["roles"][1] == "AB_1" and ours["roles"][groups + 1] in ("BA_1", "B")


def test_salib_morris_reproduces_our_effects():
    ours = crosscheck("morris", 4, 30, 7)
    x, y = np.array(ours["X"]), np.array(ours["Y"])
    si = salib_morris.analyze(problem(ours), x, y, num_levels=4, num_resamples=10, seed=1)
    np.testing.assert_allclose(si["mu"], ours["mu"], rtol=0, atol=1e-12)
    np.testing.assert_allclose(si["mu_star"], ours["mu_star"], rtol=0, atol=1e-12)
    np.testing.assert_allclose(si["sigma"], ours["sigma"], rtol=0, atol=1e-12)


def test_unscrambled_points_equal_scipys():
    ours = np.array(crosscheck("sequence", 256, 1024)["points"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = qmc.Sobol(256, scramble=False).random(1024)
    np.testing.assert_array_equal(ours, theirs)
