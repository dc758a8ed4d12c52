//! The one registry of scenario keys (docs/model.md §8, docs/scenarios.md): for every key of the
//! file its section and field, a short human label, what it holds and what it is for; for a
//! numeric key also its unit, its allowed range (ends open or closed), whether it is whole,
//! and where it lives in a [`ScenarioSpec`]. Validation checks every range from here, studies
//! read, vary and bound keys through it, charts label their axes with it, and a test keeps
//! docs/scenarios.md complete against it. Defaults are not repeated: they are read from the
//! serde defaults in `spec.rs` ([`KeySpec::default_value`]).
//!
//! Segment keys are one entry each and apply to every segment; a dotted path names the segment
//! (`segment.NAME.field`). Facility keys likewise apply to every `[[funding.facility]]`
//! (`funding.facility.NAME.field`). Rules between keys (`cash_target >= min_cash`, `grace < term`, ...)
//! are not ranges of one key: they are the named checks of `validate.rs`.

use std::fmt;
use std::ops::Bound::{self, Excluded, Included, Unbounded};

use super::error::fmt_value;
use super::spec::{Facility, ResolutionRule, Sampling, ScenarioSpec, Segment, Settlement};
use crate::units::Unit;

/// Maximum horizon in years.
pub const MAX_HORIZON_YEARS: i64 = 50;
/// Maximum loan term in months.
pub const MAX_TERM_MONTHS: i64 = 1200;
/// Maximum number of paths (memory is checked separately, before a run starts).
pub const MAX_PATHS: i64 = 1_000_000_000;
/// Most randomisations of `simulation.sampling = "rqmc"`: each is a scrambled Sobol' sequence
/// the model keeps.
pub const MAX_RANDOMISATIONS: i64 = 4096;
/// Maximum loans in the initial book.
pub const MAX_INITIAL_LOANS: i64 = 10_000_000;
/// Maximum expected new requests in any year (growth included).
pub const MAX_LOANS_PER_YEAR: f64 = 1e7;
/// Maximum number of segments.
pub const MAX_SEGMENTS: usize = 1000;
/// Largest amount of money in any key, in euros: far beyond any lender, small enough that no
/// sum over a run can overflow.
pub const MAX_MONEY: f64 = 1e15;
/// Largest multiplier, share or CV.
pub const MAX_FACTOR: f64 = 1e6;
/// Largest systemic shift, in standard deviations.
pub const MAX_SHIFT: f64 = 1e3;
/// Longest seasoning curve, in loan years (the longest term is 100 years).
pub const MAX_SEASONING_YEARS: usize = 100;
/// Largest yearly growth of demand (10 is +1000% a year).
pub const MAX_GROWTH: f64 = 10.0;

/// A number as a scenario holds it: counts and months whole, everything else real.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Number {
    Whole(i64),
    Real(f64),
}

impl Number {
    /// The value as a float (exact for every whole value a scenario allows).
    pub fn as_f64(self) -> f64 {
        match self {
            Number::Whole(i) => i as f64,
            Number::Real(x) => x,
        }
    }
}

impl fmt::Display for Number {
    /// As the user would write it: `60`, `0.08`, `nan`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Number::Whole(i) => write!(f, "{i}"),
            Number::Real(x) => f.write_str(&fmt_value(*x)),
        }
    }
}

/// What a key is for: which keys a study may vary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// A model parameter: a study may vary it.
    Parameter,
    /// Names or labels the scenario (`meta.*`, a segment's name).
    Label,
    /// The size and seed of a run (`simulation.paths`, `simulation.seed`): every variant of a
    /// study shares them (common random numbers).
    RunSize,
    /// Settings of the studies themselves (`sensitivity.*`).
    StudySetting,
}

/// The allowed range of a numeric key; a value must also be finite.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bounds {
    pub min: Bound<f64>,
    pub max: Bound<f64>,
}

impl Bounds {
    /// Whether `x` is finite and within the bounds.
    pub fn contains(&self, x: f64) -> bool {
        let above = match self.min {
            Included(lo) => x >= lo,
            Excluded(lo) => x > lo,
            Unbounded => true,
        };
        let below = match self.max {
            Included(hi) => x <= hi,
            Excluded(hi) => x < hi,
            Unbounded => true,
        };
        x.is_finite() && above && below
    }
}

/// `[lo, hi]`
const fn closed(lo: f64, hi: f64) -> Bounds {
    Bounds {
        min: Included(lo),
        max: Included(hi),
    }
}

