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

import errno
import json
import math
import numbers
import os
import shutil
import sys
import tempfile
import threading
import warnings
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
    "sobol",
    "morris",
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
    """Read, override and validate a scenario file; raises :class:`FileNotFoundError` if there
    is none. ``set`` changes values by dotted key; the scenario is then a variant of its own,
    named and described after them (``baseline-referral_share-0.8``), so that its results never
    take the place of the file's own."""
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(errno.ENOENT, "no such scenario file", path)
    return Scenario(_native.load(path, _overrides(set)))


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


def _in_notebook() -> bool:
    """Whether the caller is a Jupyter kernel (where a text bar would stay in the saved notebook)."""
    shell = sys.modules.get("IPython")
    get = getattr(shell, "get_ipython", None) if shell is not None else None
    ip = get() if get is not None else None
    return ip is not None and hasattr(ip, "kernel")


class _NotebookBar:
    """A line of text in a notebook cell, updated in place and emptied when the work ends, so
    that a notebook saved afterwards keeps nothing of it (tqdm's widget leaves its text behind).
    ``display`` is IPython's, taken as an argument so that a test can watch it."""

    def __init__(self, label: str, display):
        self._label = label
        self._display = display
        self._handle = None
        self._shown = None

    def update(self, done: int, total: int) -> None:
        if total == 0:
            return
        line = f"{self._label}: {100 * done // total}% ({done:,} of {total:,} paths)"
        if line == self._shown:
            return
        self._shown = line
        if self._handle is None:
            self._handle = self._display({"text/plain": line}, raw=True, display_id=True)
        else:
            self._handle.update({"text/plain": line}, raw=True)

    def close(self) -> None:
        if self._handle is not None:
            self._handle.update({"text/plain": ""}, raw=True)


class _Bar:
    """The progress of the work: in a notebook a line of text that leaves nothing behind
    (:class:`_NotebookBar`), elsewhere tqdm on stderr when installed, else nothing. It appears
    once the work knows its size; the library reports between chunks of paths."""

    def __init__(self, enabled: bool, label: str):
        self._tqdm = None
        self._bar = None
        self._label = label
        self._notebook = None
        if not enabled:
            return
        if _in_notebook():
            from IPython.display import display

            self._notebook = _NotebookBar(label, display)
            return
        try:
            from tqdm.auto import tqdm
        except ImportError:
            return
        self._tqdm = tqdm

    def update(self, done: int, total: int) -> None:
        if self._notebook is not None:
            self._notebook.update(done, total)
            return
        if self._tqdm is None or total == 0:
            return
        if self._bar is None:
            self._bar = self._tqdm(total=total, unit="path", desc=self._label, leave=False,
                                   dynamic_ncols=True)
        if done > self._bar.n:
            self._bar.update(done - self._bar.n)

    def close(self) -> None:
        if self._notebook is not None:
            self._notebook.close()
        if self._bar is not None:
            self._bar.close()


def _work(call, *, progress: bool, label: str):
    """Run ``call(control)`` on a helper thread (the native code releases the GIL), showing its
    progress; on ``KeyboardInterrupt`` ask it to stop, wait for it (at most a chunk of paths)
    and re-raise. What the work says for the user besides its result (an earlier result folder
    replaced but not removed) is a :class:`UserWarning`."""
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
    # Said even when the work failed after its result was in place: the space is taken.
    for note in control.take_notes():
        warnings.warn(note, UserWarning, stacklevel=3)
    if "error" in box:
        raise box["error"]
    return box["value"]


# --- runs ----------------------------------------------------------------------------------


class Result:
    """A finished run: ``summary`` (dict, as ``summary.json``), ``paths`` (one row per path, the
    columns of ``paths.csv``), ``timeseries`` (tidy, as ``timeseries.csv``), ``scenario``."""

    def __init__(self, scenario: Scenario, summary: dict, paths: Optional[pd.DataFrame],
                 timeseries: pd.DataFrame, threads: Optional[int], uncertain: bool = False,
                 target_se: Optional[str] = None):
        self.scenario = scenario
        self.summary = summary
        self.paths = paths
        self.timeseries = timeseries
        self._threads = threads
        self._uncertain = uncertain
        self._target_se = target_se

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
                                        self.paths is not None, paths_format,
                                        self._uncertain, self._target_se),
            progress=progress, label=self.scenario.name))

    def __repr__(self) -> str:
        return f"<microfolio.Result {self.scenario.name!r}: {self.summary['paths']} paths>"


