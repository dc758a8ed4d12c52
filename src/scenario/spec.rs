//! The scenario file as written (docs/model.md §8): the plain serde mirror of the TOML, every
//! default filled in and unknown keys refused. Nothing here checks a range: a [`ScenarioSpec`]
//! is what was written, and only validation (`validate.rs`) turns it into a `Scenario`.
//! The defaults of every key live here, in the `Default` impls and the `default_*` functions;
//! the key registry (`keys.rs`) reads them from here rather than repeating them.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize};

/// The whole scenario as written in TOML, with defaults filled in (docs/model.md §8).
///
/// Integers are kept as `i64` here so that a negative or oversized count is reported by
/// validation with its allowed range, not as a type error.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioSpec {
    /// Another scenario file (relative to this one) whose values this one starts from; its own
    /// keys are laid over them, segments merged by name. Resolved away on loading.
    #[serde(default, skip_serializing)]
    pub extends: Option<String>,
    /// A CSV file of sets of the `[[uncertain]]` parameters (a column per parameter, named as
    /// it is), relative to this file: each path of a run with parameter uncertainty takes one
    /// whole set, the parameters drawn jointly, instead of drawing each from its distribution.
    /// `microfolio calibrate` writes it (`kept.csv`) with `calibrated.toml` (`sets.rs`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uncertain_sets: Option<String>,
    #[serde(default)]
    pub meta: Meta,
    #[serde(default)]
    pub simulation: Simulation,
    #[serde(default)]
    pub funding: Funding,
    #[serde(default)]
    pub initial_book: InitialBook,
    #[serde(default)]
    pub origination: Origination,
    #[serde(default)]
    pub credit_cycle: CreditCycle,
    #[serde(default)]
    pub followup: Followup,
    #[serde(default)]
    pub costs: Costs,
    /// `[bmkb]`: the state's BMKB guarantee on graduates' bank loans and the lender's own.
    #[serde(default)]
    pub bmkb: Bmkb,
    /// `[state]`: how the state values its flows and when it settles with the lender.
    #[serde(default)]
    pub state: State,
    /// `[resolution]`: what happens to a lender whose capital is gone (docs/model.md §11.3).
    #[serde(default)]
    pub resolution: Resolution,
    /// At least one is required.
    #[serde(default, rename = "segment")]
    pub segments: Vec<Segment>,
    /// `[sensitivity]`: the parameters a tornado study moves. Not used by a run.
    #[serde(default)]
    pub sensitivity: Sensitivity,
    /// `[[uncertain]]`: parameters drawn from distributions by `run --uncertain` and global
    /// sensitivity studies (`uncertain.rs`). Not written when empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub uncertain: Vec<super::uncertain::UncertainSpec>,
}

impl ScenarioSpec {
    /// A copy without its `[[uncertain]]` section (and the file of kept sets it may be drawn
    /// from), which is not copied at all: the scenario of
    /// a drawn path or a design's point is made from this, thousands of times for a section
    /// of up to a thousand parameters. Every field is named, so that a new one is not
    /// forgotten here.
    pub fn without_uncertain(&self) -> ScenarioSpec {
        let ScenarioSpec {
            extends,
            meta,
            simulation,
            funding,
            initial_book,
            origination,
            credit_cycle,
            followup,
            costs,
            bmkb,
            state,
            resolution,
            segments,
            sensitivity,
            uncertain: _,
            uncertain_sets: _,
        } = self;
        ScenarioSpec {
            extends: extends.clone(),
            meta: meta.clone(),
            simulation: simulation.clone(),
            funding: funding.clone(),
            initial_book: initial_book.clone(),
            origination: origination.clone(),
            credit_cycle: credit_cycle.clone(),
            followup: followup.clone(),
            costs: costs.clone(),
            bmkb: bmkb.clone(),
            state: state.clone(),
            resolution: resolution.clone(),
            segments: segments.clone(),
            sensitivity: sensitivity.clone(),
            uncertain: Vec::new(),
            uncertain_sets: None,
        }
    }
}