/// `[lo, hi)`
const fn up_to(lo: f64, hi: f64) -> Bounds {
    Bounds {
        min: Included(lo),
        max: Excluded(hi),
    }
}

/// `(lo, hi]`
const fn above_to(lo: f64, hi: f64) -> Bounds {
    Bounds {
        min: Excluded(lo),
        max: Included(hi),
    }
}

/// `[lo, ∞)`
const fn at_least(lo: f64) -> Bounds {
    Bounds {
        min: Included(lo),
        max: Unbounded,
    }
}

/// `(lo, ∞)`
const fn above(lo: f64) -> Bounds {
    Bounds {
        min: Excluded(lo),
        max: Unbounded,
    }
}

/// `[0, MAX_MONEY]` euros.
const MONEY: Bounds = closed(0.0, MAX_MONEY);
/// `[0, 1]`: a fraction that may be 0 or 1.
const FRACTION: Bounds = closed(0.0, 1.0);
/// `[0, 1)`: a probability that may not be 1, or a correlation.
const BELOW_ONE: Bounds = up_to(0.0, 1.0);

/// A numeric key: unit, range, whole or not, and where its value lives.
#[derive(Debug, Clone, Copy)]
pub struct NumberSpec {
    pub unit: Unit,
    pub bounds: Bounds,
    /// A count or a number of months: only whole numbers.
    pub whole: bool,
    access: Access,
}

/// Reads and writes of one field, in the spec, a segment or a facility. A read is `None` for
/// a key the scenario does not set (the older funding keys beside facilities, a facility's
/// `limit` beside its `limits`, no ceiling).
#[derive(Clone, Copy)]
enum Access {
    Spec(
        fn(&ScenarioSpec) -> Option<Number>,
        fn(&mut ScenarioSpec, Number),
    ),
    Segment(fn(&Segment) -> Number, fn(&mut Segment, Number)),
    Facility(fn(&Facility) -> Option<Number>, fn(&mut Facility, Number)),
}

impl fmt::Debug for Access {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Access::Spec(..) => "Access::Spec",
            Access::Segment(..) => "Access::Segment",
            Access::Facility(..) => "Access::Facility",
        })
    }
}

/// The lists of named tables whose every entry has the same keys: `[[segment]]` and
/// `[[funding.facility]]`. A key of an item is named by the item's name in a dotted path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Items {
    Segments,
    Facilities,
}

impl Items {
    /// The registry's section of the items' keys.
    pub fn section(self) -> &'static str {
        match self {
            Items::Segments => "segment",
            Items::Facilities => "facility",
        }
    }

    /// The dotted path's prefix before an item's name: `segment`, `funding.facility`.
    pub fn prefix(self) -> &'static str {
        match self {
            Items::Segments => "segment",
            Items::Facilities => "funding.facility",
        }
    }

    /// One item in words: `segment`, `facility`.
    pub fn noun(self) -> &'static str {
        match self {
            Items::Segments => "segment",
            Items::Facilities => "facility",
        }
    }
}

/// The two kinds of numeric field, so that one accessor macro serves both.
trait Field: Copy {
    const WHOLE: bool;
    fn get(self) -> Number;
    /// Only called with a number of the field's own kind ([`NumberSpec::number`]).
    fn put(n: Number) -> Self;
}

impl Field for f64 {
    const WHOLE: bool = false;
    fn get(self) -> Number {
        Number::Real(self)
    }
    fn put(n: Number) -> f64 {
        n.as_f64()
    }
}

impl Field for i64 {
    const WHOLE: bool = true;
    fn get(self) -> Number {
        Number::Whole(self)
    }
    fn put(n: Number) -> i64 {
        match n {
            Number::Whole(i) => i,
            Number::Real(x) => x as i64,
        }
    }
}

const fn whole_of<S, T: Field>(_: fn(&S) -> T) -> bool {
    T::WHOLE
}

impl NumberSpec {
    /// `value` as this key holds it; `None` for a fraction in a whole key or a whole value
    /// beyond what the key can hold.
    pub fn number(&self, value: f64) -> Option<Number> {
        if !self.whole {
            Some(Number::Real(value))
        } else if value.fract() == 0.0 && value.abs() < 9.223_372_036_854_776e18 {
            Some(Number::Whole(value as i64))
        } else {
            None
        }
    }

