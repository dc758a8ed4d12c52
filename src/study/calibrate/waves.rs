//! The waves of a history match, without an emulator (docs/calibration.md, "History
//! matching"). The space is the unit cube of the `[[uncertain]]` parameters: a point's
//! coordinate `u` stands for the value at quantile `u` of the parameter's prior, so a uniform
//! sample of a region of the cube is a sample of the prior restricted to it.
//!
//! - Wave 1 is a scrambled Sobol' design over the whole cube.
//! - Wave `k + 1` samples the *box* of wave `k`: the bounding box of its kept points, widened on
//!   each side, within wave `k`'s own box, by two strata of wave `k`'s design along the axis
//!   (`2 × width_k / n`: each one-dimensional projection of a scrambled Sobol' net of `n`
//!   points has one point in each of `n` equal strata, so in one dimension the region's edge
//!   lies at most two strata beyond its extreme kept point) plus the kept points' spread over
//!   their number plus one (the gap `k` uniform points expect to leave at an end, which is what
//!   counts in several dimensions, where the kept points are not stratified).
//!   Candidates come from a scrambled Sobol' design mapped into the box (a fresh scrambling
//!   per wave), and a candidate is *rejected* when its nearest point of the earlier waves
//!   (distances measured in widths of the box) was ruled out: a nearest-neighbour classifier
//!   stands in for an emulator, so that no point is spent where an earlier wave already saw
//!   the space ruled out, and the accepted candidates are a uniform sample of the prior
//!   restricted to what the earlier waves left, as far as their points resolve it. Candidates
//!   are drawn until the wave has its points or a limit of [`CANDIDATES_PER_POINT`] per point
//!   is reached.
//! - The waves stop when the kept share of a wave differs from the last wave's by less than
//!   [`SETTLED`] (five percentage points), when no point is kept, or after the waves asked for.
//!
//! What is left of the prior after wave `k` is estimated as the box's prior mass times the
//! share of candidates accepted times the share of the simulated points kept: each wave
//! samples uniformly from what the earlier ones left, so the product is the mass not yet ruled
//! out. Everything is deterministic from the seed; the evaluation of a wave's points is the
//! caller's (the model, or in the tests a function with a known answer). The waves run as
//! steps, [`next`] designing a wave from the history before it and [`record`] judging it, so
//! that they can pause after any wave and go on from a history read back (a calibration run in
//! shards, one wave at a time: [`super::resume`]).

use super::implausibility::{Measure, TargetStats, implausibility};
use super::targets::Target;
use crate::error::Error;
use crate::gsa::Sobol;
use crate::random::{GOLDEN, mix};

/// A wave has settled when its kept share differs from the last wave's by less than this.
pub const SETTLED: f64 = 0.05;

/// Candidates drawn at most per point of a wave, before the wave runs with fewer points.
pub const CANDIDATES_PER_POINT: usize = 64;

/// How the waves run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WaveSettings {
    /// Points per wave.
    pub points: usize,
    /// Waves at most.
    pub waves: usize,
    pub cutoff: f64,
    pub measure: Measure,
    /// Seeds the designs' scrambling.
    pub seed: u64,
}

/// A region of the unit cube: `low[i] <= u[i] <= high[i]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Region {
    pub low: Vec<f64>,
    pub high: Vec<f64>,
}

impl Region {
    /// The whole cube in `dims` dimensions.
    pub fn cube(dims: usize) -> Region {
        Region {
            low: vec![0.0; dims],
            high: vec![1.0; dims],
        }
    }

    /// Its prior mass: the product of its widths.
    pub fn volume(&self) -> f64 {
        self.low
            .iter()
            .zip(&self.high)
            .map(|(l, h)| h - l)
            .product()
    }

    /// Whether `u` lies in it (ends included).
    pub fn contains(&self, u: &[f64]) -> bool {
        u.iter()
            .zip(self.low.iter().zip(&self.high))
            .all(|(x, (l, h))| *x >= *l && *x <= *h)
    }

