"""The Python API: scenarios, errors, runs, design points, studies, progress and Ctrl-C."""

import _thread
import json
import threading
import time
import warnings
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
    # A scenario loaded with changes is a variant of its own, named and described by them.
    assert s.name == "baseline-referral_share-0.8"
    assert 'description = "baseline, with followup.referral_share = 0.8"' in s.to_toml()
    assert "referral_share = 0.8" in s.to_toml()
    assert mf.load(baseline).with_values({"followup.referral_share": 0.8}).name == "baseline"
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
    # In the library's words, not the command line's.
    assert "set by an override" in str(err) and "command line" not in str(err)
    with pytest.raises(mf.ScenarioError, match="no_such"):
        mf.loads(SMALL).with_values({"followup.no_such": 1})
    with pytest.raises(FileNotFoundError) as missing:
        mf.load("does/not/exist.toml")
    assert missing.value.filename == "does/not/exist.toml"


def test_run_in_memory():
    r = mf.run(mf.loads(SMALL), paths=30, progress=False)
    assert r.summary["paths"] == 30
    assert len(r.paths) == 30 and list(r.paths["path"]) == list(range(30))
    assert {"year", "label", "metric", "mean", "p05", "p95"} <= set(r.timeseries.columns)
    assert r.metrics.loc["defaults", "mean"] == r.summary["metrics"]["defaults"]["mean"]
    assert mf.run(mf.loads(SMALL), paths=30, progress=False, keep_paths=False).paths is None


def test_run_to_a_target_standard_error(tmp_path):
    s = mf.loads(SMALL)
    # The known answers: the standard errors of the plain runs of the batches 256 and 512.
    se = {n: mf.run(s, paths=n, progress=False).summary["metrics"]["net_loss"]["se"]
          for n in (256, 512)}
    target = (se[256] * se[512]) ** 0.5
    r = mf.run(s, paths=2000, progress=False, target_se=f"net_loss={target!r}")
    assert r.summary["target_se"] == {"metric": "net_loss", "target": target, "reached": True,
                                      "se": se[512], "paths": 512, "limit": 2000, "batches": 2}
    # The plain run of the paths it stopped at, path for path.
    plain = mf.run(s, paths=512, progress=False)
    assert r.summary["metrics"] == plain.summary["metrics"]
    assert r.paths.equals(plain.paths)
    # Its folder is the command line's, with the record.
    folder = r.write(tmp_path / "t", progress=False)
    written = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    assert written["target_se"] == r.summary["target_se"]
    assert written["metrics"] == plain.summary["metrics"]
    with pytest.raises(mf.InputError, match="unknown metric `nett_loss`"):
        mf.run(s, paths=300, progress=False, target_se="nett_loss=5")
    with pytest.raises(mf.InputError, match="not a positive number"):
        mf.run(s, paths=300, progress=False, target_se="net_loss=0")


def test_rqmc_studies_run_and_say_which_sampling_made_their_numbers(root):
    s = mf.loads(SMALL).with_values({"simulation.sampling": "rqmc",
                                     "simulation.rqmc_randomisations": 4})
    table = mf.compare(s, {"more": {"segment.starter.annual_pd": 0.09}}, paths=16,
                       progress=False)
    assert table.attrs["sampling"]["method"] == "rqmc"
    assert table.attrs["sampling"]["randomisations"] == 4
    assert "randomisations" in table.attrs["sampling"]["paired_se"]
    row = table[(table["variant"] == "more") & (table["metric"] == "defaults")].iloc[0]
    assert row["se"] > 0
    design = pd.DataFrame({"segment.starter.annual_pd": [0.04, 0.06]})
    out = mf.evaluate(s, design, paths_per_point=8, progress=False)
    assert out.attrs["sampling"]["method"] == "rqmc"
    assert (out["defaults_se"] > 0).all()
    plain = mf.evaluate(mf.loads(SMALL), design, paths_per_point=8, progress=False)
    assert plain.attrs["sampling"]["method"] == "plain"
    assert mf.compare(mf.loads(SMALL), {"more": {"segment.starter.annual_pd": 0.06}}, paths=8,
                      progress=False).attrs["sampling"]["method"] == "plain"
    # With parameter uncertainty too: each draw's paths on the points of its seed.
    u = mf.load(root / "scenarios" / "uncertainty.toml").with_values(
        {"simulation.sampling": "rqmc", "simulation.rqmc_randomisations": 2,
         "simulation.horizon_years": 2})
    drawn = mf.compare(u, {"more": {"bmkb.graduate_share": 0.9}}, uncertain=True,
                       draws=3, paths_per_draw=4, progress=False)
    assert drawn.attrs["sampling"]["method"] == "rqmc"
    assert "draws" in drawn.attrs