def run(scenario: Union[Scenario, PathLike], *, paths: Optional[int] = None,
        seed: Optional[int] = None, threads: Optional[int] = None, progress: bool = True,
        keep_paths: bool = True, uncertain: bool = False,
        target_se: Optional[str] = None) -> Result:
    """Simulate a scenario (or a scenario file) as ``microfolio run`` does, keeping the results
    in memory. ``paths`` and ``seed`` replace the scenario's; ``threads`` defaults to every
    core; ``keep_paths=False`` skips the per-path table (for huge runs). ``uncertain=True``
    draws the scenario's ``[[uncertain]]`` parameters anew for every path, as ``microfolio run
    --uncertain`` does: the per-path table then has a column ``uncertain.<name>`` per parameter
    with the value the path drew, ``summary["uncertain"]`` the section, and
    ``summary["point_values"]`` the paired run at the point values (the same paths with no
    parameter drawn, as the report shows beside the drawn outcomes; about twice the time).
    ``target_se="cost_to_state=50e3"`` simulates in batches until the standard error of that
    mean is at or below the value, as ``microfolio run --target-se`` does: ``paths`` (or the
    scenario's) is then the limit, and ``summary["target_se"]`` says whether the target was
    reached and at how many paths."""
    s = _sized(_scenario(scenario), paths, seed)
    with tempfile.TemporaryDirectory(prefix="microfolio-") as tmp:
        csv = os.path.join(tmp, "paths.csv") if keep_paths else None
        summary, timeseries = _work(
            lambda c: _native.simulate(s._native, c, csv, threads, uncertain, target_se),
            progress=progress, label=s.name)
        table = pd.read_csv(csv) if keep_paths else None
    # The label is a calendar year or `after` (docs/model.md §11.4): always text, so that a
    # filter on it works the same whichever rows the run has.
    return Result(s, json.loads(summary), table,
                  _read_csv_text(timeseries, dtype={"label": str}), threads, uncertain,
                  target_se)


def _read_csv_text(text: str, dtype=None) -> pd.DataFrame:
    import io

    return pd.read_csv(io.StringIO(text), dtype=dtype)


# --- design points -------------------------------------------------------------------------


def evaluate(scenario: Union[Scenario, PathLike], values: pd.DataFrame, *,
             paths_per_point: int = 1000, metrics: Optional[Sequence[str]] = None,
             threads: Optional[int] = None, progress: bool = True) -> pd.DataFrame:
    """Simulate the scenario at each design point (each row of ``values``, whose columns are
    dotted keys: ``followup.referral_share``, ``segment.starter.annual_pd``...) on common random
    numbers: every point runs paths ``0..paths_per_point`` with the scenario's seed. Returns one
    row per point (the index of ``values``): its values, then ``<metric>_mean`` and
    ``<metric>_se`` for each metric (the key metrics of the studies by default). A SALib sample
    goes in as ``pd.DataFrame(X, columns=problem["names"])``. The scenario's
    ``simulation.sampling`` may be ``plain`` or ``rqmc``; under rqmc each ``_se`` is the
    randomisations' (docs/model.md §12), and ``attrs["sampling"]`` says which made them."""
    s = _scenario(scenario)
    if not isinstance(values, pd.DataFrame):
        values = pd.DataFrame(values)
    keys = [str(c) for c in values.columns]
    points = [
        [(k, float(v)) for k, v in zip(keys, row)]
        for row in values.itertuples(index=False, name=None)
    ]
    names, rows, sampling = _work(
        lambda c: _native.evaluate(s._native, points, int(paths_per_point), c,
                                   _metric_names(metrics), threads),
        progress=progress, label=f"{s.name}: {len(points)} points")
    out = values.copy()
    for j, name in enumerate(names):
        out[f"{name}_mean"] = [r[j][0] if r[j][0] is not None else math.nan for r in rows]
        out[f"{name}_se"] = [r[j][1] if r[j][1] is not None else math.nan for r in rows]
    out.attrs["sampling"] = json.loads(sampling)
    return out


def _metric_names(metrics: Optional[Union[str, Iterable[str]]]) -> Optional[list]:
    if metrics is None:
        return None
    if isinstance(metrics, str):
        return [metrics]
    return [str(m) for m in metrics]


# --- studies -------------------------------------------------------------------------------