    /// What is allowed, as a phrase: `a number from 0 up to but not including 1`, `a whole
    /// number >= 1`, `a number of euros from 0 to 1e15`. A non-finite `value` is told that
    /// the number must be finite.
    pub fn allowed(&self, value: Number) -> String {
        let finite = if value.as_f64().is_finite() {
            ""
        } else {
            "finite "
        };
        let noun = match (self.whole, self.unit) {
            (true, _) => "whole number",
            (false, Unit::Money) => "number of euros",
            (false, _) => "number",
        };
        let show = |x: f64| {
            if self.whole {
                format!("{}", x as i64)
            } else if x.abs() >= 1e6 {
                format!("{x:e}")
            } else {
                format!("{x}")
            }
        };
        let range = match (self.bounds.min, self.bounds.max) {
            (Included(lo), Included(hi)) => format!("from {} to {}", show(lo), show(hi)),
            (Included(lo), Excluded(hi)) => {
                format!("from {} up to but not including {}", show(lo), show(hi))
            }
            (Excluded(lo), Included(hi)) => format!("> {} and at most {}", show(lo), show(hi)),
            (Excluded(lo), Excluded(hi)) => format!("> {} and < {}", show(lo), show(hi)),
            (Included(lo), Unbounded) => format!(">= {}", show(lo)),
            (Excluded(lo), Unbounded) => format!("> {}", show(lo)),
            (Unbounded, Included(hi)) => format!("at most {}", show(hi)),
            (Unbounded, Excluded(hi)) => format!("< {}", show(hi)),
            (Unbounded, Unbounded) => String::new(),
        };
        format!("a {finite}{noun} {range}").trim_end().to_string()
    }
}

/// What a key holds.
#[derive(Debug, Clone, Copy)]
pub enum Kind {
    Number(NumberSpec),
    Text,
    /// `true` or `false` (`bmkb.enabled`).
    Switch,
    /// A list: of numbers (`credit_cycle.shifts`, `segment.NAME.seasoning`) or of tables
    /// (`sensitivity.parameters`, `bmkb.premium_table`).
    List,
    /// One of a few words (`state.settlement`, `resolution.rule`).
    Choice(&'static [&'static str]),
}

/// One key of the scenario file.
#[derive(Debug, Clone, Copy)]
pub struct KeySpec {
    /// `funding`, ...; `segment` for a key of every segment, `facility` of every facility.
    pub section: &'static str,
    pub field: &'static str,
    /// Short human label for charts and tables: "Referral share", "Annual PD".
    pub label: &'static str,
    pub role: Role,
    pub kind: Kind,
}

impl KeySpec {
    /// Whether this is a key of every segment.
    pub fn per_segment(&self) -> bool {
        self.section == "segment"
    }

    /// The list of tables this is a key of every entry of, if any.
    pub fn items(&self) -> Option<Items> {
        match self.section {
            "segment" => Some(Items::Segments),
            "facility" => Some(Items::Facilities),
            _ => None,
        }
    }

    /// The dotted path of this key (`funding.min_cash`; `segment.NAME.annual_pd` for the
    /// segment named NAME, `funding.facility.NAME.limit` for a facility). `item` is ignored
    /// for a key of no list.
    pub fn path(&self, item: &str) -> String {
        match self.items() {
            Some(items) => format!("{}.{item}.{}", items.prefix(), self.field),
            None => format!("{}.{}", self.section, self.field),
        }
    }

    /// `section.field` as docs/scenarios.md lists it (`segment.annual_pd` for a segment key,
    /// `funding.facility.limit` for a facility's).
    pub fn table_path(&self) -> String {
        match self.items() {
            Some(items) => format!("{}.{}", items.prefix(), self.field),
            None => format!("{}.{}", self.section, self.field),
        }
    }

    /// The numeric description of this key, if it holds a number.
    pub fn number(&self) -> Option<&NumberSpec> {
        match &self.kind {
            Kind::Number(n) => Some(n),
            _ => None,
        }
    }

    /// The default value of a numeric key (docs/model.md §8), from the serde defaults; `None`
    /// for a key with no default (a facility's `limit`, `funding.guarantee_ceiling`).
    pub fn default_value(&self) -> Option<Number> {
        let n = self.number()?;
        match n.access {
            Access::Spec(get, _) => get(&ScenarioSpec::default()),
            Access::Segment(get, _) => Some(get(&Segment::named("default"))),
            Access::Facility(get, _) => get(&default_facility()),
        }
    }