/// `[meta]`: what the scenario is called and when it starts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Meta {
    /// Name of the scenario, used for the output folder. Default: the file stem.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Free text shown in reports. Default: empty.
    pub description: String,
    /// Calendar year of month 0. Default 2026; 1900..3000.
    #[serde(deserialize_with = "integer")]
    pub start_year: i64,
}

impl Default for Meta {
    fn default() -> Self {
        Meta {
            name: None,
            description: String::new(),
            start_year: 2026,
        }
    }
}

/// `[simulation]`: size and randomness of the run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Simulation {
    /// Years simulated. Default 10; 1..50.
    #[serde(deserialize_with = "integer")]
    pub horizon_years: i64,
    /// Independent futures simulated. Default 10,000; at least 1.
    #[serde(deserialize_with = "integer")]
    pub paths: i64,
    /// Seed of every path's random stream. Default 20261127; 0..2^63-1, a TOML integer.
    pub seed: i64,
    /// How the paths' credit cycles are drawn (docs/model.md §12). Default `plain`.
    pub sampling: Sampling,
    /// With `rqmc`, the independent randomisations of the Sobol' points the paths share out,
    /// path `i` to randomisation `i mod R`. Default 16; 2..4096.
    #[serde(deserialize_with = "integer")]
    pub rqmc_randomisations: i64,
    /// With `tail`, the outcome whose bad tail the sampling aims at: a scalar metric with a
    /// direction. Default `min_capital` (its low tail: capital depleted).
    pub tail_metric: String,
    /// With `tail`, the share of paths, under plain sampling, in the tail aimed at. Default
    /// 0.02; 0.0001..0.5.
    pub tail_probability: f64,
    /// With `tail`, the paths of each stage of the pilot that chooses the shift. Default
    /// 1,000; 100..100,000.
    #[serde(deserialize_with = "integer")]
    pub tail_pilot_paths: i64,
}

impl Default for Simulation {
    fn default() -> Self {
        Simulation {
            horizon_years: 10,
            paths: 10_000,
            seed: 20_261_127,
            sampling: Sampling::Plain,
            rqmc_randomisations: 16,
            tail_metric: "min_capital".to_string(),
            tail_probability: 0.02,
            tail_pilot_paths: 2_000,
        }
    }
}

/// `simulation.sampling` (docs/model.md §12).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sampling {
    /// Every path's yearly innovations from its own random stream.
    Plain,
    /// Randomised quasi-Monte Carlo: the yearly innovations from scrambled Sobol' points.
    Rqmc,
    /// Importance sampling of the tail: the yearly innovations from the path's stream shifted
    /// towards bad years, every path weighted by its likelihood ratio.
    Tail,
}

impl Sampling {
    /// The words of the scenario file.
    pub const NAMES: &'static [&'static str] = &["plain", "rqmc", "tail"];

    pub fn name(self) -> &'static str {
        match self {
            Sampling::Plain => "plain",
            Sampling::Rqmc => "rqmc",
            Sampling::Tail => "tail",
        }
    }
}

/// `[funding]`: the balance sheet's liabilities and the funding rules (euros, annual rates).
///
/// External debt is drawn from funding facilities (docs/model.md §11.1): the
/// `[[funding.facility]]` list, or without it one facility built from the three older keys
/// `guarantee_room`, `external_rate` and `guarantee_fee`, guaranteed in full. The two ways
/// exclude each other: those keys are `None` where the file lists facilities, and filled with
/// their defaults where it lists none ([`ScenarioSpec::settle_funding`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Funding {
    pub state_loan: f64,
    pub state_loan_rate: f64,
    pub initial_reserves: f64,
    /// The one facility's limit, without `[[funding.facility]]`. Default 130e6.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guarantee_room: Option<f64>,
    /// The one facility's rate, without `[[funding.facility]]`. Default 0.03.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_rate: Option<f64>,
    /// The one facility's guarantee fee, without `[[funding.facility]]`. Default 0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guarantee_fee: Option<f64>,
    /// The most the state may guarantee, `Σ guaranteed_share × limit` in any year. Default:
    /// no ceiling.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guarantee_ceiling: Option<f64>,
    pub min_cash: f64,
    pub cash_target: f64,
    pub min_capital_ratio: f64,
    /// `[[funding.facility]]`: the facilities, drawn in this order and repaid in reverse.
    /// `None` where the file lists none (the older keys' one facility); `Some([])` is no
    /// external funding.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub facility: Option<Vec<Facility>>,
}