    /// The bounding box of `points`, widened (see the module's paragraph) and kept in the cube;
    /// `last` is the region they were drawn from. `None` without points.
    pub fn around(points: &[&[f64]], last: &Region, per_wave: usize) -> Option<Region> {
        let first = points.first()?;
        let dims = first.len();
        let k = points.len() as f64;
        let mut low = first.to_vec();
        let mut high = first.to_vec();
        for p in points {
            for i in 0..dims {
                low[i] = low[i].min(p[i]);
                high[i] = high[i].max(p[i]);
            }
        }
        for i in 0..dims {
            let last_width = last.high[i] - last.low[i];
            let pad = 2.0 * last_width / per_wave.max(1) as f64 + (high[i] - low[i]) / (k + 1.0);
            low[i] = (low[i] - pad).max(last.low[i]);
            high[i] = (high[i] + pad).min(last.high[i]);
        }
        Some(Region { low, high })
    }

    /// A point of the unit cube `v` mapped into the region, strictly inside `(0, 1)` so that any
    /// quantile function is finite there.
    fn map(&self, v: &[f64]) -> Vec<f64> {
        const EDGE: f64 = 1e-12;
        v.iter()
            .zip(self.low.iter().zip(&self.high))
            .map(|(x, (l, h))| (l + x * (h - l)).clamp(EDGE, 1.0 - EDGE))
            .collect()
    }
}

/// A point of a wave, judged.
#[derive(Debug, Clone, PartialEq)]
pub struct Judged {
    /// Its coordinates on the unit cube.
    pub unit: Vec<f64>,
    /// Its wave, from 1.
    pub wave: usize,
    /// Its position in the wave.
    pub index: usize,
    /// Each target's statistics at the point.
    pub stats: Vec<TargetStats>,
    /// Each target's implausibility.
    pub implausibility: Vec<f64>,
    /// The measure the cut-off applies to.
    pub measure: f64,
    pub kept: bool,
}

/// What a wave did.
#[derive(Debug, Clone, PartialEq)]
pub struct Wave {
    /// From 1.
    pub wave: usize,
    /// Where it sampled.
    pub region: Region,
    /// Candidates drawn, and of them rejected by their nearest point of the last wave.
    pub candidates: usize,
    pub rejected: usize,
    /// Points simulated and kept.
    pub points: usize,
    pub kept: usize,
    /// Per target, the points whose implausibility for it is above the cut-off.
    pub ruled_out_by: Vec<usize>,
    /// The prior mass not yet ruled out after the wave (see the module's paragraph).
    pub space_left: f64,
}

/// The columns of the table of waves, in the terminal's summary and the report alike.
pub const WAVE_COLUMNS: [&str; 8] = [
    "wave",
    "points",
    "candidates",
    "rejected",
    "kept",
    "kept share",
    "box volume",
    "prior left",
];

impl Wave {
    /// The wave's row of the table of waves ([`WAVE_COLUMNS`]), as shown.
    pub fn cells(&self) -> [String; 8] {
        [
            self.wave.to_string(),
            self.points.to_string(),
            self.candidates.to_string(),
            self.rejected.to_string(),
            self.kept.to_string(),
            format!("{:.1}%", 100.0 * self.kept_share()),
            format!("{:.3}", self.region.volume()),
            format!("{:.3}%", 100.0 * self.space_left),
        ]
    }

    /// The share of the wave's points kept.
    pub fn kept_share(&self) -> f64 {
        if self.points == 0 {
            0.0
        } else {
            self.kept as f64 / self.points as f64
        }
    }
}

/// Why the waves stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// The kept share changed by less than [`SETTLED`].
    Settled,
    /// No point of the last wave was kept.
    NothingKept,
    /// The waves asked for have run.
    Waves,
    /// No candidate was accepted into the next wave.
    NoCandidates,
}

impl Stop {
    /// In words, for the summary and the report.
    pub fn describe(self) -> &'static str {
        match self {
            Stop::Settled => "the kept share changed by less than 5 percentage points",
            Stop::NothingKept => "no point of the last wave was kept",
            Stop::Waves => "the waves asked for have run",
            Stop::NoCandidates => {
                "no candidate for a further wave lay where the last wave kept points"
            }
        }
    }
}