    /// The human label of this key at `path`: a segment key names its segment, "Annual PD
    /// (starter)", a facility key its facility, "Facility limit (eib)".
    fn label_at(&self, item: Option<&str>) -> String {
        match item {
            Some(name) if self.items().is_some() => format!("{} ({name})", self.label),
            _ => self.label.to_string(),
        }
    }
}

/// A facility with no limit and the defaults of its other keys, for their defaults.
fn default_facility() -> Facility {
    Facility {
        limit: None,
        guaranteed_share: None,
        ..Facility::named("default", 0.0, 0.0)
    }
}

/// A numeric key outside the segments, read and written through the spec.
macro_rules! number {
    ($section:ident . $field:ident, $label:literal, $unit:ident, $bounds:expr) => {
        number!($section.$field, $label, $unit, $bounds, Parameter)
    };
    ($section:ident . $field:ident, $label:literal, $unit:ident, $bounds:expr, $role:ident) => {
        KeySpec {
            section: stringify!($section),
            field: stringify!($field),
            label: $label,
            role: Role::$role,
            kind: Kind::Number(NumberSpec {
                unit: Unit::$unit,
                bounds: $bounds,
                whole: whole_of(|s: &ScenarioSpec| s.$section.$field),
                access: Access::Spec(
                    |s| Some(Field::get(s.$section.$field)),
                    |s, n| s.$section.$field = Field::put(n),
                ),
            }),
        }
    };
}

/// A numeric key outside the segments that a scenario may leave unset (`Option` in the spec).
macro_rules! optional {
    ($section:ident . $field:ident, $label:literal, $unit:ident, $bounds:expr) => {
        KeySpec {
            section: stringify!($section),
            field: stringify!($field),
            label: $label,
            role: Role::Parameter,
            kind: Kind::Number(NumberSpec {
                unit: Unit::$unit,
                bounds: $bounds,
                whole: whole_of(|s: &ScenarioSpec| s.$section.$field.unwrap_or_default()),
                access: Access::Spec(
                    |s| s.$section.$field.map(Field::get),
                    |s, n| s.$section.$field = Some(Field::put(n)),
                ),
            }),
        }
    };
}

/// A numeric key of every facility; `optional` where a facility may leave it unset.
macro_rules! facility {
    ($field:ident, $label:literal, $unit:ident, $bounds:expr) => {
        KeySpec {
            section: "facility",
            field: stringify!($field),
            label: $label,
            role: Role::Parameter,
            kind: Kind::Number(NumberSpec {
                unit: Unit::$unit,
                bounds: $bounds,
                whole: whole_of(|f: &Facility| f.$field),
                access: Access::Facility(
                    |f| Some(Field::get(f.$field)),
                    |f, n| f.$field = Field::put(n),
                ),
            }),
        }
    };
    ($field:ident, $label:literal, $unit:ident, $bounds:expr, optional) => {
        KeySpec {
            section: "facility",
            field: stringify!($field),
            label: $label,
            role: Role::Parameter,
            kind: Kind::Number(NumberSpec {
                unit: Unit::$unit,
                bounds: $bounds,
                whole: whole_of(|f: &Facility| f.$field.unwrap_or_default()),
                access: Access::Facility(
                    |f| f.$field.map(Field::get),
                    |f, n| f.$field = Some(Field::put(n)),
                ),
            }),
        }
    };
}

/// A numeric key of every segment.
macro_rules! segment {
    ($field:ident, $label:literal, $unit:ident, $bounds:expr) => {
        KeySpec {
            section: "segment",
            field: stringify!($field),
            label: $label,
            role: Role::Parameter,
            kind: Kind::Number(NumberSpec {
                unit: Unit::$unit,
                bounds: $bounds,
                whole: whole_of(|s: &Segment| s.$field),
                access: Access::Segment(|s| Field::get(s.$field), |s, n| s.$field = Field::put(n)),
            }),
        }
    };
}

/// A key that holds text or a list.
const fn other(
    section: &'static str,
    field: &'static str,
    label: &'static str,
    role: Role,
    kind: Kind,
) -> KeySpec {
    KeySpec {
        section,
        field,
        label,
        role,
        kind,
    }
}