impl Default for Funding {
    fn default() -> Self {
        Funding {
            state_loan: 44.7e6,
            state_loan_rate: 0.0,
            initial_reserves: 0.0,
            guarantee_room: Some(DEFAULT_GUARANTEE_ROOM),
            external_rate: Some(DEFAULT_FACILITY_RATE),
            guarantee_fee: Some(0.0),
            guarantee_ceiling: None,
            min_cash: 2e6,
            cash_target: 6e6,
            min_capital_ratio: 0.0,
            facility: None,
        }
    }
}

/// `funding.guarantee_room`'s default, euros.
pub const DEFAULT_GUARANTEE_ROOM: f64 = 130e6;
/// The default annual rate of a facility (and `funding.external_rate`'s).
pub const DEFAULT_FACILITY_RATE: f64 = 0.03;

/// `[[funding.facility]]`: one loan facility of the lender's, partly guaranteed by the state
/// (docs/model.md §11.1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Facility {
    /// Letters, digits, `_` and `-`; unique among the facilities.
    pub name: String,
    /// The most that may be drawn, euros; or `limits`, one per report year.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<f64>,
    /// The limit per report year (the last holds for later years), in place of `limit`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limits: Option<Vec<f64>>,
    /// Share of the drawn amount the state guarantees, 0..1. Required (checked by validation,
    /// so that a variant's table that changes another key of a parent's facility need not
    /// repeat it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guaranteed_share: Option<f64>,
    /// Annual interest the lender pays on the drawn amount. Default 0.03.
    #[serde(default = "default_facility_rate")]
    pub rate: f64,
    /// Annual fee on the guaranteed part of the drawn amount, paid to the state. Default 0.
    #[serde(default)]
    pub guarantee_fee: f64,
}

fn default_facility_rate() -> f64 {
    DEFAULT_FACILITY_RATE
}

impl Facility {
    /// The facility's limit in report year `year` (0-based): `limit`, or the year's entry of
    /// `limits` (the last for later years).
    pub fn limit_in(&self, year: usize) -> f64 {
        match (&self.limits, self.limit) {
            (Some(list), _) if !list.is_empty() => list[year.min(list.len() - 1)],
            (_, Some(limit)) => limit,
            _ => 0.0,
        }
    }

    /// The share of its drawn amount the state guarantees (0 where unset: validation refuses
    /// that).
    pub fn share(&self) -> f64 {
        self.guaranteed_share.unwrap_or(0.0)
    }

    /// A facility named `name` of `limit` at `guaranteed_share`, the other keys at their
    /// defaults.
    pub fn named(name: &str, limit: f64, guaranteed_share: f64) -> Facility {
        Facility {
            name: name.to_string(),
            limit: Some(limit),
            limits: None,
            guaranteed_share: Some(guaranteed_share),
            rate: DEFAULT_FACILITY_RATE,
            guarantee_fee: 0.0,
        }
    }
}

/// `[initial_book]`: the loans already on the book at month 0.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct InitialBook {
    #[serde(deserialize_with = "integer")]
    pub loans: i64,
    #[serde(deserialize_with = "integer")]
    pub max_age_months: i64,
}

