//! The problem of a global sensitivity study ([`super::sobol`], [`super::morris`]): the
//! scenario's uncertain parameters (its `[[uncertain]]` section) plus a *dummy* parameter, and
//! how a point of the unit hypercube becomes a scenario to simulate.
//!
//! Coordinate `i < k` of a point is parameter `i`'s value through its distribution's quantile
//! function ([`crate::uncertainty::Distribution::quantile`]), applied to the scenario by
//! [`Scenario::at_values`], the one way values reach a scenario. Every point runs the same `M`
//! path indices with the same seed (common random numbers), so that two points differ by their
//! parameters only.
//!
//! The last coordinate is the dummy. It drives no key: it stands for the paths themselves. Its
//! "first value" is the study's own paths; a point that takes its other value runs the same
//! path indices under another seed, a fresh one for each base row (Sobol') or trajectory
//! (Morris): `M` new paths, independent of all others. Under common random numbers a dummy
//! that changed nothing would be exactly 0 and would say nothing; this one measures what the
//! finite `M` leaves: its total index is about the share of the outcome's variance over the
//! design that is Monte Carlo noise of `M` independent paths, and an index not
//! distinguishable from the dummy's ([`crate::gsa::distinguishable`]) is not distinguishable
//! from that noise. The floor is conservative: a real parameter's index compares points on the
//! *same* paths, whose noise mostly cancels. Which points take the other value is the study's
//! rule (Sobol': those whose dummy coordinate comes from `B`; Morris: a dummy coordinate in the
//! upper half of the grid, which every move of the dummy crosses).
//!
//! What the two studies share beyond the problem lives here too: [`DesignCore`], what each
//! keeps besides its design, and [`PointStudy`], through which each is a [`super::Design`] (its
//! shards cut the stream of points) and a [`super::Study`] whose folder holds its own table
//! beside `design.csv`, `points.csv` and `problem.json`. A study over a design of points says
//! only what is its own: its design, how it analyses the points' outcomes, and how it shows
//! the result.

use std::fmt::Write as _;
use std::ops::Range;

use serde::Serialize;
use serde_json::{Value, json};

use super::{Design, ResultSource, SizeWarning, Study, StudyResults};
use crate::charts::ChartError;
use crate::charts::study::StudyChart;
use crate::error::{Arg, Error};
use crate::gsa::Groups;
use crate::metrics::Scalar;
use crate::output::RunInfo;
use crate::output::csv::{CsvWriter, number};
use crate::random::{GOLDEN, mix};
use crate::scenario::{Scenario, Uncertain};
use crate::shard::recipe;

/// The dummy parameter's name (and group) in every output; no uncertain parameter or group
/// may be called so.
pub const DUMMY: &str = "dummy";

/// File names of the tables every study over a design of points writes beside its own.
pub const DESIGN_CSV: &str = "design.csv";
pub const POINTS_CSV: &str = "points.csv";
pub const PROBLEM_JSON: &str = "problem.json";

/// The seed of the dummy's other paths for base row or trajectory `draw`: the study's seed and
/// `draw` mixed (SplitMix64's finaliser), kept within the seeds a scenario allows
/// (0 .. 2^63 − 1) and never equal to the study's own.
pub fn dummy_seed(seed: u64, draw: u64) -> u64 {
    let mixed = mix(seed ^ GOLDEN ^ draw.wrapping_mul(0xD6E8_FEB8_6659_FD93)) >> 1;
    if mixed == seed { mixed ^ 1 } else { mixed }
}

/// A checked problem: the scenario, its uncertain parameters and their groups, dummy last.
#[derive(Debug, Clone)]
pub struct Problem {
    base: Scenario,
    /// Group label of each coordinate (parameters in file order, then the dummy).
    labels: Vec<String>,
}