def _study(kind: str, call, folder: Optional[PathLike], progress: bool, label: str) -> pd.DataFrame:
    """Run a study into ``folder`` (or a temporary one) and read its table, with
    ``attrs["sampling"]`` the ``sampling`` entry of its ``summary.json`` (which sampling made the
    numbers, and how their standard errors are made). A study too small to mean much runs, with
    a :class:`UserWarning` that says why and what size would do."""
    def done(target: str) -> pd.DataFrame:
        where, said = _work(lambda c: call(target, c), progress=progress, label=label)
        for w in said:
            warnings.warn(w, UserWarning, stacklevel=4)
        table = pd.read_csv(Path(where) / f"{kind}.csv")
        summary = json.loads((Path(where) / "summary.json").read_text(encoding="utf-8"))
        table.attrs["sampling"] = summary["sampling"]
        # With parameter uncertainty: each draw's means, for an analysis of the draws.
        draws = Path(where) / "draws.csv"
        if draws.exists():
            table.attrs["draws"] = pd.read_csv(draws)
        # With a value of information (compare's voi=): voi.csv and summary.json's entry.
        voi = Path(where) / "voi.csv"
        if voi.exists():
            table.attrs["voi"] = pd.read_csv(voi)
            table.attrs["voi_summary"] = summary["voi"]
        return table

    if folder is not None:
        return done(os.fspath(folder))
    tmp = tempfile.mkdtemp(prefix="microfolio-")
    try:
        return done(os.path.join(tmp, kind))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _sweep_param(key: str, values: Any) -> str:
    if isinstance(values, str):
        return f"{key}={values}"
    values = list(values)
    return f"{key}=" + ",".join(_toml_value(v) for v in values)


def _check_nesting(uncertain: bool, draws: Optional[int], paths_per_draw: Optional[int],
                   paths: Optional[int]) -> None:
    """Refuse ``draws``/``paths_per_draw`` without ``uncertain=True``, and ``paths`` with it,
    as the command line refuses its flags."""
    if not uncertain:
        for name, value in (("draws", draws), ("paths_per_draw", paths_per_draw)):
            if value is not None:
                raise InputError(f"{name}={value}: draws nest paths only with uncertain=True "
                                 "(draws of the scenario's [[uncertain]] parameters)")
    elif paths is not None:
        raise InputError(f"paths={paths}: with uncertain=True every variant runs draws × "
                         "paths_per_draw paths; give those instead")


def sweep(scenario: Union[Scenario, PathLike], params: Mapping[str, Any], *,
          metrics: Optional[Sequence[str]] = None, paths: Optional[int] = None,
          seed: Optional[int] = None, threads: Optional[int] = None,
          folder: Optional[PathLike] = None, progress: bool = True,
          uncertain: bool = False, draws: Optional[int] = None,
          paths_per_draw: Optional[int] = None) -> pd.DataFrame:
    """``microfolio sweep``: one or two keys, each over a list of values or ``"lo:hi:n"``
    (``{"followup.referral_share": [0.2, 0.5, 0.8]}``). Returns ``sweep.csv`` as a data
    frame; ``folder`` also keeps the study's folder (charts, report) there. With
    ``uncertain=True`` the paths are nested in ``draws`` draws of the scenario's
    ``[[uncertain]]`` parameters, ``paths_per_draw`` each (docs/studies.md), and the frame's
    ``attrs["draws"]`` is ``draws.csv``."""
    _check_nesting(uncertain, draws, paths_per_draw, paths)
    s = _sized(_scenario(scenario), paths, seed)
    specs = [_sweep_param(k, v) for k, v in params.items()]
    return _study("sweep", lambda f, c: _native.sweep(s._native, specs, f, c,
                                                      _metric_names(metrics), threads,
                                                      uncertain, draws, paths_per_draw),
                  folder, progress, f"{s.name}: sweep")


