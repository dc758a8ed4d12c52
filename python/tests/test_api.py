"""The Python API: scenarios, errors, runs, design points, studies, progress and Ctrl-C."""

import _thread
import threading
import time
from pathlib import Path

import pandas as pd
import pytest

import microfolio as mf

SMALL = """
[meta]
name = "small"
[simulation]
horizon_years = 3
paths = 40
seed = 5
[initial_book]
loans = 300
[[segment]]
name = "starter"
annual_pd = 0.06
"""


def test_load_with_values_and_toml(baseline):
    s = mf.load(str(baseline), set={"followup.referral_share": 0.8})
    assert s.name == "baseline"
    assert "referral_share = 0.8" in s.to_toml()
    t = s.with_values({"segment.micro_starter.annual_pd": 0.09, "simulation.paths": 100})
    assert t.paths == 100
    assert s.paths == 10000  # unchanged
    again = mf.loads(t.to_toml())
    assert again.to_toml().replace("inline", "") != ""
    assert again.paths == 100


def test_scenario_error_names_key_value_and_range(baseline):
    with pytest.raises(mf.ScenarioError) as e:
        mf.load(Path(baseline), set={"followup.referral_share": 1.5})
    err = e.value
    assert isinstance(err, ValueError)
    assert err.key == "followup.referral_share"
    assert err.value == "1.5"
    assert "allowed" in str(err) and err.allowed
    with pytest.raises(mf.ScenarioError, match="no_such"):
        mf.loads(SMALL).with_values({"followup.no_such": 1})
    with pytest.raises(mf.ScenarioError, match="cannot read"):
        mf.load("does/not/exist.toml")


def test_run_in_memory():
    r = mf.run(mf.loads(SMALL), paths=30, progress=False)
    assert r.summary["paths"] == 30
    assert len(r.paths) == 30 and list(r.paths["path"]) == list(range(30))
    assert {"year", "label", "metric", "mean", "p05", "p95"} <= set(r.timeseries.columns)
    assert r.metrics.loc["defaults", "mean"] == r.summary["metrics"]["defaults"]["mean"]
    assert mf.run(mf.loads(SMALL), paths=30, progress=False, keep_paths=False).paths is None


def test_evaluate_common_random_numbers():
    s = mf.loads(SMALL)
    design = pd.DataFrame({"segment.starter.annual_pd": [0.04, 0.06, 0.12, 0.06]})
    out = mf.evaluate(s, design, paths_per_point=50, metrics=["defaults", "net_loss"],
                      progress=False)
    assert list(out.columns) == ["segment.starter.annual_pd", "defaults_mean", "defaults_se",
                                 "net_loss_mean", "net_loss_se"]
    assert len(out) == 4
    # Row 1 and row 3 are the same point on the same paths: the same numbers.
    assert out.loc[1, "defaults_mean"] == out.loc[3, "defaults_mean"]
    assert out.loc[0, "defaults_mean"] < out.loc[2, "defaults_mean"]
    # And the same as a run of that scenario with those paths.
    r = mf.run(s.with_values({"segment.starter.annual_pd": 0.06}), paths=50, progress=False)
    assert out.loc[1, "defaults_mean"] == r.summary["metrics"]["defaults"]["mean"]
    assert out.loc[1, "defaults_se"] == r.summary["metrics"]["defaults"]["se"]
    with pytest.raises(mf.ScenarioError, match="design point 0"):
        mf.evaluate(s, pd.DataFrame({"segment.starter.annual_pd": [2.0]}), paths_per_point=5,
                    progress=False)
    with pytest.raises(mf.InputError, match="no_metric"):
        mf.evaluate(s, design, paths_per_point=5, metrics=["no_metric"], progress=False)


def test_studies(referral, tmp_path):
    s = mf.load(referral)
    sw = mf.sweep(s, {"followup.referral_share": [0.2, 0.8]}, paths=20, progress=False,
                  metrics=["followup_loans"])
    assert len(sw) == 2 and "followup.referral_share" in sw.columns
    cmp = mf.compare(s, {"refer_more": {"followup.referral_share": 0.8}}, paths=20,
                     progress=False, folder=tmp_path / "cmp")
    assert (tmp_path / "cmp" / "report.html").exists()
    assert len(cmp) > 0
    tor = mf.tornado(s, paths=10, progress=False, metrics=["net_loss"])
    assert len(tor) > 0
    with pytest.raises(mf.InputError):
        mf.sweep(s, {"followup.referral_share": [0.5]}, paths=5, progress=False)


def test_metrics_registry():
    m = mf.metrics()
    assert "net_loss" in m.index and m.loc["net_loss", "unit"] == "money"
    assert "book" in mf.metrics("yearly").index


def test_ctrl_c_stops_a_run_quickly(baseline):
    s = mf.load(baseline).with_run_size(paths=200_000)
    timer = threading.Timer(1.0, _thread.interrupt_main)
    timer.start()
    started = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        mf.run(s, progress=False, keep_paths=False)
    assert time.monotonic() - started < 5.0
    timer.cancel()


def test_progress_bar_without_tqdm_or_with_it(capsys):
    # Works whether or not tqdm is installed.
    r = mf.run(mf.loads(SMALL), paths=10, progress=True)
    assert r.summary["paths"] == 10