impl Problem {
    /// The problem of `base`'s `[[uncertain]]` section; refused without uncertain parameters
    /// or with one called `dummy`. `paths_per_point` must be at least 1.
    pub fn new(base: &Scenario, study: &str) -> Result<Problem, Error> {
        let params = base.uncertain();
        if params.is_empty() {
            return Err(Error::Input(format!(
                "{}: a {study} study needs uncertain parameters, and the scenario has no \
                 [[uncertain]] section (docs/scenarios.md, \"Uncertain parameters\"; \
                 scenarios/uncertainty.toml is an example)",
                base.file()
            )));
        }
        if base.has_uncertain_sets() {
            return Err(Error::Input(format!(
                "{}: the scenario draws its uncertain parameters jointly from the sets of \
                 uncertain_sets (a calibration's kept sets), and a {study} study needs \
                 independent inputs, each parameter drawn from its own distribution; study the \
                 scenario the sets were kept from, or run this one with --uncertain",
                base.file()
            )));
        }
        if let Some(p) = params
            .iter()
            .find(|p| p.name == DUMMY || p.group_name() == DUMMY)
        {
            return Err(Error::Input(format!(
                "{}: uncertain parameter `{}` is named or grouped `{DUMMY}`, the name a {study} \
                 study gives its noise-floor parameter; rename it",
                base.file(),
                p.name
            )));
        }
        let mut labels: Vec<String> = params.iter().map(|p| p.group_name().to_string()).collect();
        labels.push(DUMMY.to_string());
        Ok(Problem {
            base: base.clone(),
            labels,
        })
    }

    /// The study's seed: of the paths, the design's scrambling and the bootstrap.
    pub fn seed(&self) -> u64 {
        // Scenario validation keeps seeds within 0 .. 2^63 − 1.
        self.base.spec().simulation.seed as u64
    }

    /// The scenario the points are made from.
    pub fn base(&self) -> &Scenario {
        &self.base
    }

    /// The uncertain parameters, in file order (the dummy is not among them).
    pub fn params(&self) -> &[Uncertain] {
        self.base.uncertain()
    }

    /// Coordinates of a point: the parameters and the dummy.
    pub fn dimensions(&self) -> usize {
        self.labels.len()
    }

    /// The groups of the coordinates, the dummy alone in the last.
    pub fn groups(&self) -> Groups {
        Groups::from_labels(&self.labels).expect("labels of checked parameters form groups")
    }

    /// The names of the groups, in the order of [`Problem::groups`] (the dummy last).
    pub fn group_names(&self) -> Vec<String> {
        self.groups().names().to_vec()
    }

    /// The parameters' values at a point of the unit hypercube (the dummy left out).
    pub fn values(&self, unit: &[f64]) -> Vec<f64> {
        self.params()
            .iter()
            .zip(unit)
            .map(|(p, &u)| p.distribution.quantile(u))
            .collect()
    }

    /// The seed of a point's paths: the study's, or with `other = Some(draw)` the dummy's other
    /// paths of that base row or trajectory.
    pub fn point_seed(&self, other: Option<u64>) -> u64 {
        other.map_or(self.seed(), |draw| dummy_seed(self.seed(), draw))
    }

    /// The scenario of a point: its parameters' values applied, `paths` paths, and the seed
    /// of [`Problem::point_seed`].
    pub fn scenario(
        &self,
        unit: &[f64],
        paths: u64,
        other: Option<u64>,
    ) -> Result<Scenario, Error> {
        let seed = self.point_seed(other);
        let at = self.base.at_values(&self.values(unit))?;
        Ok(at.with_run_size(Some(paths), Some(seed))?)
    }