def test_tail_sampling_weights_every_path_and_is_refused_by_evaluate():
    s = mf.loads(SMALL).with_values({"simulation.sampling": "tail",
                                     "simulation.tail_pilot_paths": 100})
    r = mf.run(s, paths=60, progress=False)
    assert r.summary["sampling"]["method"] == "tail"
    # paths.csv's weight column: the likelihood ratios, at most 5 (the defensive mixture),
    # whose regression estimate of P(capital depleted) is the summary's.
    w = r.paths["weight"]
    assert (w > 0).all() and (w <= 5).all() and (w != 1).any()
    assert abs(r.summary["sampling"]["effective_sample_size"]
               - w.sum() ** 2 / (w ** 2).sum()) < 1e-6
    with pytest.raises(mf.InputError, match="evaluate does not take it"):
        mf.evaluate(s, pd.DataFrame({"segment.starter.annual_pd": [0.04]}),
                    paths_per_point=8, progress=False)
    # A comparison takes it: every variant at the base's one fit, its table weighted, and
    # attrs["sampling"] says so, with the fit and the effective sample size.
    c = mf.compare(s, {"more": {"segment.starter.annual_pd": 0.06}}, paths=40, progress=False)
    assert c.attrs["sampling"]["method"] == "tail"
    assert c.attrs["sampling"]["tail"]["metric"] == "min_capital"
    assert 1 < c.attrs["sampling"]["effective_sample_size"] <= 40


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
    # The metrics asked for, in their order (compare.csv itself has every metric).
    assert list(cmp["metric"].unique()) == list(mf.metrics().index)
    asked = mf.compare(s, {"refer_more": {"followup.referral_share": 0.8}}, paths=20,
                       progress=False, metrics=["net_loss", "followup_loans"])
    assert list(asked["metric"]) == ["net_loss", "followup_loans"] * 2
    with pytest.warns(UserWarning, match="paths=10: .* or more would do"):
        tor = mf.tornado(s, paths=10, progress=False, metrics=["net_loss"])
    assert len(tor) > 0
    with pytest.raises(mf.InputError):
        mf.sweep(s, {"followup.referral_share": [0.5]}, paths=5, progress=False)


def test_run_with_parameter_uncertainty(root):
    s = mf.load(root / "scenarios" / "uncertainty.toml")
    r = mf.run(s, paths=20, uncertain=True, progress=False)
    drawn = [c for c in r.paths.columns if c.startswith("uncertain.")]
    assert len(drawn) == len(r.summary["uncertain"]) > 0
    plain = mf.run(s, paths=20, progress=False)
    assert not any(c.startswith("uncertain.") for c in plain.paths.columns)
    assert (r.paths["net_loss"] != plain.paths["net_loss"]).any()
    # The paired point-value run is the plain run of the same paths, number for number.
    assert r.summary["point_values"]["metrics"] == plain.summary["metrics"]
    assert r.summary["point_values"]["probabilities"] == plain.summary["probabilities"]
    assert "point_values" not in plain.summary


def test_compare_and_sweep_with_parameter_uncertainty(root):
    s = mf.load(root / "scenarios" / "uncertainty.toml")
    refer = {"refer_more": {"followup.referral_share": 0.8}}
    with pytest.warns(UserWarning):  # 3 draws of 4 paths: a warning, not a refusal
        cmp = mf.compare(s, refer, uncertain=True, draws=3, paths_per_draw=4, progress=False)
    assert {"draws", "p_better_draws", "param_share"} <= set(cmp.columns)
    draws = cmp.attrs["draws"]
    assert len(draws) == 3 * 2 and "variant" in draws.columns
    with pytest.warns(UserWarning):
        sw = mf.sweep(s, {"followup.referral_share": [0.2, 0.8]}, uncertain=True, draws=2,
                      paths_per_draw=3, progress=False)
    assert "p_better_draws" in sw.columns and len(sw.attrs["draws"]) == 2 * 2
    with pytest.raises(ValueError, match="uncertain=True"):
        mf.compare(s, refer, draws=3, progress=False)
    with pytest.raises(ValueError, match="paths=20"):
        mf.compare(s, refer, uncertain=True, paths=20, progress=False)


def test_compare_with_a_value_of_information(root):
    # The referral share is the policy: set, so no longer drawn.
    s = mf.load(root / "scenarios" / "uncertainty.toml", set={"followup.referral_share": 0.5})
    refer = {"refer_more": {"followup.referral_share": 0.8}}
    with pytest.warns(UserWarning):  # 2 paths per draw: a warning, not a refusal
        cmp = mf.compare(s, refer, uncertain=True, draws=20, paths_per_draw=2,
                         voi="state_cost_total_pv", progress=False)
    voi = cmp.attrs["voi"]
    assert list(voi.columns) == ["parameter", "evppi", "low", "high"]
    names = [c[len("uncertain."):] for c in cmp.attrs["draws"].columns
             if c.startswith("uncertain.")]
    assert list(voi["parameter"])[:len(names)] == names and "followup" in set(voi["parameter"])
    summary = cmp.attrs["voi_summary"]
    assert summary["outcome"] == "state_cost_total_pv"
    assert summary["chosen"] in {"refer_more", s.name}
    direct = summary["evpi_direct"]
    assert direct["low"] <= direct["value"] <= direct["high"]
    with pytest.raises(mf.InputError, match="uncertain=True"):
        mf.compare(s, refer, voi="state_cost_total_pv", progress=False)
    with pytest.raises(mf.InputError, match="no direction"):
        mf.compare(s, refer, uncertain=True, draws=20, voi="loans_granted", progress=False)