/// Every key of a scenario file, in the order of the file (sections, then fields, as
/// `ScenarioSpec` writes them). A test checks this list against what the serialiser writes.
#[rustfmt::skip]
pub static KEYS: &[KeySpec] = &[
    other("meta", "name", "Scenario name", Role::Label, Kind::Text),
    other("meta", "description", "Description", Role::Label, Kind::Text),
    number!(meta.start_year,                 "Start year",                    Ratio,   closed(1900.0, 3000.0), Label),
    number!(simulation.horizon_years,        "Horizon (years)",               Ratio,   closed(1.0, MAX_HORIZON_YEARS as f64)),
    number!(simulation.paths,                "Paths",                         Count,   closed(1.0, MAX_PATHS as f64), RunSize),
    number!(simulation.seed,                 "Seed",                          Ratio,   at_least(0.0), RunSize),
    other("simulation", "sampling", "Sampling", Role::RunSize, Kind::Choice(Sampling::NAMES)),
    number!(simulation.rqmc_randomisations,  "RQMC randomisations",           Count,   closed(2.0, MAX_RANDOMISATIONS as f64), RunSize),
    other("simulation", "tail_metric", "Tail metric", Role::RunSize, Kind::Text),
    number!(simulation.tail_probability,     "Tail probability",              Ratio,   closed(1e-4, 0.5), RunSize),
    number!(simulation.tail_pilot_paths,     "Tail pilot paths",              Count,   closed(100.0, 100_000.0), RunSize),
    number!(funding.state_loan,              "State loan",                    Money,   MONEY),
    number!(funding.state_loan_rate,         "State loan rate",               Percent, FRACTION),
    number!(funding.initial_reserves,        "Initial reserves",              Money,   closed(-MAX_MONEY, MAX_MONEY)),
    optional!(funding.guarantee_room,        "Guarantee room",                Money,   MONEY),
    optional!(funding.external_rate,         "External debt rate",            Percent, FRACTION),
    optional!(funding.guarantee_fee,         "Guarantee fee",                 Percent, FRACTION),
    optional!(funding.guarantee_ceiling,     "Guarantee ceiling",             Money,   MONEY),
    number!(funding.min_cash,                "Minimum cash",                  Money,   MONEY),
    number!(funding.cash_target,             "Cash target",                   Money,   MONEY),
    number!(funding.min_capital_ratio,       "Minimum capital ratio",         Percent, FRACTION),
    other("facility", "name", "Facility name", Role::Label, Kind::Text),
    facility!(limit,                         "Facility limit",                Money,   MONEY, optional),
    other("facility", "limits", "Facility limits by year", Role::Parameter, Kind::List),
    facility!(guaranteed_share,              "Guaranteed share",              Percent, FRACTION, optional),
    facility!(rate,                          "Facility rate",                 Percent, FRACTION),
    facility!(guarantee_fee,                 "Facility guarantee fee",        Percent, FRACTION),
    number!(initial_book.loans,              "Initial loans",                 Count,   closed(0.0, MAX_INITIAL_LOANS as f64)),
    number!(initial_book.max_age_months,     "Initial loans' maximum age",    Months,  at_least(1.0)),
    number!(origination.loans_per_year,      "Loan requests per year",        Count,   closed(0.0, MAX_LOANS_PER_YEAR)),
    number!(origination.growth_per_year,     "Demand growth per year",        Percent, above_to(-1.0, MAX_GROWTH)),
    // At least one euro: a credit of a fraction of a cent makes the book too small to divide
    // capital by (a capital ratio of infinity).
    number!(origination.cap,                 "Largest credit",                Money,   closed(1.0, MAX_MONEY)),
    number!(credit_cycle.asset_correlation,  "Asset correlation",             Percent, BELOW_ONE),
    number!(credit_cycle.persistence,        "Cycle persistence",             Percent, BELOW_ONE),
    other("credit_cycle", "shifts", "Systemic shifts", Role::Parameter, Kind::List),
    number!(followup.referral_share,         "Referral share",                Percent, FRACTION),
    number!(followup.size_multiplier,        "Follow-up size multiplier",     Ratio,   above_to(0.0, MAX_FACTOR)),
    number!(followup.pd_multiplier,          "Follow-up PD multiplier",       Ratio,   above(0.0)),
    number!(costs.fixed_per_year,            "Fixed costs per year",          Money,   MONEY),
    number!(costs.per_new_loan,              "Cost per new loan",             Money,   MONEY),
    number!(costs.per_active_loan_per_year,  "Cost per active loan per year", Money,   MONEY),
    number!(costs.coaching_per_new_loan,     "Coaching per new loan",         Money,   MONEY),
    other("bmkb", "enabled", "BMKB simulated", Role::Parameter, Kind::Switch),
    number!(bmkb.graduate_share,             "Graduates' BMKB share",         Percent, FRACTION),
    // The tighter bound annual_pd × multiplier < 1 is a rule between keys (validate.rs).
    number!(bmkb.graduate_pd_multiplier,     "Graduates' PD multiplier",      Ratio,   above(0.0)),
    number!(bmkb.bank_term_months,           "Bank loan term",                Months,  closed(1.0, MAX_TERM_MONTHS as f64)),
    // At most 3 × the premium table's last row: a rule between keys (validate.rs).
    number!(bmkb.guarantee_months,           "BMKB guarantee term",           Months,  closed(1.0, MAX_TERM_MONTHS as f64)),
    number!(bmkb.bsk_share,                  "BSK share of a credit",         Percent, FRACTION),
    number!(bmkb.max_bsk,                    "Largest BSK",                   Money,   above_to(0.0, MAX_MONEY)),
    number!(bmkb.coverage,                   "BMKB coverage of the BSK",      Percent, FRACTION),
    number!(bmkb.claim_lag_months,           "BMKB claim lag",                Months,  closed(1.0, MAX_TERM_MONTHS as f64)),
    other("bmkb", "premium_table", "BMKB premium table", Role::Parameter, Kind::List),
    number!(state.discount_rate,             "State discount rate",           Percent, closed(-0.05, 0.2)),
    other("state", "settlement", "Settlement", Role::Parameter, Kind::Choice(Settlement::NAMES)),
    number!(state.run_off_fixed_share,       "Run-off fixed-cost share",      Percent, FRACTION),
    other("state", "run_off_years", "Run-off years shown", Role::Parameter, Kind::Switch),
    other("resolution", "rule", "Resolution rule", Role::Parameter, Kind::Choice(ResolutionRule::NAMES)),
    number!(resolution.trigger_ratio,        "Resolution trigger ratio",      Percent, closed(-1.0, 1.0)),
    number!(resolution.trigger_months,       "Resolution trigger months",     Months,  closed(1.0, MAX_TERM_MONTHS as f64)),
    number!(resolution.target_ratio,         "Recapitalisation target ratio", Percent, FRACTION),
    number!(resolution.max_injection,        "Largest recapitalisation",      Money,   MONEY),
    other("segment", "name", "Segment name", Role::Label, Kind::Text),
    segment!(share,                          "Share",                         Ratio,   closed(0.0, MAX_FACTOR)),
    segment!(mean_size,                      "Mean loan size",                Money,   closed(1.0, MAX_MONEY)),
    segment!(size_cv,                        "Loan size CV",                  Ratio,   closed(0.0, MAX_FACTOR)),
    segment!(min_size,                       "Minimum loan size",             Money,   MONEY),
    segment!(term_months,                    "Term",                          Months,  closed(1.0, MAX_TERM_MONTHS as f64)),
    segment!(grace_months,                   "Grace period",                  Months,  closed(0.0, (MAX_TERM_MONTHS - 1) as f64)),
    segment!(interest_rate,                  "Interest rate",                 Percent, FRACTION),
    segment!(origination_fee,                "Origination fee",               Percent, FRACTION),
    segment!(annual_pd,                      "Annual PD",                     Percent, BELOW_ONE),
    other("segment", "seasoning", "Seasoning", Role::Parameter, Kind::List),
    segment!(recovery_mean,                  "Mean recovery",                 Percent, FRACTION),
    // The tighter bound sd² < mean × (1 − mean) is a rule between keys (validate.rs).
    segment!(recovery_sd,                    "Recovery SD",                   Percent, BELOW_ONE),
    // At most 100 years: recoveries count until the book has run off (docs/model.md §11.2).
    segment!(recovery_lag_months,            "Recovery lag",                  Months,  closed(1.0, MAX_TERM_MONTHS as f64)),
    segment!(followup_rate,                  "Follow-up rate",                Percent, BELOW_ONE),
    segment!(followup_min_age_months,        "Follow-up minimum age",         Months,  at_least(0.0)),
    segment!(prepay_rate,                    "Prepayment rate",               Percent, BELOW_ONE),
    segment!(jobs_per_loan,                  "Jobs per loan",                 Ratio,   closed(0.0, MAX_FACTOR)),
    segment!(bmkb_share,                     "BMKB share of own loans",       Percent, FRACTION),
    other("sensitivity", "parameters", "Sensitivity parameters", Role::StudySetting, Kind::List),
];