    /// The parameters' values at a point, for messages: `pd=0.071, recovery=0.28`.
    pub fn describe(&self, unit: &[f64]) -> String {
        self.params()
            .iter()
            .zip(self.values(unit))
            .map(|(q, v)| format!("{}={}", q.name, super::params::show_value(v)))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Refuse parameters whose values at the ends of the unit interval are not finite (Morris
    /// puts points on 0 and 1), naming them and saying what to add.
    pub fn require_bounded(&self, study: &str) -> Result<(), Error> {
        for p in self.params() {
            let (lo, hi) = (p.distribution.quantile(0.0), p.distribution.quantile(1.0));
            if !lo.is_finite() || !hi.is_finite() {
                return Err(Error::Input(format!(
                    "{}: uncertain parameter `{}` ({}) is unbounded, and a {study} study puts \
                     points on both ends of every range; give it `low` and `high` (a truncated \
                     distribution) or use a Sobol' study",
                    self.base.file(),
                    p.name,
                    p.distribution.describe()
                )));
            }
        }
        Ok(())
    }

    /// `problem.json`: SALib's problem layout (`num_vars`, `names`, `groups`, `bounds`) for
    /// the design as written in `design.csv`'s unit coordinates, and each parameter's
    /// distribution, keys and how it drives them.
    pub fn salib_json(&self) -> Value {
        let params = self.params();
        let mut names: Vec<String> = params.iter().map(|p| p.name.clone()).collect();
        names.push(DUMMY.to_string());
        let details: Vec<Value> = params
            .iter()
            .map(|p| {
                json!({
                    "name": p.name,
                    "keys": p.keys,
                    "how": p.how.name(),
                    "distribution": p.distribution.describe(),
                    "group": p.group_name(),
                })
            })
            .chain(std::iter::once(json!({
                "name": DUMMY,
                "keys": [],
                "how": "none",
                "distribution": "drives no key: its other value runs the same path indices under a fresh seed per base row or trajectory",
                "group": DUMMY,
            })))
            .collect();
        json!({
            "num_vars": names.len(),
            "names": names,
            "groups": self.labels,
            "bounds": vec![[0.0, 1.0]; self.labels.len()],
            "space": "the unit hypercube: design.csv has each point's coordinates (u_<name>) and the values they map to",
            "parameters": details,
        })
    }
}

/// One metric's outcome at every point, in design order: the mean over the point's paths (for
/// `capital_depleted`, 0 or 1 on each path, the share of paths) and its standard error.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PointOutcomes {
    pub mean: Vec<f64>,
    pub se: Vec<Option<f64>>,
}

/// The outcomes of a design's points, per metric, and how the work that made them went.
pub(super) type Points = (Vec<PointOutcomes>, crate::RunInfo);

/// A design's point outcomes wherever they come from: simulated now by `simulate` (over all
/// `points`), or read from the study's shards, refused unless they are `points` points of each
/// of `metrics`. `study` (`Sobol'`) names the study in the refusal of variants' results.
pub(super) fn point_outcomes(
    source: super::ResultSource<'_>,
    study: &str,
    points: usize,
    metrics: &[Scalar],
    simulate: impl FnOnce(
        Range<usize>,
        &crate::simulate::Options,
        &dyn crate::simulate::Observer,
    ) -> Result<Points, Error>,
) -> Result<Points, Error> {
    match source {
        super::ResultSource::Simulate { options, observer } => {
            simulate(0..points, options, observer)
        }
        super::ResultSource::Points { outcomes, run } => {
            check_points(&outcomes, points, metrics)?;
            Ok((outcomes, run))
        }
        super::ResultSource::Given { .. } | super::ResultSource::Drawn { .. } => {
            Err(Error::Input(format!(
                "a {study} study is computed from its points' outcomes, not from variants' results"
            )))
        }
    }
}

/// Refuse point outcomes given from outside (a merge of shards) that are not `points` points of
/// each of `metrics`: the shards would not be of this study.
fn check_points(
    outcomes: &[PointOutcomes],
    points: usize,
    metrics: &[Scalar],
) -> Result<(), Error> {
    let fits = outcomes.len() == metrics.len()
        && outcomes
            .iter()
            .all(|o| o.mean.len() == points && o.se.len() == points);
    if fits {
        Ok(())
    } else {
        Err(Error::Input(format!(
            "the shards hold the outcomes of {} points of {} metrics, but their recipe makes a \
             design of {points} points of {} metrics; the shards are of other work",
            outcomes.first().map_or(0, |o| o.mean.len()),
            outcomes.len(),
            metrics.len()
        )))
    }
}

/// The metrics of a Sobol' study or Morris screening when none are asked for: the state's
/// cost, the lender's survival and its outreach.
pub const DEFAULT_METRICS: [Scalar; 3] = [
    Scalar::CostToState,
    Scalar::CapitalDepleted,
    Scalar::EntrepreneursFinanced,
];

/// Most paths per point.
pub const MAX_PATHS_PER_POINT: u64 = 1_000_000;

/// Check the settings every study over a design has: paths per point, bootstrap, confidence.
fn check_common(paths: u64, bootstrap: usize, confidence: f64) -> Result<(), Error> {
    if !(1..=MAX_PATHS_PER_POINT).contains(&paths) {
        return Err(Error::argument(
            Arg::PathsPerPoint,
            paths,
            format!(
                "allowed: a whole number from 1 to {MAX_PATHS_PER_POINT} (64 is a good start; \
                 the dummy's index shows whether more are needed)"
            ),
        ));
    }
    if !(2..=100_000).contains(&bootstrap) {
        return Err(Error::argument(
            Arg::Bootstrap,
            bootstrap,
            "allowed: a whole number of resamples from 2 to 100,000 (1,000 is usual)",
        ));
    }
    if !(confidence > 0.0 && confidence < 1.0) {
        return Err(Error::argument(
            Arg::Confidence,
            confidence,
            "allowed: a level above 0 and below 1, such as 0.95",
        ));
    }
    Ok(())
}

/// The settings of a study over a design of points. They are its recipe beside the base
/// scenario and the metrics, field by field in the order they are declared
/// ([`DesignCore::new`]).
pub trait DesignSettings: Serialize {
    /// What every such study has: paths per point, bootstrap resamples and the confidence
    /// level of the intervals.
    fn common(&self) -> (u64, usize, f64);
}

/// What a study over a design of points keeps besides its design: the problem, the metrics
/// it analyses, the paths each point runs, and the recipe it was made from (for its shards).
#[derive(Debug, Clone)]
pub struct DesignCore {
    pub problem: Problem,
    pub metrics: Vec<Scalar>,
    pub paths_per_point: u64,
    pub recipe: Value,
}

impl DesignCore {
    /// The core of a study of `problem` on `metrics` (empty: [`DEFAULT_METRICS`]) with
    /// `settings`. Its recipe is the base scenario (its `[[uncertain]]` section and seed
    /// included), the metrics and the settings: all the study is made from again, the design
    /// included, which is never stored point by point.
    pub fn new(
        problem: Problem,
        metrics: Vec<Scalar>,
        settings: &impl DesignSettings,
    ) -> DesignCore {
        let metrics = if metrics.is_empty() {
            DEFAULT_METRICS.to_vec()
        } else {
            metrics
        };
        let mut recipe = json!({
            "base": recipe::scenario(problem.base()),
            "metrics": recipe::metrics(&metrics),
        });
        let fields = serde_json::to_value(settings).expect("settings always serialise");
        if let (Some(map), Value::Object(fields)) = (recipe.as_object_mut(), fields) {
            map.extend(fields);
        }
        DesignCore {
            problem,
            metrics,
            paths_per_point: settings.common().0,
            recipe,
        }
    }
}

/// A study over a design of points (Sobol', Morris), checked and ready to run: its
/// [`DesignCore`], its design `D` (Saltelli's, Morris's) and its settings `S`.
#[derive(Debug, Clone)]
pub struct DesignStudy<D, S> {
    pub(super) core: DesignCore,
    pub(super) design: D,
    pub(super) settings: S,
}

impl<D, S: DesignSettings> DesignStudy<D, S>
where
    Self: PointStudy<Design = D, Settings = S>,
{
    /// The study of `base`'s uncertain parameters on `metrics` (empty: [`DEFAULT_METRICS`]);
    /// `base` carries the seed (of the paths, the design's scrambling and the bootstrap). The
    /// settings every such study has are checked first, then the study's own as it makes its
    /// design ([`PointStudy::design_for`]), then every point's scenario, before any work: a
    /// combination of values can break a rule between keys that no parameter breaks alone.
    pub fn new(base: &Scenario, metrics: Vec<Scalar>, settings: S) -> Result<Self, Error> {
        let (paths_per_point, bootstrap, confidence) = settings.common();
        check_common(paths_per_point, bootstrap, confidence)?;
        let problem = Problem::new(base, Self::NAME)?;
        let (design, points) = Self::design_for(&problem, &settings)?;
        let study = DesignStudy {
            core: DesignCore::new(problem, metrics, &settings),
            design,
            settings,
        };
        debug_assert_eq!(study.point_count(), points);
        study.check_points()?;
        Ok(study)
    }
}

impl<D, S> DesignStudy<D, S> {
    pub fn problem(&self) -> &Problem {
        &self.core.problem
    }