def test_a_calibrated_scenario_draws_whole_kept_sets(tmp_path):
    # A scenario as `microfolio calibrate` writes it: its [[uncertain]] parameters drawn
    # jointly from the sets of a CSV file beside it (each path one whole set).
    (tmp_path / "kept.csv").write_text("set,pd,cost\n0,0.03,0.8\n1,0.09,1.4\n")
    (tmp_path / "calibrated.toml").write_text('uncertain_sets = "kept.csv"\n' + SMALL + """
[[uncertain]]
name = "pd"
keys = ["segment.starter.annual_pd"]
dist = "uniform"
low = 0.02
high = 0.1
[[uncertain]]
name = "cost"
keys = ["costs.fixed_per_year"]
how = "scale"
dist = "uniform"
low = 0.5
high = 1.5
""")
    s = mf.load(tmp_path / "calibrated.toml")
    r = mf.run(s, paths=30, uncertain=True, progress=False)
    drawn = set(zip(r.paths["uncertain.pd"], r.paths["uncertain.cost"]))
    assert drawn == {(0.03, 0.8), (0.09, 1.4)}
    with pytest.raises(mf.InputError, match="independent inputs"):
        mf.sobol(s, samples=4, paths_per_point=2, progress=False)


def test_sobol_and_morris_return_their_tables(root, tmp_path):
    s = mf.load(root / "scenarios" / "uncertainty.toml")
    with pytest.warns(UserWarning, match="samples=4: "):
        si = mf.sobol(s, samples=4, paths_per_point=2, bootstrap=20, metrics=["cost_to_state"],
                      progress=False, folder=tmp_path / "sobol")
    assert {"metric", "parameter", "S1", "ST", "S1_low", "ST_high"} <= set(si.columns)
    assert si["parameter"].iloc[-1] == "dummy"
    assert (si["S1_low"] <= si["S1"]).all() and (si["S1"] <= si["S1_high"]).all()
    assert (tmp_path / "sobol" / "design.csv").exists()
    with pytest.warns(UserWarning, match="trajectories=2: "):
        mo = mf.morris(s, trajectories=2, paths_per_point=2, bootstrap=20,
                       metrics=["cost_to_state", "defaults"], progress=False)
    assert {"mu", "mu_star", "sigma"} <= set(mo.columns)
    assert set(mo["metric"]) == {"cost_to_state", "defaults"}


def test_a_notebook_keeps_nothing_of_the_progress_bar():
    from microfolio import _NotebookBar

    shown = []

    class Handle:
        def update(self, bundle, raw):
            shown.append(bundle["text/plain"])

    def display(bundle, raw, display_id):
        assert raw and display_id
        shown.append(bundle["text/plain"])
        return Handle()

    bar = _NotebookBar("small", display)
    bar.update(0, 0)  # the size not known yet: nothing shown
    bar.update(500, 2000)
    bar.update(2000, 2000)
    bar.close()
    assert shown[:2] == ["small: 25% (500 of 2,000 paths)", "small: 100% (2,000 of 2,000 paths)"]
    assert shown[-1] == ""  # what a saved notebook keeps of it


def test_metrics_registry():
    m = mf.metrics()
    assert "net_loss" in m.index and m.loc["net_loss", "unit"] == "money"
    assert "book" in mf.metrics("yearly").index


@pytest.fixture
def ctrl_c_handled():
    """Ctrl-C as an interactive Python has it. A process started in the background by a
    non-interactive shell (`cmd &`, as some CI runners start their jobs) inherits SIGINT
    ignored, Python then installs no handler, and neither a real nor a simulated Ctrl-C does
    anything: the tests would measure how they were started, not the package."""
    import signal

    before = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, before)


def test_ctrl_c_stops_a_run_quickly(baseline, ctrl_c_handled):
    s = mf.load(baseline).with_run_size(paths=200_000)
    sent = []

    def ctrl_c():
        sent.append(time.monotonic())
        _thread.interrupt_main()

    timer = threading.Timer(1.0, ctrl_c)
    timer.start()
    with pytest.raises(KeyboardInterrupt):
        mf.run(s, progress=False, keep_paths=False)
    stopped = time.monotonic()
    timer.cancel()
    assert sent, "the run ended before Ctrl-C"
    # Within a second (0.05 s here when the machine is quiet; margin for a busy CI machine).
    assert stopped - sent[0] < 1.5