/// The sections of a scenario file, in file order (`facility` for `[[funding.facility]]`).
pub fn sections() -> Vec<&'static str> {
    let mut out: Vec<&'static str> = Vec::new();
    for k in KEYS {
        if !out.contains(&k.section) {
            out.push(k.section);
        }
    }
    out
}

/// The registered keys of `section`, in file order.
pub fn keys_of(section: &str) -> impl Iterator<Item = &'static KeySpec> + '_ {
    KEYS.iter().filter(move |k| k.section == section)
}

/// A dotted path resolved against the registry: the key and, for a key of every segment or
/// facility, the name of its item (not checked against any scenario: see
/// `ScenarioSpec::resolve`).
#[derive(Debug, Clone, Copy)]
pub struct Key<'a> {
    pub spec: &'static KeySpec,
    pub item: Option<&'a str>,
}

impl Key<'_> {
    /// The numeric description of the key, if it holds a number.
    pub fn number(&self) -> Option<&'static NumberSpec> {
        self.spec.number()
    }
}

/// A dotted path taken apart: section, item (for `segment.NAME.field` and
/// `funding.facility.NAME.field`) and field. Only the shape is checked, not that the key
/// exists.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct DottedPath<'a> {
    /// The registry's section: `segment` and `facility` for the keys of every item.
    pub section: &'a str,
    pub item: Option<(Items, &'a str)>,
    pub field: &'a str,
}