/// Every wave's points and what each wave did.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct History {
    pub points: Vec<Judged>,
    pub waves: Vec<Wave>,
    /// Why the waves stopped; `None` while they go on (a calibration run in shards, one wave at
    /// a time, whose next wave is still to run).
    pub stop: Option<Stop>,
}

impl History {
    /// Why the waves stopped, in words, or which wave comes next: for the terminal and the
    /// report.
    pub fn stop_text(&self) -> String {
        match self.stop {
            Some(s) => format!("stopped because {}", s.describe()),
            None => format!(
                "not stopped: wave {} is next, continuing from this result folder \
                 (calibrate --continue)",
                self.waves.len() + 1
            ),
        }
    }

    /// The kept points of the last wave: the sample of the prior restricted to what the
    /// record leaves.
    pub fn kept(&self) -> impl Iterator<Item = &Judged> {
        let last = self.waves.last().map_or(0, |w| w.wave);
        self.points.iter().filter(move |p| p.wave == last && p.kept)
    }
}

/// The scrambling seed of wave `wave`'s design.
pub fn wave_seed(seed: u64, wave: usize) -> u64 {
    mix(seed ^ GOLDEN.wrapping_mul(wave as u64 + 1)) >> 1
}

/// The points of a wave: `settings.points` points of a scrambled Sobol' design in `region`,
/// the candidates whose nearest point of the earlier waves, `earlier`, was ruled out rejected. Returns the points,
/// the candidates drawn and how many were rejected.
pub fn design(
    region: &Region,
    earlier: &[Judged],
    settings: &WaveSettings,
    wave: usize,
) -> Result<(Vec<Vec<f64>>, usize, usize), Error> {
    let dims = region.low.len();
    let mut sobol = Sobol::scrambled(dims, wave_seed(settings.seed, wave))
        .map_err(|e| Error::Input(e.to_string()))?;
    let widths: Vec<f64> = region
        .low
        .iter()
        .zip(&region.high)
        .map(|(l, h)| (h - l).max(1e-12))
        .collect();
    let nearest_kept = |u: &[f64]| -> bool {
        let mut best = (f64::INFINITY, true);
        for p in earlier {
            let d: f64 = u
                .iter()
                .zip(&p.unit)
                .zip(&widths)
                .map(|((a, b), w)| ((a - b) / w).powi(2))
                .sum();
            if d < best.0 {
                best = (d, p.kept);
            }
        }
        best.1
    };
    let mut points = Vec::with_capacity(settings.points);
    let (mut candidates, mut rejected) = (0, 0);
    let mut v = vec![0.0; dims];
    while points.len() < settings.points
        && candidates < CANDIDATES_PER_POINT * settings.points
        && sobol.next_into(&mut v)
    {
        candidates += 1;
        let u = region.map(&v);
        if earlier.is_empty() || nearest_kept(&u) {
            points.push(u);
        } else {
            rejected += 1;
        }
    }
    Ok((points, candidates, rejected))
}

/// Judge a point of a wave from its targets' statistics.
pub fn judge(
    targets: &[Target],
    settings: &WaveSettings,
    unit: Vec<f64>,
    wave: usize,
    index: usize,
    stats: Vec<TargetStats>,
) -> Judged {
    let implausibility: Vec<f64> = targets
        .iter()
        .zip(&stats)
        .map(|(t, s)| implausibility(t, s))
        .collect();
    let measure = settings.measure.of(&implausibility);
    Judged {
        unit,
        wave,
        index,
        stats,
        kept: measure <= settings.cutoff,
        implausibility,
        measure,
    }
}

/// The next wave after `history`: where it samples and its points, designed.
#[derive(Debug, Clone, PartialEq)]
pub struct Planned {
    /// From 1.
    pub wave: usize,
    pub region: Region,
    pub points: Vec<Vec<f64>>,
    /// Candidates drawn, and of them rejected.
    pub candidates: usize,
    pub rejected: usize,
}

