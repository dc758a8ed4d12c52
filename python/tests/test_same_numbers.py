"""The Python package gives the command line's numbers: one scenario through the `microfolio`
binary and through `microfolio.run` with the same seed, compared exactly."""

import json
import os
import subprocess
from pathlib import Path

import pandas as pd
import pytest

import microfolio as mf

ROOT = Path(__file__).resolve().parents[2]
BINARY = Path(os.environ.get("MICROFOLIO_BIN", ROOT / "target" / "release" / "microfolio"))


@pytest.fixture(scope="module")
def cli_folder(tmp_path_factory):
    if not BINARY.exists():
        if "MICROFOLIO_BIN" in os.environ:  # CI names the binary it built: it must be there
            pytest.fail(f"MICROFOLIO_BIN={BINARY} does not exist")
        pytest.skip(f"no CLI binary at {BINARY}: run `cargo build --release` at the repository root")
    out = tmp_path_factory.mktemp("cli") / "run"
    subprocess.run(
        [str(BINARY), "run", str(ROOT / "scenarios" / "baseline.toml"), "--paths", "150",
         "--seed", "11", "--threads", "2", "--set", "followup.referral_share=0.7",
         "--out", str(out), "--quiet"],
        check=True,
    )
    return out


@pytest.fixture(scope="module")
def py_result():
    # `with_values` changes a value as `--set` does, keeping the name (`load(set=...)` would
    # name the variant after its change, as `microfolio validate --set` does).
    s = mf.load(ROOT / "scenarios" / "baseline.toml").with_values({"followup.referral_share": 0.7})
    return mf.run(s, paths=150, seed=11, threads=1, progress=False)


def test_summary_metrics_equal(cli_folder, py_result):
    cli = json.loads((cli_folder / "summary.json").read_text())
    assert py_result.summary["metrics"] == cli["metrics"]
    assert py_result.summary["probabilities"] == cli["probabilities"]
    for key in ["scenario", "paths", "seed", "horizon_years", "overrides", "engine",
                "loans_simulated"]:
        assert py_result.summary[key] == cli[key], key


def test_paths_csv_equal(cli_folder, py_result):
    cli = pd.read_csv(cli_folder / "paths.csv")
    assert list(py_result.paths.columns) == list(cli.columns)
    pd.testing.assert_frame_equal(py_result.paths, cli, check_exact=True)


def test_timeseries_equal(cli_folder, py_result):
    cli = pd.read_csv(cli_folder / "timeseries.csv")
    pd.testing.assert_frame_equal(py_result.timeseries, cli, check_exact=True)


def test_write_is_the_cli_folder(cli_folder, py_result, tmp_path):
    folder = py_result.write(tmp_path / "out", progress=False)
    assert folder == tmp_path / "out"
    names = sorted(p.name for p in folder.iterdir())
    assert names == sorted(p.name for p in cli_folder.iterdir())
    assert (folder / "paths.csv").read_bytes() == (cli_folder / "paths.csv").read_bytes()
    assert (folder / "timeseries.csv").read_bytes() == (cli_folder / "timeseries.csv").read_bytes()
    assert (folder / "scenario.toml").read_bytes() == (cli_folder / "scenario.toml").read_bytes()
    ours = json.loads((folder / "summary.json").read_text())
    assert ours["metrics"] == json.loads((cli_folder / "summary.json").read_text())["metrics"]