impl Default for InitialBook {
    fn default() -> Self {
        InitialBook {
            loans: 0,
            max_age_months: 1200,
        }
    }
}

/// `[origination]`: new demand.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Origination {
    /// Expected requests per year in year 0 (a Poisson rate, so it need not be whole).
    pub loans_per_year: f64,
    pub growth_per_year: f64,
    /// Largest credit, euros.
    pub cap: f64,
}

impl Default for Origination {
    fn default() -> Self {
        Origination {
            loans_per_year: 2400.0,
            growth_per_year: 0.0,
            cap: 250_000.0,
        }
    }
}

/// `[credit_cycle]`: the systemic factor (docs/model.md §3).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct CreditCycle {
    pub asset_correlation: f64,
    pub persistence: f64,
    pub shifts: Vec<f64>,
}

/// `[followup]`: follow-up financing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Followup {
    pub referral_share: f64,
    pub size_multiplier: f64,
    pub pd_multiplier: f64,
}

impl Default for Followup {
    fn default() -> Self {
        Followup {
            referral_share: 0.5,
            size_multiplier: 1.5,
            pd_multiplier: 1.0,
        }
    }
}

/// `[costs]`: operating costs in euros.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct Costs {
    pub fixed_per_year: f64,
    pub per_new_loan: f64,
    pub per_active_loan_per_year: f64,
    pub coaching_per_new_loan: f64,
}

/// `[bmkb]`: the BMKB guarantee (docs/model.md §10). Off by default; ranges are checked even
/// when it is off.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Bmkb {
    /// Whether BMKB is simulated at all. Default false.
    pub enabled: bool,
    /// Share of graduates' bank loans that are BMKB-backed. Default 0.
    pub graduate_share: f64,
    /// A graduate's bank-loan PD over its segment's `annual_pd`. Default 1.
    pub graduate_pd_multiplier: f64,
    /// Term of a graduate's bank loan, months. Default 60.
    #[serde(deserialize_with = "integer")]
    pub bank_term_months: i64,
    /// Longest guarantee, months from the credit's start. Default 72.
    #[serde(deserialize_with = "integer")]
    pub guarantee_months: i64,
    /// The BSK (guaranteed part) as a share of the credit. Default 0.5.
    pub bsk_share: f64,
    /// Largest BSK per credit, euros. Default 1.5e6.
    pub max_bsk: f64,
    /// Share of a loss on the BSK that the state pays. Default 0.9.
    pub coverage: f64,
    /// Months from a default to the state's payment of the claim. Default 12.
    #[serde(deserialize_with = "integer")]
    pub claim_lag_months: i64,
    /// One-off premium on the BSK by the guarantee's term: rows `[max_quarters, rate]`.
    pub premium_table: Vec<[f64; 2]>,
}

impl Default for Bmkb {
    fn default() -> Self {
        Bmkb {
            enabled: false,
            graduate_share: 0.0,
            graduate_pd_multiplier: 1.0,
            bank_term_months: 60,
            guarantee_months: 72,
            bsk_share: 0.5,
            max_bsk: 1.5e6,
            coverage: 0.9,
            claim_lag_months: 12,
            premium_table: vec![[8.0, 0.039], [24.0, 0.0425], [48.0, 0.0585]],
        }
    }
}

/// `[state]`: the state's own terms.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct State {
    /// Annual nominal rate at which the state discounts its flows, and its own cost of funds.
    /// Default 0.0225.
    pub discount_rate: f64,
    /// When the state settles with the lender (docs/model.md §11.2). Default `par`.
    pub settlement: Settlement,
    /// The share of the fixed costs a lender in run-off still pays, 0..1. Default 0.5.
    pub run_off_fixed_share: f64,
    /// Whether `timeseries.csv` shows the ledger after the horizon year by year rather than
    /// in one row, `after`. Default false.
    pub run_off_years: bool,
}