/// What comes after the waves of `history` over `dims` parameters: the next wave, designed, or
/// why the waves stop. Deterministic from the history and the settings, so that a history
/// read back from a result folder designs the very wave a single process would have run next
/// (a calibration run in shards, one wave at a time).
pub fn next(
    dims: usize,
    settings: &WaveSettings,
    history: &History,
) -> Result<Result<Planned, Stop>, Error> {
    let last_wave = history.waves.len();
    let region = match history.waves.last() {
        None => Region::cube(dims),
        Some(w) => {
            if w.kept == 0 {
                return Ok(Err(Stop::NothingKept));
            }
            let settled = last_wave >= 2
                && (history.waves[last_wave - 2].kept_share() - w.kept_share()).abs() < SETTLED;
            if settled {
                return Ok(Err(Stop::Settled));
            }
            if last_wave >= settings.waves.max(1) {
                return Ok(Err(Stop::Waves));
            }
            let kept_units: Vec<&[f64]> = history
                .points
                .iter()
                .filter(|p| p.wave == w.wave && p.kept)
                .map(|p| p.unit.as_slice())
                .collect();
            Region::around(&kept_units, &w.region, settings.points)
                .expect("a wave with kept points has a box")
        }
    };
    let wave = last_wave + 1;
    let (points, candidates, rejected) = design(&region, &history.points, settings, wave)?;
    if points.is_empty() {
        return Ok(Err(Stop::NoCandidates));
    }
    Ok(Ok(Planned {
        wave,
        region,
        points,
        candidates,
        rejected,
    }))
}

/// Judge the points of the wave `planned` from their targets' statistics `stats` (in point
/// order) and add the wave to `history`.
pub fn record(
    history: &mut History,
    targets: &[Target],
    settings: &WaveSettings,
    planned: Planned,
    stats: Vec<Vec<TargetStats>>,
) {
    let Planned {
        wave,
        region,
        points,
        candidates,
        rejected,
    } = planned;
    let judged: Vec<Judged> = points
        .into_iter()
        .zip(stats)
        .enumerate()
        .map(|(i, (u, s))| judge(targets, settings, u, wave, i, s))
        .collect();
    let kept = judged.iter().filter(|p| p.kept).count();
    let ruled_out_by = (0..targets.len())
        .map(|t| {
            judged
                .iter()
                // NaN (undefined) counts as ruled out, as in the measure.
                .filter(|p| p.implausibility[t].is_nan() || p.implausibility[t] > settings.cutoff)
                .count()
        })
        .collect();
    let accepted = (candidates - rejected) as f64 / candidates.max(1) as f64;
    let share = kept as f64 / judged.len().max(1) as f64;
    // The box's mass is relative to the whole cube; what the earlier waves ruled out outside
    // the box is ruled out already, so the product is the mass left.
    let before = history.waves.last().map_or(1.0, |w| w.space_left);
    let space = (region.volume() * accepted * share).min(before);
    history.waves.push(Wave {
        wave,
        region,
        candidates,
        rejected,
        points: judged.len(),
        kept,
        ruled_out_by,
        space_left: space,
    });
    history.points.extend(judged);
}

/// Run the waves over `dims` parameters: `evaluate(wave, points)` gives each point's targets'
/// statistics, in point order.
pub fn run(
    dims: usize,
    targets: &[Target],
    settings: &WaveSettings,
    evaluate: impl FnMut(usize, &[Vec<f64>]) -> Result<Vec<Vec<TargetStats>>, Error>,
) -> Result<History, Error> {
    run_from(History::default(), dims, targets, settings, evaluate)
}

/// Run the waves that follow `history` (the waves run so far, not stopped) until they stop.
pub fn run_from(
    mut history: History,
    dims: usize,
    targets: &[Target],
    settings: &WaveSettings,
    mut evaluate: impl FnMut(usize, &[Vec<f64>]) -> Result<Vec<Vec<TargetStats>>, Error>,
) -> Result<History, Error> {
    loop {
        match next(dims, settings, &history)? {
            Err(stop) => {
                history.stop = Some(stop);
                return Ok(history);
            }
            Ok(planned) => {
                let stats = evaluate(planned.wave, &planned.points)?;
                record(&mut history, targets, settings, planned, stats);
            }
        }
    }
}