def compare(scenarios: Union[Scenario, PathLike, Sequence[Union[Scenario, PathLike]]],
            variants: Optional[Mapping[str, Mapping[str, Any]]] = None, *,
            metrics: Optional[Sequence[str]] = None, paths: Optional[int] = None,
            seed: Optional[int] = None, threads: Optional[int] = None,
            folder: Optional[PathLike] = None, progress: bool = True,
            uncertain: bool = False, draws: Optional[int] = None,
            paths_per_draw: Optional[int] = None, voi: Optional[str] = None) -> pd.DataFrame:
    """``microfolio compare``: scenarios (the first is the reference) and named variants of the
    first (``{"refer_more": {"followup.referral_share": 0.8}}``), on common random numbers.
    Returns ``compare.csv`` as a data frame. With ``uncertain=True`` the paths are nested in
    ``draws`` draws of the first scenario's ``[[uncertain]]`` parameters, ``paths_per_draw``
    each (docs/studies.md): the frame gains ``draws``, ``p_better_draws`` and ``param_share``,
    and its ``attrs["draws"]`` is ``draws.csv``. With ``voi="state_cost_total_pv"`` (or
    ``"net:LAMBDA:BENEFIT:COST"``, ``--voi``) too, the value of information of the choice
    between the variants: ``attrs["voi"]`` is ``voi.csv`` (``parameter,evppi,low,high``) and
    ``attrs["voi_summary"]`` the ``voi`` entry of ``summary.json`` (the EVPI, the decision)."""
    _check_nesting(uncertain, draws, paths_per_draw, paths)
    if voi is not None and not uncertain:
        raise InputError(f"voi={voi!r}: the value of information is made from draws of the "
                         "uncertain parameters; give uncertain=True")
    if isinstance(scenarios, (Scenario, str, os.PathLike)):
        scenarios = [scenarios]
    loaded = [_scenario(x)._native for x in scenarios]
    specs = [
        f"{name}: " + ",".join(_overrides(values))
        for name, values in (variants or {}).items()
    ]
    label = f"{loaded[0].name if loaded else ''}: compare"
    names = _metric_names(metrics)
    table = _study("compare", lambda f, c: _native.compare(loaded, specs, f, c, paths, seed,
                                                           names, threads, uncertain, draws,
                                                           paths_per_draw, voi),
                   folder, progress, label)
    # compare.csv has every metric; the frame has those asked for, in their order.
    if names is None:
        return table
    table = table[table["metric"].isin(names)].copy()
    order = {name: k for k, name in enumerate(names)}
    table["_order"] = table["metric"].map(order)
    return (table.sort_values(["variant", "_order"], kind="stable")
            .drop(columns="_order").reset_index(drop=True))


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


def sobol(scenario: Union[Scenario, PathLike], *, metrics: Optional[Sequence[str]] = None,
          samples: Optional[int] = None, paths_per_point: Optional[int] = None,
          second_order: bool = False, bootstrap: Optional[int] = None,
          confidence: Optional[float] = None, seed: Optional[int] = None,
          threads: Optional[int] = None, folder: Optional[PathLike] = None,
          progress: bool = True) -> pd.DataFrame:
    """``microfolio sobol``: Sobol' indices of the scenario's ``[[uncertain]]`` parameters (one
    row per metric and parameter group, the dummy last: ``S1``, ``ST`` and their intervals, as
    ``sobol.csv``). ``samples`` is the base sample N (a power of two, 256 by default) and
    ``paths_per_point`` the paths at each point of the design (64); ``folder`` also keeps the
    study's folder (``design.csv``, ``points.csv``, ``problem.json``, charts, report)."""
    s = _sized(_scenario(scenario), None, seed)
    return _study("sobol", lambda f, c: _native.sobol(
        s._native, f, c, _metric_names(metrics), samples, paths_per_point, second_order,
        bootstrap, confidence, threads), folder, progress, f"{s.name}: sobol")


def morris(scenario: Union[Scenario, PathLike], *, metrics: Optional[Sequence[str]] = None,
           trajectories: Optional[int] = None, levels: Optional[int] = None,
           paths_per_point: Optional[int] = None, bootstrap: Optional[int] = None,
           confidence: Optional[float] = None, seed: Optional[int] = None,
           threads: Optional[int] = None, folder: Optional[PathLike] = None,
           progress: bool = True) -> pd.DataFrame:
    """``microfolio morris``: Morris screening of the scenario's ``[[uncertain]]`` parameters
    (one row per metric and parameter group, the dummy last: ``mu``, ``mu_star`` with its
    interval and ``sigma``, as ``morris.csv``). ``trajectories`` (20 by default), ``levels`` (4)
    and ``paths_per_point`` (64) size the design."""
    s = _sized(_scenario(scenario), None, seed)
    return _study("morris", lambda f, c: _native.morris(
        s._native, f, c, _metric_names(metrics), trajectories, levels, paths_per_point,
        bootstrap, confidence, threads), folder, progress, f"{s.name}: morris")


def metrics(kind: str = "scalar") -> pd.DataFrame:
    """The metrics' registry: name, label and unit; ``kind="yearly"`` for the yearly ones."""
    rows = _native.yearly_metrics() if kind == "yearly" else _native.scalar_metrics()
    return pd.DataFrame(rows, columns=["name", "label", "unit"]).set_index("name")