    pub fn design(&self) -> &D {
        &self.design
    }

    pub fn settings(&self) -> &S {
        &self.settings
    }

    pub fn metrics(&self) -> &[Scalar] {
        &self.core.metrics
    }
}

/// What a study over a design of points produced.
#[derive(Debug, Clone)]
pub struct PointResults<M> {
    /// Per metric, the outcome at each point.
    pub outcomes: Vec<PointOutcomes>,
    /// Per metric, what the study made of its outcomes (`M`: its indices, its effects).
    pub per_metric: Vec<M>,
    pub run: RunInfo,
}

impl<M> StudyResults for PointResults<M> {
    fn run(&self) -> &RunInfo {
        &self.run
    }
}

/// A study over a design of points (Sobol', Morris) as the code both share sees it: how it
/// makes its design, its points, which paths each runs, the columns that say what a point is
/// in `design.csv`, and what it makes of each metric's outcomes and how it shows them. Every
/// such study is a [`DesignStudy`], a [`Design`] (its shards cut the stream of points) and a
/// [`Study`] through this trait: adding one means implementing it for its `DesignStudy`.
pub trait PointStudy: Sized {
    /// `Sobol'`, `Morris`: names the study in messages.
    const NAME: &'static str;
    /// `sobol`, `morris`: the study's [`Study::KIND`].
    const KIND: &'static str;
    /// What the study's title says it gives: `Sobol' indices`, `Morris screening`.
    const GIVES: &'static str;
    /// The file of the study's own table in its folder: `sobol.csv`, `morris.csv`.
    const TABLE: &'static str;
    /// The columns of `design.csv` after `point` that say what the point is in the design.
    const ROLE_COLUMNS: [&'static str; 2];

    type Design;
    type Settings: DesignSettings;
    /// What the study makes of one metric's outcomes.
    type PerMetric;

    /// Check the study's own settings and make its design for `problem`: the design, and how
    /// many points it has.
    fn design_for(
        problem: &Problem,
        settings: &Self::Settings,
    ) -> Result<(Self::Design, usize), Error>;

    /// The study's settings as its recipe records them ([`DesignCore::new`]).
    fn settings_from(recipe: &Value) -> Result<Self::Settings, Error>;

    /// Points of the design.
    fn point_count(&self) -> usize;

    /// Point `p`'s coordinates on the unit hypercube, the dummy's last.
    fn unit_point(&self, p: usize) -> Vec<f64>;

    /// Which paths point `p` runs: `Some(draw)` for the dummy's other paths of base row or
    /// trajectory `draw`, `None` for the study's own.
    fn other_paths(&self, p: usize) -> Option<u64>;

    /// Point `p`'s cells under [`PointStudy::ROLE_COLUMNS`].
    fn role_cells(&self, p: usize) -> [String; 2];

    /// The memory the study keeps besides a run's, for the memory check.
    fn kept_bytes(&self) -> u64;

    /// What the study makes of `metric`'s outcomes at every point, in point order (a
    /// bootstrap runs here, seeded as always, so that a merge of shards gives what one
    /// machine gives).
    fn analyse(&self, metric: Scalar, outcomes: &PointOutcomes) -> Result<Self::PerMetric, Error>;

    /// The study's own table, the file [`PointStudy::TABLE`].
    fn table(&self, results: &PointResults<Self::PerMetric>) -> String;

    /// The design's own size if it is too small to mean much; the paths per point are
    /// checked for every study ([`SizeWarning::paths_per_point`]).
    fn size_warning(&self) -> Option<SizeWarning>;

    /// The study's own entries of `summary.json`; the metrics and the problem follow them.
    fn summary(&self) -> Value;

    /// The chart of one metric's result; `names` are the groups', the dummy last.
    fn chart(&self, result: &Self::PerMetric, names: &[String]) -> Result<StudyChart, ChartError>;

    /// As [`Study::page`].
    fn page(&self, results: &PointResults<Self::PerMetric>, charts: &[StudyChart]) -> String;

    /// One metric's result as lines of a plain-text table ([`ranked_groups`]).
    fn summarise(&self, out: &mut String, result: &Self::PerMetric, names: &[String]);
}

impl<D, S> DesignStudy<D, S>
where
    Self: PointStudy,
{
    /// The scenario of point `p`.
    fn scenario(&self, p: usize) -> Result<Scenario, Error> {
        let core = &self.core;
        core.problem
            .scenario(
                &self.unit_point(p),
                core.paths_per_point,
                self.other_paths(p),
            )
            .map_err(|e| {
                Error::Input(format!(
                    "design point {p} ({}): {e}",
                    self.describe_point(p)
                ))
            })
    }

    /// `pd=0.071, recovery=0.28` for messages.
    fn describe_point(&self, p: usize) -> String {
        self.core.problem.describe(&self.unit_point(p))
    }

    /// Check every point's scenario ([`DesignStudy::new`]).
    fn check_points(&self) -> Result<(), Error> {
        (0..self.point_count()).try_for_each(|p| self.scenario(p).map(|_| ()))
    }

    /// Simulate points `points` of the design.
    fn simulate_range(
        &self,
        points: Range<usize>,
        options: &crate::simulate::Options,
        observer: &dyn crate::simulate::Observer,
    ) -> Result<Points, Error> {
        let core = &self.core;
        simulate_points(
            (Self::NAME, self.core.problem.base()),
            points,
            core.paths_per_point,
            |p| self.scenario(p),
            |p| self.describe_point(p),
            &core.metrics,
            self.kept_bytes(),
            options,
            observer,
        )
    }

    /// The cells of point `p`'s row of `design.csv`: its index, its role, each parameter's
    /// value in its own units and its unit coordinate (the dummy's too), and the seed its paths
    /// ran with.
    fn design_row(&self, p: usize) -> Vec<String> {
        let problem = &self.core.problem;
        let unit = self.unit_point(p);
        let mut row = vec![p.to_string()];
        row.extend(self.role_cells(p));
        row.extend(problem.values(&unit).into_iter().map(|v| number(Some(v))));
        row.extend(unit.iter().map(|u| number(Some(*u))));
        row.push(problem.point_seed(self.other_paths(p)).to_string());
        row
    }

    /// `design.csv`: a row per point ([`PointStudy::design_row`]).
    fn design_csv(&self) -> String {
        let params = self.core.problem.params();
        let mut header = vec!["point".to_string()];
        header.extend(Self::ROLE_COLUMNS.map(str::to_string));
        header.extend(params.iter().map(|p| p.name.clone()));
        header.extend(params.iter().map(|p| format!("u_{}", p.name)));
        header.extend(["u_dummy".to_string(), "seed".to_string()]);
        let mut out = CsvWriter::text_file(header);
        for p in 0..self.point_count() {
            out.push(self.design_row(p));
        }
        out.into_string()
    }
}

impl<D, S: DesignSettings> Design for DesignStudy<D, S>
where
    Self: PointStudy<Design = D, Settings = S>,
{
    fn points(&self) -> usize {
        self.point_count()
    }

    fn paths_per_point(&self) -> u64 {
        self.core.paths_per_point
    }

    fn layout(&self) -> Value {
        crate::shard::format::point_layout(&self.core.metrics)
    }

    fn pairs(&self) -> usize {
        self.core.metrics.len()
    }

    fn simulate(
        &self,
        points: Range<usize>,
        options: &crate::simulate::Options,
        observer: &dyn crate::simulate::Observer,
    ) -> Result<Points, Error> {
        self.simulate_range(points, options, observer)
    }

    fn row(&self, p: usize) -> Vec<String> {
        self.design_row(p)
    }
}

impl<D, S: DesignSettings> Study for DesignStudy<D, S>
where
    Self: PointStudy<Design = D, Settings = S>,
{
    type Results = PointResults<<Self as PointStudy>::PerMetric>;
    const KIND: &'static str = <Self as PointStudy>::KIND;

    fn base(&self) -> &Scenario {
        self.core.problem.base()
    }

    /// A point's mean and standard error are its paths' weighted ones.
    fn takes_tail(&self) -> bool {
        true
    }

    fn title(&self) -> String {
        format!(
            "{}: {} of {} uncertain parameters",
            self.base().name(),
            Self::GIVES,
            self.core.problem.params().len()
        )
    }

    /// Every metric's outcomes at the points, simulated now or read from the study's shards,
    /// analysed metric by metric.
    fn compute_from(&self, source: ResultSource<'_>) -> Result<Self::Results, Error> {
        let (outcomes, run) = point_outcomes(
            source,
            Self::NAME,
            self.point_count(),
            &self.core.metrics,
            |points, options, observer| self.simulate_range(points, options, observer),
        )?;
        let per_metric = self
            .core
            .metrics
            .iter()
            .zip(&outcomes)
            .map(|(metric, o)| self.analyse(*metric, o))
            .collect::<Result<_, _>>()?;
        Ok(PointResults {
            outcomes,
            per_metric,
            run,
        })
    }

    fn recipe(&self) -> Option<&Value> {
        Some(&self.core.recipe)
    }

    fn from_recipe(r: &Value) -> Result<Self, Error> {
        let settings = Self::settings_from(r)?;
        DesignStudy::new(
            &recipe::scenario_at(r, "base")?,
            recipe::metrics_at(r, "metrics")?,
            settings,
        )
    }

    fn design(&self) -> Option<&dyn Design> {
        Some(self)
    }

    fn warnings(&self) -> Vec<SizeWarning> {
        let paths = SizeWarning::paths_per_point(self.core.paths_per_point);
        self.size_warning().into_iter().chain(paths).collect()
    }

    /// The study's own entries, then the metrics and the problem ([`Problem::salib_json`]).
    fn summary(&self, _results: &Self::Results) -> Value {
        let mut summary = PointStudy::summary(self);
        if let Some(map) = summary.as_object_mut() {
            map.insert(
                "metrics".into(),
                json!(
                    self.core
                        .metrics
                        .iter()
                        .map(|m| m.name())
                        .collect::<Vec<_>>()
                ),
            );
            map.insert("problem".into(), self.core.problem.salib_json());
        }
        summary
    }

    /// The study's own table, then what every study over a design writes: `design.csv`,
    /// `points.csv` and `problem.json`.
    fn files(&self, results: &Self::Results) -> Vec<(String, Vec<u8>)> {
        let core = &self.core;
        vec![
            (Self::TABLE.to_string(), self.table(results).into_bytes()),
            (DESIGN_CSV.to_string(), self.design_csv().into_bytes()),
            (
                POINTS_CSV.to_string(),
                points_csv(&core.metrics, &results.outcomes).into_bytes(),
            ),
            (
                PROBLEM_JSON.to_string(),
                problem_json(&core.problem).into_bytes(),
            ),
        ]
    }

    /// A chart per metric.
    fn draw(&self, results: &Self::Results) -> Result<Vec<StudyChart>, ChartError> {
        let names = self.core.problem.group_names();
        results
            .per_metric
            .iter()
            .map(|m| self.chart(m, &names))
            .collect()
    }

    fn page(&self, results: &Self::Results, charts: &[StudyChart]) -> String {
        PointStudy::page(self, results, charts)
    }

    /// A table per metric.
    fn summarise(&self, results: &Self::Results) -> String {
        let names = self.core.problem.group_names();
        let mut out = String::new();
        for m in &results.per_metric {
            PointStudy::summarise(self, &mut out, m, &names);
        }
        out
    }
}

/// A metric's groups as lines of a plain-text table, under `heading`: largest first by
/// `size(g)`, each line the group's name and `line(g)`, the dummy (the last group) flagged as
/// the noise floor and a group that does not stand out from it (`above_dummy`) as noise.
pub(super) fn ranked_groups(
    out: &mut String,
    heading: &str,
    names: &[String],
    above_dummy: &[bool],
    size: impl Fn(usize) -> f64,
    line: impl Fn(usize) -> String,
) {
    let _ = writeln!(out, "\n{heading}");
    let mut order: Vec<usize> = (0..names.len()).collect();
    order.sort_by(|&a, &b| size(b).total_cmp(&size(a)));
    for g in order {
        let flag = if g == names.len() - 1 {
            "  (noise floor)"
        } else if !above_dummy[g] {
            "  ≈ noise"
        } else {
            ""
        };
        let _ = writeln!(out, "  {:<32} {}{flag}", names[g], line(g));
    }
}

/// `points.csv`: one row per point and metric, the mean over the point's paths and its
/// standard error.
pub(super) fn points_csv(metrics: &[Scalar], outcomes: &[PointOutcomes]) -> String {
    let mut out = CsvWriter::text_file(["point", "metric", "mean", "se"]);
    let points = outcomes.first().map_or(0, |o| o.mean.len());
    for p in 0..points {
        for (m, o) in metrics.iter().zip(outcomes) {
            out.push([
                p.to_string(),
                m.name().to_string(),
                number(Some(o.mean[p])),
                number(o.se[p]),
            ]);
        }
    }
    out.into_string()
}

/// `problem.json`'s text: SALib's problem and each parameter's distribution.
pub(super) fn problem_json(problem: &Problem) -> String {
    serde_json::to_string_pretty(&problem.salib_json()).expect("JSON values always serialise")
}

/// Simulate design points `points` (a range of the design's), point `p` being
/// `scenario_of(p)` (checked when the study was planned) on paths `0..paths`, on a pool of
/// `options`; return each metric's outcome at every point of the range, in point order, and
/// how the work went. The whole design is `points.end` or more points; a shard of the study
/// simulates its range, the study on one machine all of them. `kept_bytes` is what the study
/// keeps besides a run's, for the memory check. A metric undefined on every path of a point is
/// refused, naming the point (`describe(p)`).
#[allow(clippy::too_many_arguments)]
pub(super) fn simulate_points(
    (study, base): (&str, &Scenario),
    points: Range<usize>,
    paths: u64,
    scenario_of: impl Fn(usize) -> Result<Scenario, Error>,
    describe: impl Fn(usize) -> String,
    metrics: &[Scalar],
    kept_bytes: u64,
    options: &crate::simulate::Options,
    observer: &dyn crate::simulate::Observer,
) -> Result<(Vec<PointOutcomes>, crate::output::RunInfo), Error> {
    let pool = crate::simulate::Pool::new(options)?;
    let threads = pool.threads();
    let count = points.end.saturating_sub(points.start);
    // Every point samples as the base does (a point sets parameters, its paths and its seed):
    // under rqmc a point's standard error is its randomisations', its Sobol' points those of
    // its seed, so that the dummy's points under a fresh seed take fresh points. Under tail
    // every point samples with the base's one fit ([`super::study_fit`]; its weights those
    // of its own seed's paths), and a point's mean and standard error are its weighted ones.
    let method = super::method_of(&scenario_of(points.start)?);
    let fit = super::study_fit(base, &pool, observer)?;
    let fit = fit.as_deref();
    let needed = crate::resources::estimated_memory(&scenario_of(points.start)?, threads)
        .saturating_add(kept_bytes);
    pool.check_memory(
        crate::error::Work::Study {
            variants: count,
            paths,
        },
        needed,
    )?;
    let stopwatch = crate::output::Stopwatch::start();
    let mut outcomes = vec![
        PointOutcomes {
            mean: Vec::with_capacity(count),
            se: Vec::with_capacity(count),
        };
        metrics.len()
    ];
    let mut loans_simulated = 0;
    let first = points.start;
    pool.simulate_models(
        count,
        0..paths,
        |i| {
            let s = scenario_of(first + i).expect("every point was checked when planned");
            match fit {
                Some(choice) => choice.model(&s),
                None => crate::model::Model::new(&s),
            }
        },
        observer,
        |i, results| {
            let p = first + i;
            loans_simulated += results.loans_simulated();
            for (k, metric) in metrics.iter().enumerate() {
                let Some(s) = results.summary(*metric) else {
                    return Err(Error::Input(format!(
                        "{} is undefined on every path of design point {p} ({}): a {study} \
                         study needs an outcome at every point; leave the metric out",
                        metric.name(),
                        describe(p)
                    )));
                };
                let column = || -> Vec<f64> {
                    results
                        .scalar(*metric)
                        .map(|v| v.unwrap_or(f64::NAN))
                        .collect()
                };
                let (mean, se) = match method {
                    crate::rqmc::SeMethod::Paths => (s.mean, s.se),
                    crate::rqmc::SeMethod::Weighted => {
                        crate::tail::estimate::mean(&column(), results.weights())
                            .unwrap_or((s.mean, s.se))
                    }
                    rqmc => (
                        s.mean,
                        rqmc.se(&column(), results.first_path()).map(|(se, _)| se),
                    ),
                };
                outcomes[k].mean.push(mean);
                outcomes[k].se.push(se);
            }
            Ok(())
        },
    )?;
    Ok((outcomes, stopwatch.stop(threads, loans_simulated)))
}