def test_progress_bar_with_tqdm(capsys):
    pytest.importorskip("tqdm")
    r = mf.run(mf.loads(SMALL), paths=10, progress=True)
    assert r.summary["paths"] == 10
    assert "small:" in capsys.readouterr().err  # the bar, on stderr as tqdm writes it


def test_no_progress_bar_without_tqdm(monkeypatch, capsys):
    import sys

    monkeypatch.setitem(sys.modules, "tqdm.auto", None)  # `from tqdm.auto import tqdm` fails
    r = mf.run(mf.loads(SMALL), paths=10, progress=True)
    assert r.summary["paths"] == 10
    assert capsys.readouterr().err == ""


def test_no_progress_bar_when_asked(capsys):
    mf.run(mf.loads(SMALL), paths=10, progress=False)
    assert capsys.readouterr().err == ""


def test_the_gil_is_released_while_simulating(baseline):
    s = mf.load(baseline).with_run_size(paths=300)
    ticks = []
    stop = threading.Event()

    def count():
        while not stop.is_set():
            ticks.append(1)
            time.sleep(0.001)

    counter = threading.Thread(target=count)
    counter.start()
    try:
        started = time.monotonic()
        mf.run(s, progress=False, keep_paths=False, threads=1)
        elapsed = time.monotonic() - started
    finally:
        stop.set()
        counter.join()
    # A thread that needs the GIL kept running: at a tick a millisecond it would tick about
    # 1000 times a second; were the GIL held while simulating it would hardly tick at all.
    assert elapsed > 0.1
    assert len(ticks) > 100 * elapsed, (len(ticks), elapsed)


def test_write_refuses_a_folder_that_is_not_a_result_folder(tmp_path):
    r = mf.run(mf.loads(SMALL), paths=5, progress=False)
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(mf.InputError, match="not an earlier microfolio result folder"):
        r.write(tmp_path, progress=False)
    assert (tmp_path / "notes.txt").read_text() == "mine"
    again = r.write(tmp_path / "run", progress=False)
    assert (again / "report.html").exists()
    r.write(again, progress=False)  # an earlier result folder is replaced


def test_an_earlier_result_that_cannot_be_removed_is_a_warning(tmp_path, monkeypatch):
    r = mf.run(mf.loads(SMALL), paths=5, progress=False)
    first = r.write(tmp_path / "run", progress=False)
    # The library's own fault injection: the earlier result, set aside, cannot be removed.
    monkeypatch.setenv("MICROFOLIO_TEST_COMMIT", "unremovable")
    with pytest.warns(UserWarning, match="could not be removed .* remove it yourself"):
        again = r.write(first, progress=False)
    assert (again / "report.html").exists()
    monkeypatch.delenv("MICROFOLIO_TEST_COMMIT")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r.write(again, progress=False)  # said once, and only when it happens


def test_sigint_stops_a_run_in_a_child_process(baseline):
    """A real Ctrl-C (SIGINT) to a Python process that is running a long simulation."""
    import signal
    import subprocess
    import sys

    code = (
        # As an interactive Python has it, however this test was started (see ctrl_c_handled).
        "import signal; signal.signal(signal.SIGINT, signal.default_int_handler)\n"
        "import sys, microfolio as mf\n"
        f"s = mf.load({str(baseline)!r}).with_run_size(paths=200_000)\n"
        "print('started', flush=True)\n"
        "try:\n"
        "    mf.run(s, progress=False, keep_paths=False)\n"
        "except KeyboardInterrupt:\n"
        "    print('interrupted', flush=True)\n"
        "    sys.exit(130)\n"
    )
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert child.stdout.readline().strip() == "started"
    time.sleep(1.0)
    child.send_signal(signal.SIGINT)
    sent = time.monotonic()
    try:
        out, _ = child.communicate(timeout=10)
    finally:
        child.kill()
    assert child.returncode == 130 and "interrupted" in out
    assert time.monotonic() - sent < 2.0


def test_whole_number_keys_take_floats_as_samplers_give_them():
    s = mf.loads(SMALL)
    assert "loans = 250\n" in s.with_values({"initial_book.loans": 250.0}).to_toml()
    out = mf.evaluate(s, pd.DataFrame({"initial_book.loans": [250.0, 300.0]}), paths_per_point=5,
                      metrics=["defaults"], progress=False)
    assert len(out) == 2
    with pytest.raises(mf.ScenarioError, match="initial_book.loans"):
        mf.evaluate(s, pd.DataFrame({"initial_book.loans": [250.5]}), paths_per_point=5,
                    progress=False)