impl DottedPath<'_> {
    /// `section.field`, `segment.NAME.field` or `funding.facility.NAME.field`, or a sentence
    /// saying what is wrong.
    pub(super) fn parse(key: &str) -> Result<DottedPath<'_>, String> {
        let parts: Vec<&str> = key.split('.').collect();
        if parts.len() < 2 || parts.iter().any(|p| p.trim().is_empty()) {
            return Err(format!(
                "`{key}` is not a dotted path such as followup.referral_share or segment.<name>.annual_pd"
            ));
        }
        match parts[..] {
            ["segment", name, field] => Ok(DottedPath {
                section: "segment",
                item: Some((Items::Segments, name)),
                field,
            }),
            ["segment", ..] => Err(format!(
                "`{key}`: segment keys are segment.<name>.<key>, such as segment.<name>.annual_pd"
            )),
            ["funding", "facility", name, field] => Ok(DottedPath {
                section: "facility",
                item: Some((Items::Facilities, name)),
                field,
            }),
            // The list itself, `funding.facility = []` (no external funding).
            ["funding", "facility"] => Ok(DottedPath {
                section: "funding",
                item: None,
                field: "facility",
            }),
            ["funding", "facility", ..] => Err(format!(
                "`{key}`: facility keys are funding.facility.<name>.<key>, such as \
                 funding.facility.<name>.limit"
            )),
            [section, field] => Ok(DottedPath {
                section,
                item: None,
                field,
            }),
            _ => Err(format!("`{key}` is not <section>.<key>")),
        }
    }
}

/// The key at the dotted path `key` (`section.field`, or `segment.NAME.field`), or a sentence
/// saying why no key is there.
pub fn lookup(key: &str) -> Result<Key<'_>, String> {
    let DottedPath {
        section,
        item,
        field,
    } = DottedPath::parse(key)?;
    if !KEYS.iter().any(|k| k.section == section) {
        return Err(format!(
            "`{key}`: there is no section [{section}] (sections: {})",
            sections().join(", ")
        ));
    }
    let Some(spec) = keys_of(section).find(|k| k.field == field) else {
        let keys: Vec<&str> = keys_of(section).map(|k| k.field).collect();
        let table = match item {
            Some((items, _)) => format!("a {}", items.noun()),
            None => format!("[{section}]"),
        };
        return Err(format!(
            "`{key}`: {table} has no key `{field}` (keys: {})",
            keys.join(", ")
        ));
    };
    Ok(Key {
        spec,
        item: item.map(|(_, name)| name),
    })
}

/// The unit of a scenario key's value (`segment.starter.annual_pd` is a fraction in percent);
/// a plain ratio for a key the registry does not know.
pub fn key_unit(key: &str) -> Unit {
    lookup(key)
        .ok()
        .and_then(|k| k.number())
        .map_or(Unit::Ratio, |n| n.unit)
}