impl Default for State {
    fn default() -> Self {
        State {
            discount_rate: 0.0225,
            settlement: Settlement::Par,
            run_off_fixed_share: 0.5,
            run_off_years: false,
        }
    }
}

/// `state.settlement` (docs/model.md §11.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Settlement {
    /// At the horizon, with the book at par.
    Par,
    /// When the book has run off after the horizon.
    RunOff,
}

impl Settlement {
    /// The words of the scenario file.
    pub const NAMES: &'static [&'static str] = &["par", "run_off"];

    pub fn name(self) -> &'static str {
        match self {
            Settlement::Par => "par",
            Settlement::RunOff => "run_off",
        }
    }
}

/// `[resolution]`: what becomes of a lender whose capital is gone (docs/model.md §11.3).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Resolution {
    /// Default `none`: lending closed while capital is short, costs go on.
    pub rule: ResolutionRule,
    /// The trigger: capital below this share of the book. Default 0; -1..1.
    pub trigger_ratio: f64,
    /// ... at this many month-ends in a row. Default 3; 1..1200.
    #[serde(deserialize_with = "integer")]
    pub trigger_months: i64,
    /// A recapitalisation brings capital to this share of the book. Default 0.1.
    pub target_ratio: f64,
    /// The most the state injects in all, euros. Default 0; above 0 for `recapitalise`.
    pub max_injection: f64,
}

impl Default for Resolution {
    fn default() -> Self {
        Resolution {
            rule: ResolutionRule::None,
            trigger_ratio: 0.0,
            trigger_months: 3,
            target_ratio: 0.1,
            max_injection: 0.0,
        }
    }
}

/// `resolution.rule` (docs/model.md §11.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResolutionRule {
    /// No resolution: today's behaviour.
    None,
    /// The lender stops lending for good and runs its book off.
    WindDown,
    /// The state lends it capital up to a cap, then winds it down.
    Recapitalise,
}

impl ResolutionRule {
    /// The words of the scenario file.
    pub const NAMES: &'static [&'static str] = &["none", "wind_down", "recapitalise"];

    pub fn name(self) -> &'static str {
        match self {
            ResolutionRule::None => "none",
            ResolutionRule::WindDown => "wind_down",
            ResolutionRule::Recapitalise => "recapitalise",
        }
    }
}

/// `[[segment]]`: one kind of credit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Segment {
    pub name: String,
    #[serde(default = "one")]
    pub share: f64,
    #[serde(default = "default_mean_size")]
    pub mean_size: f64,
    #[serde(default)]
    pub size_cv: f64,
    #[serde(default)]
    pub min_size: f64,
    #[serde(default = "default_term", deserialize_with = "integer")]
    pub term_months: i64,
    #[serde(default, deserialize_with = "integer")]
    pub grace_months: i64,
    #[serde(default = "default_rate")]
    pub interest_rate: f64,
    #[serde(default)]
    pub origination_fee: f64,
    #[serde(default = "default_pd")]
    pub annual_pd: f64,
    #[serde(default = "default_seasoning")]
    pub seasoning: Vec<f64>,
    #[serde(default = "default_recovery_mean")]
    pub recovery_mean: f64,
    #[serde(default)]
    pub recovery_sd: f64,
    #[serde(default = "default_recovery_lag", deserialize_with = "integer")]
    pub recovery_lag_months: i64,
    #[serde(default)]
    pub followup_rate: f64,
    #[serde(default = "default_followup_min_age", deserialize_with = "integer")]
    pub followup_min_age_months: i64,
    #[serde(default)]
    pub prepay_rate: f64,
    #[serde(default = "one")]
    pub jobs_per_loan: f64,
    /// Share of the lender's own loans of this segment that are BMKB-backed. Default 0.
    #[serde(default)]
    pub bmkb_share: f64,
}

