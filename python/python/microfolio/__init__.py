"""microfolio from Python: the Monte Carlo simulator of microcredit portfolios, with results as
pandas data frames and the same numbers as the ``microfolio`` command line.

    import microfolio as mf
    s = mf.load("scenarios/baseline.toml", set={"followup.referral_share": 0.8})
    r = mf.run(s, paths=2000, seed=7)
    r.summary["metrics"]["net_loss"]["mean"], r.paths.head(), r.timeseries.head()
    r.write("output/baseline")       # the folder `microfolio run` writes: charts, report

The simulation runs in Rust on every core with the GIL released; Ctrl-C (or a notebook's
interrupt) stops it within a second with ``KeyboardInterrupt``.
"""

from __future__ import annotations

import json
import math
import numbers
import os
import shutil
import tempfile
import threading
from pathlib import Path
from typing import Any, Iterable, Mapping, Optional, Sequence, Union

import pandas as pd

from . import _native
from .errors import InputError, MicrofolioError, ScenarioError

__all__ = [
    "Scenario",
    "Result",
    "load",
    "loads",
    "run",
    "evaluate",
    "sweep",
    "compare",
    "tornado",
    "metrics",
    "MicrofolioError",
    "InputError",
    "ScenarioError",
]

__version__ = _native.VERSION

PathLike = Union[str, "os.PathLike[str]"]


# --- values --------------------------------------------------------------------------------