/// Whether a key is a fraction whose allowed range is 0 to 1, both included (a tornado's
/// default moves are clamped to it).
pub fn key_at_most_one(key: &str) -> bool {
    lookup(key)
        .ok()
        .and_then(|k| k.number())
        .is_some_and(|n| n.bounds == FRACTION)
}

/// A short human label for a key: "Referral share", "Annual PD (starter)"; the key itself
/// when the registry does not know it.
pub fn key_label(key: &str) -> String {
    lookup(key).map_or_else(|_| key.to_string(), |k| k.spec.label_at(k.item))
}

impl ScenarioSpec {
    /// The facilities the file lists (none for the older funding keys' one facility).
    pub fn facilities(&self) -> &[Facility] {
        self.funding.facility.as_deref().unwrap_or(&[])
    }

    /// The value of a numeric key `key` of `item` (an index into the segments or the
    /// facilities, for a key of every item); `None` where the scenario leaves it unset.
    pub(super) fn read(&self, n: &NumberSpec, item: Option<usize>) -> Option<Number> {
        match (n.access, item) {
            (Access::Spec(get, _), _) => get(self),
            (Access::Segment(get, _), Some(i)) => Some(get(&self.segments[i])),
            (Access::Facility(get, _), Some(i)) => get(&self.facilities()[i]),
            (Access::Segment(..) | Access::Facility(..), None) => {
                unreachable!("a key of every item is read with its item")
            }
        }
    }

    /// Set a numeric key, `value` already of the key's kind ([`NumberSpec::number`]).
    pub(super) fn write(&mut self, n: &NumberSpec, item: Option<usize>, value: Number) {
        match (n.access, item) {
            (Access::Spec(_, set), _) => set(self, value),
            (Access::Segment(_, set), Some(i)) => set(&mut self.segments[i], value),
            (Access::Facility(_, set), Some(i)) => {
                let facility = &mut self.funding.facility.as_mut().expect("a listed facility")[i];
                set(facility, value);
                // Setting one of `limit` and `limits` replaces the other (docs/model.md §11.1);
                // `limit` is a facility's only key in euros.
                if n.unit == Unit::Money {
                    facility.limits = None;
                }
            }
            (Access::Segment(..) | Access::Facility(..), None) => {
                unreachable!("a key of every item is set with its item")
            }
        }
    }

    /// Every numeric key this scenario sets with its value, in registry order: the keys
    /// outside the lists, then the segment keys for each segment in turn, then the facility
    /// keys for each facility.
    pub fn numbers(&self) -> Vec<(String, &'static NumberSpec, Number)> {
        let mut out = Vec::new();
        self.each_number(|k, item, n, v| {
            out.push((k.path(item), n, v));
            Ok::<(), ()>(())
        })
        .expect("never fails");
        out
    }

    /// [`ScenarioSpec::numbers`] without their paths: `f` gets each key, its item's name (empty
    /// for a key outside the lists), its spec and value, and the first error ends the walk.
    /// Validation walks every key of every point a design checks, and a path is needed only
    /// to name a key that fails: formatting thousands of them each time made a thousand
    /// uncertain parameters take seconds to check.
    pub(super) fn each_number<E>(
        &self,
        mut f: impl FnMut(&'static KeySpec, &str, &'static NumberSpec, Number) -> Result<(), E>,
    ) -> Result<(), E> {
        for k in KEYS.iter().filter(|k| k.items().is_none()) {
            if let Some((n, v)) = k.number().and_then(|n| Some((n, self.read(n, None)?))) {
                f(k, "", n, v)?;
            }
        }
        for items in [Items::Segments, Items::Facilities] {
            let names: Vec<&str> = match items {
                Items::Segments => self.segments.iter().map(|s| s.name.as_str()).collect(),
                Items::Facilities => self.facilities().iter().map(|f| f.name.as_str()).collect(),
            };
            // The items' numeric keys found once, not in the registry for every item.
            let keys: Vec<(&'static KeySpec, &'static NumberSpec)> = keys_of(items.section())
                .filter_map(|k| Some((k, k.number()?)))
                .collect();
            for (i, name) in names.into_iter().enumerate() {
                for &(k, n) in &keys {
                    if let Some(v) = self.read(n, Some(i)) {
                        f(k, name, n, v)?;
                    }
                }
            }
        }
        Ok(())
    }
}