fn one() -> f64 {
    1.0
}
fn default_mean_size() -> f64 {
    20_000.0
}
fn default_term() -> i64 {
    60
}
fn default_rate() -> f64 {
    0.08
}
fn default_pd() -> f64 {
    0.03
}
fn default_seasoning() -> Vec<f64> {
    vec![1.0]
}
fn default_recovery_mean() -> f64 {
    0.3
}
fn default_recovery_lag() -> i64 {
    12
}
fn default_followup_min_age() -> i64 {
    12
}

impl Segment {
    /// A segment with every default of docs/model.md §8 and the given name.
    pub fn named(name: &str) -> Segment {
        Segment {
            name: name.to_string(),
            share: 1.0,
            mean_size: default_mean_size(),
            size_cv: 0.0,
            min_size: 0.0,
            term_months: default_term(),
            grace_months: 0,
            interest_rate: default_rate(),
            origination_fee: 0.0,
            annual_pd: default_pd(),
            seasoning: default_seasoning(),
            recovery_mean: default_recovery_mean(),
            recovery_sd: 0.0,
            recovery_lag_months: default_recovery_lag(),
            followup_rate: 0.0,
            followup_min_age_months: default_followup_min_age(),
            prepay_rate: 0.0,
            jobs_per_loan: 1.0,
            bmkb_share: 0.0,
        }
    }
}

/// `[sensitivity]`: settings of sensitivity studies (docs/studies.md). A run ignores them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct Sensitivity {
    /// The parameters `microfolio tornado` moves, each alone to its low and its high value.
    /// Default: empty, which makes the tornado move every numeric parameter of the segments,
    /// credit cycle, follow-up and funding sections by ±20%.
    pub parameters: Vec<SensitivityParameter>,
}

/// One parameter of a tornado: `{ key = "followup.referral_share", low = 0.2, high = 0.8 }`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SensitivityParameter {
    /// Dotted path as in an override, segments by name: `segment.<name>.<key>`.
    pub key: String,
    /// The low setting, in the key's own unit; below `high`.
    pub low: f64,
    /// The high setting.
    pub high: f64,
}

/// Counts and months are integers, but a float with no fraction is accepted too (docs/model.md §8),
/// so that the override `simulation.paths=1e5` works.
fn integer<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    struct V;
    impl serde::de::Visitor<'_> for V {
        type Value = i64;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a whole number")
        }
        fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<i64, E> {
            Ok(v)
        }
        fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<i64, E> {
            i64::try_from(v).map_err(|_| E::custom(format!("{v} is too large")))
        }
        fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<i64, E> {
            // 2^63 is the first float out of range.
            if v.is_finite() && v.fract() == 0.0 && v.abs() < 9.223_372_036_854_776e18 {
                Ok(v as i64)
            } else {
                Err(E::custom(format!(
                    "invalid value {v}, expected a whole number"
                )))
            }
        }
    }
    d.deserialize_any(V)
}

impl ScenarioSpec {
    /// The resolved scenario as TOML, every key written out, so that it can be run again alone.
    pub fn to_toml(&self) -> String {
        let text = toml::to_string_pretty(self).expect("a scenario always serialises to TOML");
        // The pretty printer breaks a list of lists over ragged lines and writes the whole
        // quarters as floats: the premium table is written as its rows, as a person writes it.
        let rows: Vec<String> = self
            .bmkb
            .premium_table
            .iter()
            .map(|[quarters, rate]| format!("[{quarters:.0}, {}]", toml::Value::Float(*rate)))
            .collect();
        let table = format!("premium_table = [{}]", rows.join(", "));
        match text.find("premium_table = [") {
            Some(start) => {
                let end = text[start..]
                    .find("\n]\n")
                    .map_or(text.len(), |e| start + e + 2);
                format!("{}{table}{}", &text[..start], &text[end..])
            }
            None => text,
        }
    }

    /// The resolved scenario as a TOML table (every key written out).
    pub(super) fn to_table(&self) -> toml::Table {
        toml::Table::try_from(self).expect("a scenario always serialises to TOML")
    }
}
