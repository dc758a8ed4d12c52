"""paths.parquet (`--paths-format parquet`, docs/cluster.md "Which file of paths") as pandas and
pyarrow read it: the same values as paths.csv, exactly, a null where paths.csv has an empty
cell; written by the binary, by a merge of its shards, and by the Python package."""

import os
import subprocess
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

import microfolio as mf

ROOT = Path(__file__).resolve().parents[2]
BINARY = Path(os.environ.get("MICROFOLIO_BIN", ROOT / "target" / "release" / "microfolio"))
SCENARIO = ROOT / "scenarios" / "uncertainty.toml"


def cli(*args):
    subprocess.run([str(BINARY), *map(str, args)], check=True)


def as_doubles(frame):
    """paths.csv as pandas reads it guesses int64 for a column of whole numbers (counts);
    paths.parquet holds every metric as a double."""
    return frame.astype({c: "float64" for c in frame.columns if c != "path"})


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    if not BINARY.exists():
        if "MICROFOLIO_BIN" in os.environ:
            pytest.fail(f"MICROFOLIO_BIN={BINARY} does not exist")
        pytest.skip(f"no CLI binary at {BINARY}")
    d = tmp_path_factory.mktemp("parquet")
    run = ["run", SCENARIO, "--uncertain", "--paths", "120", "--seed", "5", "--quiet"]
    cli(*run, "--out", d / "csv")
    cli(*run, "--paths-format", "parquet", "--out", d / "parquet")
    for i in range(3):
        cli(*run, "--paths-format", "parquet", "--shard", f"{i}/3", "--out", d / "shards")
    cli("merge", d / "shards", "--out", d / "merged", "--quiet")
    return d


def test_pyarrow_reads_the_csvs_values_exactly(folders):
    csv = pd.read_csv(folders / "csv" / "paths.csv")
    table = pq.read_table(folders / "parquet" / "paths.parquet")
    assert table.schema.field("path").type == "int64"
    assert table.num_rows == 120
    frame = table.to_pandas()
    assert list(frame.columns) == list(csv.columns)
    assert any(c.startswith("uncertain.") for c in frame.columns)
    pd.testing.assert_frame_equal(frame, as_doubles(csv), check_exact=True)
    # An empty cell of paths.csv is a null, not a zero.
    nulls = frame.isna().sum()
    assert (nulls == csv.isna().sum()).all()


def test_a_merge_writes_the_runs_file_byte_for_byte(folders):
    a = (folders / "parquet" / "paths.parquet").read_bytes()
    b = (folders / "merged" / "paths.parquet").read_bytes()
    assert a == b


def test_the_package_writes_paths_parquet(folders, tmp_path):
    s = mf.load(ROOT / "scenarios" / "baseline.toml")
    r = mf.run(s, paths=40, seed=3, threads=1, progress=False)
    out = r.write(tmp_path / "run", progress=False, paths_format="parquet")
    frame = pd.read_parquet(out / "paths.parquet")
    pd.testing.assert_frame_equal(frame, as_doubles(r.paths), check_exact=True)
    assert not (out / "paths.csv").exists()
    with pytest.raises(ValueError, match="paths_format"):
        r.write(tmp_path / "bad", progress=False, paths_format="xml")