def _toml_value(v: Any) -> str:
    """A Python value as the TOML value of an override (`--set key=value`)."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, numbers.Integral):
        return str(int(v))
    if isinstance(v, numbers.Real):
        x = float(v)
        if x.is_integer() and abs(x) < 2**53:
            return str(int(x))
        if math.isnan(x):
            return "nan"
        if math.isinf(x):
            return "inf" if x > 0 else "-inf"
        return repr(x)
    if isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    raise InputError(f"cannot set a value of type {type(v).__name__}: {v!r}")


def _overrides(values: Optional[Mapping[str, Any]]) -> list:
    if not values:
        return []
    if not isinstance(values, Mapping):
        raise InputError("values are given as a dict {'section.key': value, ...}")
    return [f"{k}={_toml_value(v)}" for k, v in values.items()]


# --- scenarios -----------------------------------------------------------------------------


class Scenario:
    """A validated scenario (docs/model.md §8). Make one with :func:`load` or :func:`loads`."""

    __slots__ = ("_native",)

    def __init__(self, native: Any):
        self._native = native

    @property
    def name(self) -> str:
        return self._native.name

    @property
    def paths(self) -> int:
        """Paths a run simulates (``simulation.paths``)."""
        return self._native.paths

    @property
    def seed(self) -> int:
        return self._native.seed

    @property
    def file(self) -> str:
        return self._native.file

    def to_toml(self) -> str:
        """Every value, defaults included, as ``scenario.toml`` of a result folder."""
        return self._native.to_toml()

    def with_values(self, values: Mapping[str, Any]) -> "Scenario":
        """A copy with values set by dotted key (``{"segment.starter.annual_pd": 0.09}``),
        validated again; raises :class:`ScenarioError` naming key, value and what is allowed."""
        return Scenario(self._native.with_overrides(_overrides(values)))

    def with_run_size(self, paths: Optional[int] = None, seed: Optional[int] = None) -> "Scenario":
        """A copy with ``simulation.paths`` and ``simulation.seed`` replaced."""
        return Scenario(self._native.with_run_size(paths, seed))

    def __repr__(self) -> str:
        return f"<microfolio.Scenario {self.name!r}: {self.paths} paths, seed {self.seed}>"


def load(path: PathLike, set: Optional[Mapping[str, Any]] = None) -> Scenario:
    """Read, override and validate a scenario file (``set`` as the command line's ``--set``)."""
    return Scenario(_native.load(os.fspath(path), _overrides(set)))


def loads(text: str, set: Optional[Mapping[str, Any]] = None) -> Scenario:
    """Parse and validate scenario text; messages name it ``inline``."""
    return Scenario(_native.loads(text, _overrides(set)))


def _scenario(s: Union[Scenario, PathLike]) -> Scenario:
    if isinstance(s, Scenario):
        return s
    if isinstance(s, (str, os.PathLike)):
        return load(s)
    raise InputError(f"expected a Scenario or the path of a scenario file, not {type(s).__name__}")


def _sized(s: Scenario, paths: Optional[int], seed: Optional[int]) -> Scenario:
    return s if paths is None and seed is None else s.with_run_size(paths, seed)


# --- running in the background, with progress and Ctrl-C ----------------------------------


class _Bar:
    """tqdm (the notebook widget in Jupyter, text in a terminal) when installed, else nothing.
    The bar appears once the work knows its size; the library reports between chunks of paths."""

    def __init__(self, enabled: bool, label: str):
        self._tqdm = None
        self._bar = None
        self._label = label
        if enabled:
            try:
                from tqdm.auto import tqdm
            except ImportError:
                return
            self._tqdm = tqdm

    def update(self, done: int, total: int) -> None:
        if self._tqdm is None or total == 0:
            return
        if self._bar is None:
            self._bar = self._tqdm(total=total, unit="path", desc=self._label, leave=False,
                                   dynamic_ncols=True)
        if done > self._bar.n:
            self._bar.update(done - self._bar.n)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()


def _work(call, *, progress: bool, label: str):
    """Run ``call(control)`` on a helper thread (the native code releases the GIL), showing its
    progress; on ``KeyboardInterrupt`` ask it to stop, wait for it (at most a chunk of paths)
    and re-raise."""
    control = _native.Control()
    box: dict = {}

    def target():
        try:
            box["value"] = call(control)
        except BaseException as e:  # handed to the caller's thread
            box["error"] = e

    worker = threading.Thread(target=target, name="microfolio", daemon=True)
    bar = _Bar(progress, label)
    try:
        worker.start()
        while worker.is_alive():
            worker.join(0.1)
            bar.update(control.done, control.total)
        bar.update(control.done, control.total)
    except KeyboardInterrupt:
        control.stop()
        worker.join()
        raise
    finally:
        bar.close()
    if "error" in box:
        raise box["error"]
    return box["value"]


# --- runs ----------------------------------------------------------------------------------


class Result:
    """A finished run: ``summary`` (dict, as ``summary.json``), ``paths`` (one row per path, the
    columns of ``paths.csv``), ``timeseries`` (tidy, as ``timeseries.csv``), ``scenario``."""

    def __init__(self, scenario: Scenario, summary: dict, paths: Optional[pd.DataFrame],
                 timeseries: pd.DataFrame, threads: Optional[int]):
        self.scenario = scenario
        self.summary = summary
        self.paths = paths
        self.timeseries = timeseries
        self._threads = threads

    @property
    def metrics(self) -> pd.DataFrame:
        """``summary["metrics"]`` as a table: one row per metric (mean, sd, se, quantiles...)."""
        rows = {k: (v if isinstance(v, dict) else {}) for k, v in self.summary["metrics"].items()}
        return pd.DataFrame.from_dict(rows, orient="index")

    def write(self, folder: PathLike, progress: bool = True, paths_format: str = "csv") -> Path:
        """Write the result folder ``microfolio run`` writes (``summary.json``, ``paths.csv``,
        ``timeseries.csv``, ``scenario.toml``, charts, ``report.html``) at ``folder``. The run is
        simulated again with the same scenario and seed, so every number is the same; a folder
        that exists must be a result folder, which is replaced. ``paths_format="parquet"``
        writes ``paths.parquet`` instead of ``paths.csv`` (``--paths-format parquet``)."""
        folder = os.fspath(folder)
        return Path(_work(
            lambda c: _native.write_run(self.scenario._native, folder, c, self._threads,
                                        self.paths is not None, paths_format),
            progress=progress, label=self.scenario.name))

    def __repr__(self) -> str:
        return f"<microfolio.Result {self.scenario.name!r}: {self.summary['paths']} paths>"


def run(scenario: Union[Scenario, PathLike], *, paths: Optional[int] = None,
        seed: Optional[int] = None, threads: Optional[int] = None, progress: bool = True,
        keep_paths: bool = True) -> Result:
    """Simulate a scenario (or a scenario file) as ``microfolio run`` does, keeping the results
    in memory. ``paths`` and ``seed`` replace the scenario's; ``threads`` defaults to every
    core; ``keep_paths=False`` skips the per-path table (for huge runs)."""
    s = _sized(_scenario(scenario), paths, seed)
    with tempfile.TemporaryDirectory(prefix="microfolio-") as tmp:
        csv = os.path.join(tmp, "paths.csv") if keep_paths else None
        summary, timeseries = _work(
            lambda c: _native.simulate(s._native, c, csv, threads),
            progress=progress, label=s.name)
        table = pd.read_csv(csv) if keep_paths else None
    return Result(s, json.loads(summary), table, _read_csv_text(timeseries), threads)


def _read_csv_text(text: str) -> pd.DataFrame:
    import io

    return pd.read_csv(io.StringIO(text))


# --- design points -------------------------------------------------------------------------


def evaluate(scenario: Union[Scenario, PathLike], values: pd.DataFrame, *,
             paths_per_point: int = 1000, metrics: Optional[Sequence[str]] = None,
             threads: Optional[int] = None, progress: bool = True) -> pd.DataFrame:
    """Simulate the scenario at each design point (each row of ``values``, whose columns are
    dotted keys: ``followup.referral_share``, ``segment.starter.annual_pd``...) on common random
    numbers: every point runs paths ``0..paths_per_point`` with the scenario's seed. Returns one
    row per point (the index of ``values``): its values, then ``<metric>_mean`` and
    ``<metric>_se`` for each metric (the key metrics of the studies by default). A SALib sample
    goes in as ``pd.DataFrame(X, columns=problem["names"])``."""
    s = _scenario(scenario)
    if not isinstance(values, pd.DataFrame):
        values = pd.DataFrame(values)
    keys = [str(c) for c in values.columns]
    points = [
        [(k, float(v)) for k, v in zip(keys, row)]
        for row in values.itertuples(index=False, name=None)
    ]
    names, rows = _work(
        lambda c: _native.evaluate(s._native, points, int(paths_per_point), c,
                                   _metric_names(metrics), threads),
        progress=progress, label=f"{s.name}: {len(points)} points")
    out = values.copy()
    for j, name in enumerate(names):
        out[f"{name}_mean"] = [r[j][0] if r[j][0] is not None else math.nan for r in rows]
        out[f"{name}_se"] = [r[j][1] if r[j][1] is not None else math.nan for r in rows]
    return out


def _metric_names(metrics: Optional[Union[str, Iterable[str]]]) -> Optional[list]:
    if metrics is None:
        return None
    if isinstance(metrics, str):
        return [metrics]
    return [str(m) for m in metrics]


# --- studies -------------------------------------------------------------------------------


def _study(kind: str, call, folder: Optional[PathLike], progress: bool, label: str) -> pd.DataFrame:
    """Run a study into ``folder`` (or a temporary one) and read its table."""
    if folder is not None:
        where = Path(_work(lambda c: call(os.fspath(folder), c), progress=progress, label=label))
        return pd.read_csv(where / f"{kind}.csv")
    tmp = tempfile.mkdtemp(prefix="microfolio-")
    try:
        target = os.path.join(tmp, kind)
        where = Path(_work(lambda c: call(target, c), progress=progress, label=label))
        return pd.read_csv(where / f"{kind}.csv")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _sweep_param(key: str, values: Any) -> str:
    if isinstance(values, str):
        return f"{key}={values}"
    values = list(values)
    return f"{key}=" + ",".join(_toml_value(v) for v in values)


def sweep(scenario: Union[Scenario, PathLike], params: Mapping[str, Any], *,
          metrics: Optional[Sequence[str]] = None, paths: Optional[int] = None,
          seed: Optional[int] = None, threads: Optional[int] = None,
          folder: Optional[PathLike] = None, progress: bool = True) -> pd.DataFrame:
    """``microfolio sweep``: one or two keys, each over a list of values or ``"lo:hi:n"``
    (``{"followup.referral_share": [0.2, 0.5, 0.8]}``). Returns ``sweep.csv`` as a data
    frame; ``folder`` also keeps the study's folder (charts, report) there."""
    s = _sized(_scenario(scenario), paths, seed)
    specs = [_sweep_param(k, v) for k, v in params.items()]
    return _study("sweep", lambda f, c: _native.sweep(s._native, specs, f, c,
                                                      _metric_names(metrics), threads),
                  folder, progress, f"{s.name}: sweep")


def compare(scenarios: Union[Scenario, PathLike, Sequence[Union[Scenario, PathLike]]],
            variants: Optional[Mapping[str, Mapping[str, Any]]] = None, *,
            metrics: Optional[Sequence[str]] = None, paths: Optional[int] = None,
            seed: Optional[int] = None, threads: Optional[int] = None,
            folder: Optional[PathLike] = None, progress: bool = True) -> pd.DataFrame:
    """``microfolio compare``: scenarios (the first is the reference) and named variants of the
    first (``{"refer_more": {"followup.referral_share": 0.8}}``), on common random numbers.
    Returns ``compare.csv`` as a data frame."""
    if isinstance(scenarios, (Scenario, str, os.PathLike)):
        scenarios = [scenarios]
    loaded = [_scenario(x)._native for x in scenarios]
    specs = [
        f"{name}: " + ",".join(_overrides(values))
        for name, values in (variants or {}).items()
    ]
    label = f"{loaded[0].name if loaded else ''}: compare"
    return _study("compare", lambda f, c: _native.compare(loaded, specs, f, c, paths, seed,
                                                          _metric_names(metrics), threads),
                  folder, progress, label)


def tornado(scenario: Union[Scenario, PathLike], *, metrics: Optional[Sequence[str]] = None,
            spread: Optional[float] = None, paths: Optional[int] = None,
            seed: Optional[int] = None, threads: Optional[int] = None,
            folder: Optional[PathLike] = None, progress: bool = True) -> pd.DataFrame:
    """``microfolio tornado``: each parameter of ``[sensitivity]`` (or the defaults) moved down
    and up by ``spread``. Returns ``tornado.csv`` as a data frame."""
    s = _sized(_scenario(scenario), paths, seed)
    return _study("tornado", lambda f, c: _native.tornado(s._native, f, c,
                                                          _metric_names(metrics), spread, threads),
                  folder, progress, f"{s.name}: tornado")


def metrics(kind: str = "scalar") -> pd.DataFrame:
    """The metrics' registry: name, label and unit; ``kind="yearly"`` for the yearly ones."""
    rows = _native.yearly_metrics() if kind == "yearly" else _native.scalar_metrics()
    return pd.DataFrame(rows, columns=["name", "label", "unit"]).set_index("name")
