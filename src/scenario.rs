//! The scenario file (MODEL.md §8): parsing, command-line overrides and validation.
//!
//! A scenario goes through three stages. The TOML text is parsed into a [`ScenarioSpec`], the
//! plain serde mirror of the file with every default filled in and unknown keys refused; `--set`
//! overrides are applied to the TOML tree before that step, by dotted path (segments by name).
//! [`Scenario::from_spec`] then checks every range and cross-field rule of MODEL.md §8 and
//! §6 in one place and yields a [`Scenario`], whose invariants the engine relies on. Every
//! error names the file, the dotted key, the offending value and what is allowed.

use std::fmt;
use std::path::Path;

use serde::{Deserialize, Deserializer, Serialize};

use crate::format::eur;
use crate::schedule::Schedule;

/// Where a scenario's text came from, for error messages.
#[derive(Debug, Clone)]
pub struct Origin {
    /// The file name as the user gave it (or a description such as `<string>`).
    pub file: String,
    /// The default for `meta.name`: the file stem.
    pub stem: String,
}

impl Origin {
    /// The origin of a scenario file at `path`.
    pub fn of_path(path: &Path) -> Origin {
        Origin {
            file: path.display().to_string(),
            stem: path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_else(|| "scenario".to_string()),
        }
    }
}

/// Something wrong with a scenario: always names the file, and where possible the key, the value
/// and what is allowed.
#[derive(Debug, Clone, PartialEq)]
pub enum ScenarioError {
    /// The file could not be read.
    Io { file: String, message: String },
    /// The TOML does not parse, or a value has the wrong type or an unknown key.
    Parse {
        file: String,
        /// Dotted path of the key, when known.
        key: Option<String>,
        message: String,
        /// 1-based line and column, when the parser gives them.
        position: Option<(usize, usize)>,
    },
    /// A value is out of its allowed range, or breaks a rule between keys.
    Value {
        file: String,
        key: String,
        value: String,
        allowed: String,
        from_override: bool,
    },
    /// A `--set` argument that is malformed or names no key.
    Override { spec: String, message: String },
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ScenarioError::Io { file, message } => write!(f, "{file}: cannot read: {message}"),
            ScenarioError::Parse {
                file,
                key,
                message,
                position,
            } => {
                write!(f, "{file}")?;
                if let Some((line, col)) = position {
                    write!(f, ":{line}:{col}")?;
                }
                if let Some(key) = key {
                    write!(f, ": {key}")?;
                }
                write!(f, ": {message}")
            }
            ScenarioError::Value {
                file,
                key,
                value,
                allowed,
                from_override,
            } => {
                write!(f, "{file}: {key} = {value}")?;
                if *from_override {
                    write!(f, " (set on the command line)")?;
                }
                write!(f, ": allowed: {allowed}")
            }
            ScenarioError::Override { spec, message } => write!(f, "--set {spec}: {message}"),
        }
    }
}

impl std::error::Error for ScenarioError {}

// ---------------------------------------------------------------------------------------------
// The serde mirror of the file.
// ---------------------------------------------------------------------------------------------

/// The whole scenario as written in TOML, with defaults filled in (MODEL.md §8).
///
/// Integers are kept as `i64` here so that a negative or oversized count is reported by
/// validation with its allowed range, not as a type error.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioSpec {
    /// Another scenario file (relative to this one) whose values this one starts from; its own
    /// keys are laid over them, segments merged by name. Resolved away on loading.
    #[serde(default, skip_serializing)]
    pub extends: Option<String>,
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
    /// At least one is required.
    #[serde(default, rename = "segment")]
    pub segments: Vec<Segment>,
    /// `[sensitivity]`: the parameters a tornado study moves. Not used by a run.
    #[serde(default)]
    pub sensitivity: Sensitivity,
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
}

impl Default for Simulation {
    fn default() -> Self {
        Simulation {
            horizon_years: 10,
            paths: 10_000,
            seed: 20_261_127,
        }
    }
}

/// `[funding]`: the balance sheet's liabilities and the funding rules (euros, annual rates).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Funding {
    pub state_loan: f64,
    pub state_loan_rate: f64,
    pub initial_reserves: f64,
    pub guarantee_room: f64,
    pub external_rate: f64,
    pub guarantee_fee: f64,
    pub min_cash: f64,
    pub cash_target: f64,
    pub min_capital_ratio: f64,
}

impl Default for Funding {
    fn default() -> Self {
        Funding {
            state_loan: 44.7e6,
            state_loan_rate: 0.0,
            initial_reserves: 0.0,
            guarantee_room: 130e6,
            external_rate: 0.03,
            guarantee_fee: 0.0,
            min_cash: 2e6,
            cash_target: 6e6,
            min_capital_ratio: 0.0,
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

/// `[credit_cycle]`: the systemic factor (MODEL.md §3).
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
    /// A segment with every default of MODEL.md §8 and the given name.
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
    /// Dotted path as in `--set`, segments by name: `segment.<name>.<key>`.
    pub key: String,
    /// The low setting, in the key's own unit; below `high`.
    pub low: f64,
    /// The high setting.
    pub high: f64,
}

/// Counts and months are integers, but a float with no fraction is accepted too (MODEL.md §8),
/// so that `--set simulation.paths=1e5` works.
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

// ---------------------------------------------------------------------------------------------
// Command-line overrides.
// ---------------------------------------------------------------------------------------------

/// One `--set dotted.key=value` override. The value is read as a TOML value (`1e5`, `0.08`,
/// `[-1.5, -1.5]`, `"text"`); anything that is not valid TOML is taken as a plain string.
#[derive(Debug, Clone, PartialEq)]
pub struct Override {
    pub key: String,
    pub value: toml::Value,
    /// The argument as given, for messages.
    pub spec: String,
}

impl std::str::FromStr for Override {
    type Err = ScenarioError;

    fn from_str(spec: &str) -> Result<Self, Self::Err> {
        let bad = |message: &str| ScenarioError::Override {
            spec: spec.to_string(),
            message: message.to_string(),
        };
        let (key, raw) = spec
            .split_once('=')
            .ok_or_else(|| bad("expected KEY=VALUE, e.g. funding.guarantee_room=150e6"))?;
        let key = key.trim();
        if key.is_empty() || key.split('.').any(|p| p.is_empty()) || !key.contains('.') {
            return Err(bad(
                "the key must be a dotted path such as funding.min_cash or segment.starter.annual_pd",
            ));
        }
        let raw = raw.trim();
        if raw.is_empty() {
            return Err(bad("the value is empty"));
        }
        let value = match toml::from_str::<toml::Table>(&format!("v = {raw}")) {
            Ok(mut t) => t.remove("v").expect("the key v was just written"),
            Err(_) => toml::Value::String(raw.to_string()),
        };
        Ok(Override {
            key: key.to_string(),
            value,
            spec: spec.to_string(),
        })
    }
}

impl Override {
    /// Apply this override to a parsed scenario table. Segment keys are
    /// `segment.<name>.<key>`; other keys are `<section>.<key>`.
    fn apply(&self, doc: &mut toml::Table) -> Result<(), ScenarioError> {
        let bad = |message: String| ScenarioError::Override {
            spec: self.spec.clone(),
            message,
        };
        let parts: Vec<&str> = self.key.split('.').collect();
        if parts[0] == "segment" {
            let [_, name, field] = parts[..] else {
                return Err(bad("segment keys are segment.<name>.<key>".to_string()));
            };
            let segments = doc.get_mut("segment").and_then(|v| v.as_array_mut());
            let Some(segments) = segments else {
                return Err(bad("the scenario has no [[segment]]".to_string()));
            };
            let names: Vec<String> = segments
                .iter()
                .filter_map(|s| s.get("name").and_then(|n| n.as_str()).map(str::to_string))
                .collect();
            let target = segments
                .iter_mut()
                .filter_map(|s| s.as_table_mut())
                .find(|s| s.get("name").and_then(|n| n.as_str()) == Some(name));
            let Some(target) = target else {
                return Err(bad(format!(
                    "no segment is named `{name}` (segments: {})",
                    names.join(", ")
                )));
            };
            if field == "name" {
                return Err(bad("segment names cannot be changed with --set".to_string()));
            }
            target.insert(field.to_string(), self.value.clone());
            return Ok(());
        }
        let [section, field] = parts[..] else {
            return Err(bad(format!("`{}` is not <section>.<key>", self.key)));
        };
        let entry = doc
            .entry(section.to_string())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
        let Some(table) = entry.as_table_mut() else {
            return Err(bad(format!("`{section}` is not a section")));
        };
        table.insert(field.to_string(), self.value.clone());
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// Parsing.
// ---------------------------------------------------------------------------------------------

/// 1-based line and column of a byte offset.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

/// Turn serde_path_to_error's `segment[1].annual_pd` into `segment.<name>.annual_pd`.
fn dotted(path: &serde_path_to_error::Path, doc: &toml::Table) -> String {
    use serde_path_to_error::Segment as S;
    let mut out = String::new();
    let mut in_segment = false;
    for seg in path.iter() {
        match seg {
            S::Seq { index } if in_segment => {
                let name = doc
                    .get("segment")
                    .and_then(|s| s.as_array())
                    .and_then(|a| a.get(*index))
                    .and_then(|s| s.get("name"))
                    .and_then(|n| n.as_str());
                match name {
                    Some(n) => out.push_str(&format!(".{n}")),
                    None => out.push_str(&format!("[{index}]")),
                }
                in_segment = false;
            }
            S::Seq { index } => out.push_str(&format!("[{index}]")),
            S::Map { key } | S::Enum { variant: key } => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(key);
                in_segment = out == "segment";
            }
            S::Unknown => {}
        }
    }
    out
}

/// Strip toml's own rendering ("TOML parse error at line..." and the snippet) down to the
/// message, since we print file, line and column ourselves.
fn parse_error(
    file: &str,
    text: &str,
    err: &toml::de::Error,
    key: Option<String>,
) -> ScenarioError {
    ScenarioError::Parse {
        file: file.to_string(),
        key: key.filter(|k| !k.is_empty()),
        message: err.message().trim().replace('\n', "; "),
        position: err.span().map(|s| line_col(text, s.start)),
    }
}

/// How many `extends` a scenario may chain (a longer chain is taken for a cycle).
const MAX_EXTENDS_DEPTH: usize = 8;

/// Parse one scenario file into a TOML table, checking types and keys against
/// [`ScenarioSpec`] so that errors carry this file's line and column, and resolve its
/// `extends`: the named file (relative to this one) is loaded the same way and this file's
/// keys are laid over it.
fn load_doc(text: &str, file: &str, depth: usize) -> Result<toml::Table, ScenarioError> {
    let mut doc: toml::Table =
        toml::from_str(text).map_err(|e| parse_error(file, text, &e, None))?;
    let de = toml::Deserializer::parse(text).map_err(|e| parse_error(file, text, &e, None))?;
    let _: ScenarioSpec = serde_path_to_error::deserialize(de).map_err(|e| {
        let key = dotted(e.path(), &doc);
        parse_error(file, text, e.inner(), Some(key))
    })?;
    let Some(parent) = doc.remove("extends") else {
        return Ok(doc);
    };
    let parent = parent
        .as_str()
        .expect("checked by the deserialiser")
        .to_string();
    let fail = |allowed: String| ScenarioError::Value {
        file: file.to_string(),
        key: "extends".into(),
        value: format!("{parent:?}"),
        allowed,
        from_override: false,
    };
    if depth >= MAX_EXTENDS_DEPTH {
        return Err(fail(format!(
            "a chain of at most {MAX_EXTENDS_DEPTH} files (is there a cycle?)"
        )));
    }
    let path = Path::new(file)
        .parent()
        .unwrap_or(Path::new(""))
        .join(&parent);
    let parent_text = std::fs::read_to_string(&path).map_err(|e| {
        fail(format!(
            "a readable scenario file ({}: {e})",
            path.display()
        ))
    })?;
    let mut base = load_doc(&parent_text, &path.display().to_string(), depth + 1)?;
    // The name is the file's own (its stem by default), never the parent's: a variant must not
    // write over the parent's results.
    if let Some(meta) = base.get_mut("meta").and_then(|m| m.as_table_mut()) {
        meta.remove("name");
    }
    merge(&mut base, doc);
    Ok(base)
}

/// Lay `over` onto `base`: tables merge key by key, segments merge by name (a new name is
/// appended), anything else is replaced.
fn merge(base: &mut toml::Table, over: toml::Table) {
    for (key, value) in over {
        match (base.get_mut(&key), value) {
            (Some(toml::Value::Array(base_segments)), toml::Value::Array(segments))
                if key == "segment" =>
            {
                for seg in segments {
                    let name = seg.get("name").and_then(|n| n.as_str()).map(str::to_string);
                    let existing = base_segments.iter_mut().find(|b| {
                        name.is_some() && b.get("name").and_then(|n| n.as_str()) == name.as_deref()
                    });
                    match (existing, seg) {
                        (Some(toml::Value::Table(b)), toml::Value::Table(s)) => merge(b, s),
                        (_, seg) => base_segments.push(seg),
                    }
                }
            }
            (Some(toml::Value::Table(b)), toml::Value::Table(t)) => merge(b, t),
            (_, value) => {
                base.insert(key, value);
            }
        }
    }
}

impl ScenarioSpec {
    /// Parse scenario text, apply the overrides in order, and fill in defaults. Does not check
    /// ranges: see [`Scenario::from_spec`].
    pub fn parse(
        text: &str,
        origin: &Origin,
        overrides: &[Override],
    ) -> Result<ScenarioSpec, ScenarioError> {
        let file = origin.file.as_str();
        let doc = load_doc(text, file, 0)?;
        let mut spec = apply_overrides(doc, overrides, file)?;
        spec.extends = None;
        if spec.meta.name.is_none() {
            spec.meta.name = Some(origin.stem.clone());
        }
        Ok(spec)
    }

    /// The resolved scenario as TOML, every key written out, so that it can be run again alone.
    pub fn to_toml(&self) -> String {
        toml::to_string_pretty(self).expect("a scenario always serialises to TOML")
    }
}

// ---------------------------------------------------------------------------------------------
// Parameters by dotted path: `[sensitivity]` and the studies (docs/studies.md).
// ---------------------------------------------------------------------------------------------

/// A numeric parameter of a resolved scenario, named by its dotted path.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ParameterValue {
    /// Its value in the scenario.
    pub value: f64,
    /// A count or a number of months: only whole numbers are allowed.
    pub whole: bool,
}

/// The sections of a resolved scenario in file order, for messages.
fn section_names(doc: &toml::Table) -> String {
    doc.keys()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join(", ")
}

/// The keys of a table, for messages.
fn key_names(table: &toml::Table) -> String {
    table
        .keys()
        .filter(|k| *k != "name")
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join(", ")
}

impl Override {
    /// The override `key = value` of a number, written as an integer for a whole-number key.
    pub fn number(key: &str, value: f64, whole: bool) -> Override {
        let value = if whole && value.fract() == 0.0 && value.abs() < 9.0e15 {
            toml::Value::Integer(value as i64)
        } else {
            toml::Value::Float(value)
        };
        Override {
            key: key.to_string(),
            spec: format!("{key}={value}"),
            value,
        }
    }
}

impl ScenarioSpec {
    /// The resolved scenario as a TOML table (every key written out).
    fn to_table(&self) -> toml::Table {
        toml::Table::try_from(self).expect("a scenario always serialises to TOML")
    }

    /// The resolved value at the dotted path `key` (`section.key`, or `segment.<name>.<key>`
    /// with segments by name, as in `--set`), of any type; or a sentence saying why the path
    /// names no key.
    pub fn value_at(&self, key: &str) -> Result<toml::Value, String> {
        let doc = self.to_table();
        let parts: Vec<&str> = key.split('.').collect();
        if parts.len() < 2 || parts.iter().any(|p| p.trim().is_empty()) {
            return Err(format!(
                "`{key}` is not a dotted path such as followup.referral_share or segment.<name>.annual_pd"
            ));
        }
        if parts[0] == "segment" {
            let [_, name, field] = parts[..] else {
                return Err(format!(
                    "`{key}`: segment keys are segment.<name>.<key>, e.g. segment.{}.annual_pd",
                    self.segments.first().map_or("starter", |s| s.name.as_str())
                ));
            };
            let Some(segment) = self.segments.iter().position(|s| s.name == name) else {
                let names: Vec<&str> = self.segments.iter().map(|s| s.name.as_str()).collect();
                return Err(format!(
                    "`{key}`: no segment is named `{name}` (segments: {})",
                    names.join(", ")
                ));
            };
            let table = doc
                .get("segment")
                .and_then(|v| v.as_array())
                .and_then(|a| a.get(segment))
                .and_then(|v| v.as_table())
                .expect("every segment serialises as a table");
            return match table.get(field) {
                Some(v) if field != "name" => Ok(v.clone()),
                _ => Err(format!(
                    "`{key}`: a segment has no key `{field}` (keys: {})",
                    key_names(table)
                )),
            };
        }
        let [section, field] = parts[..] else {
            return Err(format!("`{key}` is not <section>.<key>"));
        };
        let Some(table) = doc.get(section).and_then(|v| v.as_table()) else {
            return Err(format!(
                "`{key}`: there is no section [{section}] (sections: {})",
                section_names(&doc)
            ));
        };
        table.get(field).cloned().ok_or_else(|| {
            format!(
                "`{key}`: [{section}] has no key `{field}` (keys: {})",
                key_names(table)
            )
        })
    }

    /// The value at `key` if a study may vary it: any existing key except those that name or
    /// label the scenario (`meta.*`), those that every variant must share for common random
    /// numbers (`simulation.seed`, `simulation.paths`) and the study settings themselves
    /// (`sensitivity.*`).
    pub fn variable(&self, key: &str) -> Result<toml::Value, String> {
        let value = self.value_at(key)?;
        if key.starts_with("meta.") {
            return Err(format!(
                "`{key}` names or labels the scenario; it is no model parameter"
            ));
        }
        if key == "simulation.seed" || key == "simulation.paths" {
            return Err(format!(
                "`{key}` cannot vary: every variant of a study runs the same paths with the same \
                 seed (common random numbers); set them for the whole study with --seed and --paths"
            ));
        }
        if key.starts_with("sensitivity.") {
            return Err(format!(
                "`{key}` configures the studies themselves; it is no model parameter"
            ));
        }
        Ok(value)
    }

    /// The numeric parameter at `key` as a study varies it ([`ScenarioSpec::variable`], and
    /// a number rather than a list or text).
    pub fn parameter(&self, key: &str) -> Result<ParameterValue, String> {
        match self.variable(key)? {
            toml::Value::Integer(i) => Ok(ParameterValue {
                value: i as f64,
                whole: true,
            }),
            toml::Value::Float(x) => Ok(ParameterValue {
                value: x,
                whole: false,
            }),
            toml::Value::Array(_) => Err(format!(
                "`{key}` is a list, not a number: a study varies numeric keys (change a list with \
                 --set, or in a compare --variant)"
            )),
            other => Err(format!(
                "`{key}` is {} {}, not a number: a study varies numeric keys",
                if other.type_str().starts_with(['a', 'e', 'i', 'o', 'u']) {
                    "an"
                } else {
                    "a"
                },
                other.type_str()
            )),
        }
    }

    /// Every numeric parameter of the named sections (`funding`, `credit_cycle`, ...;
    /// `segment` for every key of every segment), with its value: sections and segments in file
    /// order, keys within them in the serialiser's order. Lists (such
    /// as `credit_cycle.shifts` and `segment.<name>.seasoning`) are not numeric parameters.
    pub fn parameters_in(&self, sections: &[&str]) -> Vec<(String, ParameterValue)> {
        let doc = self.to_table();
        let numeric = |v: &toml::Value| match v {
            toml::Value::Integer(i) => Some(ParameterValue {
                value: *i as f64,
                whole: true,
            }),
            toml::Value::Float(x) => Some(ParameterValue {
                value: *x,
                whole: false,
            }),
            _ => None,
        };
        let mut out = Vec::new();
        for (section, value) in &doc {
            if !sections.contains(&section.as_str()) {
                continue;
            }
            match value {
                toml::Value::Table(t) => {
                    for (k, v) in t {
                        let key = format!("{section}.{k}");
                        if let (Some(p), Ok(_)) = (numeric(v), self.variable(&key)) {
                            out.push((key, p));
                        }
                    }
                }
                toml::Value::Array(segments) if section == "segment" => {
                    for (seg, t) in self.segments.iter().zip(segments) {
                        let Some(t) = t.as_table() else { continue };
                        for (k, v) in t {
                            if let Some(p) = numeric(v) {
                                out.push((format!("segment.{}.{k}", seg.name), p));
                            }
                        }
                    }
                }
                _ => {}
            }
        }
        out
    }

    /// This spec with `overrides` applied as `--set` applies them; not validated.
    fn overridden(
        &self,
        overrides: &[Override],
        file: &str,
    ) -> Result<ScenarioSpec, ScenarioError> {
        apply_overrides(self.to_table(), overrides, file)
    }
}

/// Apply `--set` overrides to a scenario table and deserialise it. A type error in an overridden
/// key is reported against the `--set` argument; any other against the file.
fn apply_overrides(
    mut doc: toml::Table,
    overrides: &[Override],
    file: &str,
) -> Result<ScenarioSpec, ScenarioError> {
    for o in overrides {
        o.apply(&mut doc)?;
    }
    serde_path_to_error::deserialize(toml::Value::Table(doc.clone())).map_err(|e| {
        let key = dotted(e.path(), &doc);
        let message = e.inner().message().trim().replace('\n', "; ");
        match overrides
            .iter()
            .find(|o| key.starts_with(&o.key) || o.key.starts_with(&key))
        {
            Some(o) => ScenarioError::Override {
                spec: o.spec.clone(),
                message,
            },
            None => ScenarioError::Parse {
                file: file.to_string(),
                key: Some(key),
                message,
                position: None,
            },
        }
    })
}

/// An error of a scenario changed by one parameter, without the file name (the message it is
/// part of names the file).
fn describe(e: &ScenarioError) -> String {
    match e {
        ScenarioError::Value {
            key,
            value,
            allowed,
            ..
        } => format!("{key} = {value} is not allowed ({allowed})"),
        ScenarioError::Override { message, .. } => message.clone(),
        other => other.to_string(),
    }
}

// ---------------------------------------------------------------------------------------------
// Validation.
// ---------------------------------------------------------------------------------------------

/// A validated scenario: every value within the ranges of MODEL.md §8, every cross-field rule
/// checked. Only [`Scenario::from_spec`] (and the loaders that call it) make one.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    spec: ScenarioSpec,
    overridden: Vec<String>,
    /// The file it came from, for messages.
    file: String,
}

/// Maximum horizon in years.
pub const MAX_HORIZON_YEARS: i64 = 50;
/// Maximum loan term in months.
pub const MAX_TERM_MONTHS: i64 = 1200;
/// Maximum number of paths (memory is checked separately, before a run starts).
pub const MAX_PATHS: i64 = 1_000_000_000;
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

struct Check<'a> {
    file: &'a str,
    overridden: &'a [String],
}

impl Check<'_> {
    fn fail(&self, key: &str, value: impl fmt::Display, allowed: &str) -> ScenarioError {
        ScenarioError::Value {
            file: self.file.to_string(),
            key: key.to_string(),
            value: value.to_string(),
            allowed: allowed.to_string(),
            from_override: self.overridden.iter().any(|k| k == key),
        }
    }

    /// `value` must be finite and satisfy `ok`.
    fn num(&self, key: &str, value: f64, ok: bool, allowed: &str) -> Result<(), ScenarioError> {
        if value.is_finite() && ok {
            Ok(())
        } else {
            Err(self.fail(key, fmt_value(value), allowed))
        }
    }

    fn unit(&self, key: &str, value: f64) -> Result<(), ScenarioError> {
        self.num(
            key,
            value,
            (0.0..=1.0).contains(&value),
            "a number from 0 to 1",
        )
    }

    fn below_one(&self, key: &str, value: f64) -> Result<(), ScenarioError> {
        self.num(
            key,
            value,
            (0.0..1.0).contains(&value),
            "a number from 0 up to but not including 1",
        )
    }

    /// An amount of euros from 0 to [`MAX_MONEY`].
    fn money(&self, key: &str, value: f64) -> Result<(), ScenarioError> {
        self.num(
            key,
            value,
            (0.0..=MAX_MONEY).contains(&value),
            &format!("a number of euros from 0 to {MAX_MONEY:e}"),
        )
    }

    fn positive(&self, key: &str, value: f64) -> Result<(), ScenarioError> {
        self.num(key, value, value > 0.0, "a number > 0")
    }

    fn int(&self, key: &str, value: i64, lo: i64, hi: i64) -> Result<(), ScenarioError> {
        if (lo..=hi).contains(&value) {
            Ok(())
        } else if hi == i64::MAX {
            Err(self.fail(key, value, &format!("a whole number >= {lo}")))
        } else {
            Err(self.fail(key, value, &format!("a whole number from {lo} to {hi}")))
        }
    }
}

/// Print a value as the user would write it.
fn fmt_value(v: f64) -> String {
    if v.is_nan() {
        "nan".to_string()
    } else if v.is_infinite() {
        if v > 0.0 {
            "inf".to_string()
        } else {
            "-inf".to_string()
        }
    } else {
        format!("{v}")
    }
}

impl Scenario {
    /// Read, parse, override and validate a scenario file.
    pub fn load(path: &Path, overrides: &[Override]) -> Result<Scenario, ScenarioError> {
        let origin = Origin::of_path(path);
        let text = std::fs::read_to_string(path).map_err(|e| ScenarioError::Io {
            file: origin.file.clone(),
            message: e.to_string(),
        })?;
        Scenario::parse(&text, &origin, overrides)
    }

    /// Parse, override and validate scenario text.
    pub fn parse(
        text: &str,
        origin: &Origin,
        overrides: &[Override],
    ) -> Result<Scenario, ScenarioError> {
        let spec = ScenarioSpec::parse(text, origin, overrides)?;
        let overridden: Vec<String> = overrides.iter().map(|o| o.key.clone()).collect();
        Scenario::validate(spec, &origin.file, overridden)
    }

    /// Validate a spec built in code (e.g. by a notebook or a test).
    pub fn from_spec(spec: ScenarioSpec) -> Result<Scenario, ScenarioError> {
        Scenario::validate(spec, "<scenario>", Vec::new())
    }

    /// The validated values.
    pub fn spec(&self) -> &ScenarioSpec {
        &self.spec
    }

    /// The scenario's name (`meta.name`, or the file stem).
    pub fn name(&self) -> &str {
        self.spec.meta.name.as_deref().unwrap_or("scenario")
    }

    /// Keys given on the command line, in order.
    pub fn overridden_keys(&self) -> &[String] {
        &self.overridden
    }

    /// Number of simulated months `T`.
    pub fn months(&self) -> usize {
        12 * self.spec.simulation.horizon_years as usize
    }

    /// This scenario with `overrides` applied (as `--set` applies them) and validated again:
    /// a variant of a study. The overridden keys are added to those of this scenario.
    pub fn with_overrides(&self, overrides: &[Override]) -> Result<Scenario, ScenarioError> {
        let spec = self.spec.overridden(overrides, &self.file)?;
        let mut overridden = self.overridden.clone();
        overridden.extend(overrides.iter().map(|o| o.key.clone()));
        Scenario::validate(spec, &self.file, overridden)
    }

    /// This scenario without its `[sensitivity]` section, which only studies read: variants of
    /// a study are made from it, so that they are not checked against settings they ignore.
    pub fn without_sensitivity(&self) -> Scenario {
        let mut s = self.clone();
        s.spec.sensitivity = Sensitivity::default();
        s
    }

    /// The file the scenario came from, as the user gave it (for messages).
    pub fn file(&self) -> &str {
        &self.file
    }

    /// A copy with the number of paths and the seed replaced (for `--paths` and `--seed`).
    pub fn with_run_size(
        &self,
        paths: Option<u64>,
        seed: Option<u64>,
    ) -> Result<Scenario, ScenarioError> {
        let mut spec = self.spec.clone();
        let mut overridden = self.overridden.clone();
        let too_large = |key: &str, v: u64| ScenarioError::Value {
            file: self.file.clone(),
            key: key.to_string(),
            value: v.to_string(),
            allowed: "a whole number below 2^63".to_string(),
            from_override: true,
        };
        if let Some(p) = paths {
            spec.simulation.paths =
                i64::try_from(p).map_err(|_| too_large("simulation.paths", p))?;
            overridden.push("simulation.paths".into());
        }
        if let Some(s) = seed {
            spec.simulation.seed = i64::try_from(s).map_err(|_| too_large("simulation.seed", s))?;
            overridden.push("simulation.seed".into());
        }
        Scenario::validate(spec, &self.file, overridden)
    }

    fn validate(
        spec: ScenarioSpec,
        file: &str,
        overridden: Vec<String>,
    ) -> Result<Scenario, ScenarioError> {
        let c = Check {
            file,
            overridden: &overridden,
        };
        let s = &spec;

        let name = s.meta.name.as_deref().unwrap_or("");
        if name.trim().is_empty() {
            return Err(c.fail("meta.name", format!("{name:?}"), "a non-empty name"));
        }
        if name.contains(['/', '\\', '\0']) || name.starts_with('.') {
            return Err(c.fail(
                "meta.name",
                format!("{name:?}"),
                "a name without path separators that does not start with `.` (it names the output folder)",
            ));
        }
        c.int("meta.start_year", s.meta.start_year, 1900, 3000)?;
        c.int(
            "simulation.horizon_years",
            s.simulation.horizon_years,
            1,
            MAX_HORIZON_YEARS,
        )?;
        c.int("simulation.paths", s.simulation.paths, 1, MAX_PATHS)?;
        c.int("simulation.seed", s.simulation.seed, 0, i64::MAX)?;

        let f = &s.funding;
        c.money("funding.state_loan", f.state_loan)?;
        c.unit("funding.state_loan_rate", f.state_loan_rate)?;
        c.num(
            "funding.initial_reserves",
            f.initial_reserves,
            f.initial_reserves.abs() <= MAX_MONEY,
            &format!("a finite number of euros from -{MAX_MONEY:e} to {MAX_MONEY:e}"),
        )?;
        c.money("funding.guarantee_room", f.guarantee_room)?;
        c.unit("funding.external_rate", f.external_rate)?;
        c.unit("funding.guarantee_fee", f.guarantee_fee)?;
        c.money("funding.min_cash", f.min_cash)?;
        c.num(
            "funding.cash_target",
            f.cash_target,
            f.cash_target >= f.min_cash && f.cash_target <= MAX_MONEY,
            &format!(
                "a number from funding.min_cash ({}) to {MAX_MONEY:e}",
                fmt_value(f.min_cash)
            ),
        )?;
        c.unit("funding.min_capital_ratio", f.min_capital_ratio)?;

        c.int(
            "initial_book.loans",
            s.initial_book.loans,
            0,
            MAX_INITIAL_LOANS,
        )?;
        c.int(
            "initial_book.max_age_months",
            s.initial_book.max_age_months,
            1,
            i64::MAX,
        )?;

        let o = &s.origination;
        c.num(
            "origination.loans_per_year",
            o.loans_per_year,
            (0.0..=MAX_LOANS_PER_YEAR).contains(&o.loans_per_year),
            &format!("a number from 0 to {MAX_LOANS_PER_YEAR:e}"),
        )?;
        c.num(
            "origination.growth_per_year",
            o.growth_per_year,
            o.growth_per_year > -1.0 && o.growth_per_year <= 10.0,
            "a number > -1 and at most 10",
        )?;
        let peak_demand = (0..s.simulation.horizon_years)
            .map(|y| o.loans_per_year * (1.0 + o.growth_per_year).powi(y as i32))
            .fold(0.0, f64::max);
        if peak_demand > MAX_LOANS_PER_YEAR {
            return Err(c.fail(
                "origination.growth_per_year",
                fmt_value(o.growth_per_year),
                &format!(
                    "growth that keeps demand at most {MAX_LOANS_PER_YEAR:e} loans a year (with loans_per_year {} it reaches {peak_demand:.3e} within the horizon)",
                    fmt_value(o.loans_per_year)
                ),
            ));
        }
        c.num(
            "origination.cap",
            o.cap,
            o.cap > 0.0 && o.cap <= MAX_MONEY,
            &format!("a number > 0 and at most {MAX_MONEY:e}"),
        )?;

        let cc = &s.credit_cycle;
        c.below_one("credit_cycle.asset_correlation", cc.asset_correlation)?;
        c.below_one("credit_cycle.persistence", cc.persistence)?;
        for (i, &x) in cc.shifts.iter().enumerate() {
            c.num(
                &format!("credit_cycle.shifts[{i}]"),
                x,
                x.abs() <= MAX_SHIFT,
                &format!("a number from -{MAX_SHIFT} to {MAX_SHIFT} (standard deviations)"),
            )?;
        }

        let fu = &s.followup;
        c.unit("followup.referral_share", fu.referral_share)?;
        c.num(
            "followup.size_multiplier",
            fu.size_multiplier,
            fu.size_multiplier > 0.0 && fu.size_multiplier <= MAX_FACTOR,
            &format!("a number > 0 and at most {MAX_FACTOR:e}"),
        )?;
        c.positive("followup.pd_multiplier", fu.pd_multiplier)?;

        let co = &s.costs;
        c.money("costs.fixed_per_year", co.fixed_per_year)?;
        c.money("costs.per_new_loan", co.per_new_loan)?;
        c.money(
            "costs.per_active_loan_per_year",
            co.per_active_loan_per_year,
        )?;
        c.money("costs.coaching_per_new_loan", co.coaching_per_new_loan)?;

        if s.segments.is_empty() {
            return Err(c.fail("segment", "(none)", "at least one [[segment]] with a name"));
        }
        if s.segments.len() > MAX_SEGMENTS {
            return Err(c.fail(
                "segment",
                format!("({} segments)", s.segments.len()),
                &format!("at most {MAX_SEGMENTS} segments"),
            ));
        }
        let mut share_sum = 0.0;
        for (i, seg) in s.segments.iter().enumerate() {
            let valid_name = !seg.name.is_empty()
                && seg
                    .name
                    .chars()
                    .all(|ch| ch.is_ascii_alphanumeric() || ch == '_' || ch == '-');
            if !valid_name {
                return Err(c.fail(
                    &format!("segment[{i}].name"),
                    format!("{:?}", seg.name),
                    "a non-empty name of letters, digits, `_` and `-`",
                ));
            }
            if s.segments[..i].iter().any(|other| other.name == seg.name) {
                return Err(c.fail(
                    &format!("segment[{i}].name"),
                    format!("{:?}", seg.name),
                    "a name no other segment has",
                ));
            }
            let k = |key: &str| format!("segment.{}.{key}", seg.name);
            c.num(
                &k("share"),
                seg.share,
                (0.0..=MAX_FACTOR).contains(&seg.share),
                &format!("a number from 0 to {MAX_FACTOR:e}"),
            )?;
            share_sum += seg.share;
            c.num(
                &k("mean_size"),
                seg.mean_size,
                seg.mean_size > 0.0 && seg.mean_size <= MAX_MONEY,
                &format!("a number > 0 and at most {MAX_MONEY:e}"),
            )?;
            c.num(
                &k("size_cv"),
                seg.size_cv,
                (0.0..=MAX_FACTOR).contains(&seg.size_cv),
                &format!("a number from 0 to {MAX_FACTOR:e}"),
            )?;
            c.num(
                &k("min_size"),
                seg.min_size,
                seg.min_size >= 0.0 && seg.min_size <= o.cap,
                &format!("a number from 0 to origination.cap ({})", fmt_value(o.cap)),
            )?;
            c.int(&k("term_months"), seg.term_months, 1, MAX_TERM_MONTHS)?;
            c.int(&k("grace_months"), seg.grace_months, 0, seg.term_months - 1)?;
            c.unit(&k("interest_rate"), seg.interest_rate)?;
            c.unit(&k("origination_fee"), seg.origination_fee)?;
            c.below_one(&k("annual_pd"), seg.annual_pd)?;
            let multiplied = seg.annual_pd * fu.pd_multiplier;
            if multiplied >= 1.0 {
                return Err(c.fail(
                    "followup.pd_multiplier",
                    fmt_value(fu.pd_multiplier),
                    &format!(
                        "a number > 0 with annual_pd * pd_multiplier < 1 (segment {} has annual_pd {})",
                        seg.name,
                        fmt_value(seg.annual_pd)
                    ),
                ));
            }
            if seg.seasoning.is_empty() || seg.seasoning.len() > MAX_SEASONING_YEARS {
                return Err(c.fail(
                    &k("seasoning"),
                    format!("({} values)", seg.seasoning.len()),
                    &format!(
                        "a list of 1 to {MAX_SEASONING_YEARS} numbers >= 0, one per loan year"
                    ),
                ));
            }
            for (j, &x) in seg.seasoning.iter().enumerate() {
                c.num(
                    &format!("segment.{}.seasoning[{j}]", seg.name),
                    x,
                    (0.0..=MAX_FACTOR).contains(&x),
                    &format!("a number from 0 to {MAX_FACTOR:e}"),
                )?;
            }
            c.unit(&k("recovery_mean"), seg.recovery_mean)?;
            let m = seg.recovery_mean;
            c.num(
                &k("recovery_sd"),
                seg.recovery_sd,
                seg.recovery_sd == 0.0
                    || (seg.recovery_sd > 0.0 && seg.recovery_sd.powi(2) < m * (1.0 - m)),
                &format!(
                    "0, or a number > 0 with sd^2 < mean*(1-mean), i.e. below {:.4} for recovery_mean {}",
                    (m * (1.0 - m)).sqrt(),
                    fmt_value(m)
                ),
            )?;
            c.int(
                &k("recovery_lag_months"),
                seg.recovery_lag_months,
                1,
                i64::MAX,
            )?;
            c.below_one(&k("followup_rate"), seg.followup_rate)?;
            c.int(
                &k("followup_min_age_months"),
                seg.followup_min_age_months,
                0,
                i64::MAX,
            )?;
            c.below_one(&k("prepay_rate"), seg.prepay_rate)?;
            c.num(
                &k("jobs_per_loan"),
                seg.jobs_per_loan,
                (0.0..=MAX_FACTOR).contains(&seg.jobs_per_loan),
                &format!("a number from 0 to {MAX_FACTOR:e}"),
            )?;
        }
        if share_sum.is_nan() || share_sum <= 0.0 || !share_sum.is_finite() {
            return Err(c.fail(
                "segment.*.share",
                fmt_value(share_sum),
                "shares >= 0 that are not all 0 (they are normalised)",
            ));
        }

        // MODEL.md §6: the expected initial book must be fundable within the guarantee room.
        let expected_book = expected_initial_book(s, share_sum);
        let k0 = f.state_loan + f.initial_reserves;
        let debt_needed = (expected_book + f.min_cash - k0).max(0.0);
        if debt_needed > f.guarantee_room {
            return Err(c.fail(
                "initial_book.loans",
                s.initial_book.loans,
                &format!(
                    "a book the guarantee room can fund: {} loans are expected to be worth {}, which with \
                     funding.min_cash {} and capital {} needs {} of debt, more than funding.guarantee_room {}",
                    s.initial_book.loans,
                    eur(expected_book),
                    eur(f.min_cash),
                    eur(k0),
                    eur(debt_needed),
                    eur(f.guarantee_room)
                ),
            ));
        }
        check_sensitivity(s, &c)?;
        Ok(Scenario {
            spec,
            overridden,
            file: file.to_string(),
        })
    }
}

/// `[sensitivity]`: every parameter names a numeric key a study may vary, with finite `low <
/// high`, and the scenario stays valid with the key at either value (each checked alone).
fn check_sensitivity(s: &ScenarioSpec, c: &Check) -> Result<(), ScenarioError> {
    let mut alone = s.clone();
    alone.sensitivity = Sensitivity::default();
    for (i, p) in s.sensitivity.parameters.iter().enumerate() {
        let at = |field: &str| format!("sensitivity.parameters[{i}].{field}");
        let current = alone
            .parameter(&p.key)
            .map_err(|why| c.fail(&at("key"), format!("{:?}", p.key), &why))?;
        for (field, v) in [("low", p.low), ("high", p.high)] {
            c.num(&at(field), v, true, "a finite number")?;
            if current.whole && v.fract() != 0.0 {
                return Err(c.fail(
                    &at(field),
                    fmt_value(v),
                    &format!("a whole number ({} is a count)", p.key),
                ));
            }
        }
        if p.low >= p.high {
            return Err(c.fail(
                &at("high"),
                fmt_value(p.high),
                &format!("a number above low ({})", fmt_value(p.low)),
            ));
        }
        for (field, v) in [("low", p.low), ("high", p.high)] {
            let o = Override::number(&p.key, v, current.whole);
            alone
                .overridden(std::slice::from_ref(&o), c.file)
                .and_then(|varied| Scenario::validate(varied, c.file, vec![o.key.clone()]))
                .map_err(|e| {
                    c.fail(
                        &at(field),
                        fmt_value(v),
                        &format!(
                            "a value of {} with which the scenario stays valid, but {}",
                            p.key,
                            describe(&e)
                        ),
                    )
                })?;
        }
    }
    Ok(())
}

/// MODEL.md §6: `initial_book.loans` × Σ share × mean_size × the mean balance factor over the
/// segment's possible ages.
fn expected_initial_book(s: &ScenarioSpec, share_sum: f64) -> f64 {
    let per_loan: f64 = s
        .segments
        .iter()
        .map(|seg| {
            let schedule = Schedule::new(
                seg.term_months as usize,
                seg.grace_months as usize,
                seg.interest_rate,
            );
            let ages = (s.initial_book.max_age_months.min(seg.term_months)) as usize;
            let mean_factor =
                (0..ages).map(|a| schedule.balance_factor(a)).sum::<f64>() / ages as f64;
            seg.share / share_sum * seg.mean_size * mean_factor
        })
        .sum();
    s.initial_book.loans as f64 * per_loan
}

// Units of scenario keys, by the last part of the dotted path. One place for what charts,
// tables and studies need to know of a key's value.

/// Keys (the last part of a dotted path) whose values are euros.
const MONEY_KEYS: [&str; 12] = [
    "state_loan",
    "initial_reserves",
    "guarantee_room",
    "min_cash",
    "cash_target",
    "cap",
    "mean_size",
    "min_size",
    "fixed_per_year",
    "per_new_loan",
    "per_active_loan_per_year",
    "coaching_per_new_loan",
];

/// Keys whose values are rates or fractions, written in percent.
const PERCENT_KEYS: [&str; 15] = [
    "state_loan_rate",
    "external_rate",
    "guarantee_fee",
    "min_capital_ratio",
    "growth_per_year",
    "asset_correlation",
    "persistence",
    "referral_share",
    "interest_rate",
    "origination_fee",
    "annual_pd",
    "recovery_mean",
    "recovery_sd",
    "followup_rate",
    "prepay_rate",
];

/// Fractions that may be 0 or 1 but not beyond: the default moves are clamped to 0..1.
const UNIT_KEYS: [&str; 8] = [
    "state_loan_rate",
    "external_rate",
    "guarantee_fee",
    "min_capital_ratio",
    "referral_share",
    "interest_rate",
    "origination_fee",
    "recovery_mean",
];

/// The unit of a scenario key's value (`segment.starter.annual_pd` is a fraction in percent).
pub fn key_unit(key: &str) -> crate::units::Unit {
    use crate::units::Unit;
    let field = key.rsplit('.').next().unwrap_or(key);
    if MONEY_KEYS.contains(&field) {
        Unit::Money
    } else if PERCENT_KEYS.contains(&field) {
        Unit::Percent
    } else if field == "loans_per_year" || field == "loans" {
        Unit::Count
    } else if field.ends_with("_months") {
        Unit::Months
    } else {
        Unit::Ratio
    }
}

/// Whether a key is a fraction whose allowed range is 0 to 1 (moves are clamped to it).
pub fn key_at_most_one(key: &str) -> bool {
    let field = key.rsplit('.').next().unwrap_or(key);
    UNIT_KEYS.contains(&field)
}

/// A human label for a scenario key, for chart axes and table headers; the unit is not part
/// of it (see [`key_unit`]), and a segment's name follows in parentheses.
///
/// ```
/// use microfolio::scenario::key_label;
/// assert_eq!(key_label("followup.referral_share"), "Referral share");
/// assert_eq!(key_label("segment.starter.annual_pd"), "Annual PD (starter)");
/// assert_eq!(key_label("segment.starter.term_months"), "Term (starter)");
/// assert_eq!(key_label("costs.per_new_loan"), "Cost per new loan");
/// ```
pub fn key_label(key: &str) -> String {
    let parts: Vec<&str> = key.split('.').collect();
    let (section, field) = match parts.as_slice() {
        [section, .., field] => (*section, *field),
        _ => ("", key),
    };
    // Months are said by the unit: `term_months` is a term, in months.
    let field = match key_unit(key) {
        crate::units::Unit::Months => field.strip_suffix("_months").unwrap_or(field),
        _ => field,
    };
    let phrase = match (section, field) {
        ("costs", "fixed_per_year") => "fixed costs per year".to_string(),
        ("costs", f) if f.starts_with("per_") => format!("cost {}", f.replace('_', " ")),
        ("followup", "size_multiplier" | "pd_multiplier") => format!("followup {field}"),
        ("origination", "cap") => "origination cap".to_string(),
        ("initial_book", f) => format!("initial book {f}"),
        _ => field.to_string(),
    };
    let words: Vec<String> = phrase
        .split(['_', ' '])
        .filter(|w| !w.is_empty())
        .map(|w| match w {
            "pd" | "cv" | "sd" => w.to_uppercase(),
            "followup" => "follow-up".to_string(),
            _ => w.to_string(),
        })
        .collect();
    let mut label = words.join(" ");
    if let Some(first) = label.get(..1) {
        label = first.to_uppercase() + &label[1..];
    }
    match parts.as_slice() {
        ["segment", name, _] => format!("{label} ({name})"),
        _ => label,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn origin() -> Origin {
        Origin {
            file: "test.toml".into(),
            stem: "test".into(),
        }
    }

    fn parse(text: &str, sets: &[&str]) -> Result<Scenario, ScenarioError> {
        let overrides: Vec<Override> = sets.iter().map(|s| s.parse().unwrap()).collect();
        Scenario::parse(text, &origin(), &overrides)
    }

    const MINIMAL: &str = "[[segment]]\nname = \"starter\"\n";

    #[test]
    fn defaults_fill_every_key() {
        let s = parse(MINIMAL, &[]).unwrap();
        let spec = s.spec();
        assert_eq!(s.name(), "test");
        assert_eq!(spec.simulation.paths, 10_000);
        assert_eq!(spec.simulation.seed, 20_261_127);
        assert_eq!(spec.funding.state_loan, 44.7e6);
        assert_eq!(spec.funding.guarantee_room, 130e6);
        assert_eq!(spec.segments[0], Segment::named("starter"));
        assert_eq!(spec.followup.size_multiplier, 1.5);
        assert_eq!(spec.initial_book.max_age_months, 1200);
    }

    #[test]
    fn resolved_toml_round_trips() {
        let s = parse(
            MINIMAL,
            &[
                "segment.starter.annual_pd=0.08",
                "credit_cycle.shifts=[0, -1.5]",
            ],
        )
        .unwrap();
        let text = s.spec().to_toml();
        let again = parse(&text, &[]).unwrap();
        assert_eq!(again.spec(), s.spec());
        assert_eq!(again.spec().segments[0].annual_pd, 0.08);
    }

    #[test]
    fn integral_floats_are_accepted_for_counts() {
        let s = parse(
            MINIMAL,
            &["simulation.paths=1e5", "segment.starter.term_months=84.0"],
        )
        .unwrap();
        assert_eq!(s.spec().simulation.paths, 100_000);
        assert_eq!(s.spec().segments[0].term_months, 84);
        let e = parse(MINIMAL, &["simulation.paths=2.5"]).unwrap_err();
        assert!(e.to_string().contains("whole number"), "{e}");
    }

    #[test]
    fn errors_name_key_value_and_range() {
        let e = parse("[funding]\nmin_cash = -5\n[[segment]]\nname = \"a\"\n", &[]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "test.toml: funding.min_cash = -5: allowed: a number of euros from 0 to 1e15"
        );
        let e = parse("[[segment]]\nname = \"a\"\nannual_pd = nan\n", &[]).unwrap_err();
        assert!(e.to_string().contains("segment.a.annual_pd = nan"), "{e}");
        let e = parse(
            "[[segment]]\nname = \"a\"\nrecovery_mean = 0.3\nrecovery_sd = 0.5\n",
            &[],
        )
        .unwrap_err();
        assert!(e.to_string().contains("segment.a.recovery_sd = 0.5"), "{e}");
        let e = parse("[[segment]]\nname = \"a\"\ngrace_months = 60\n", &[]).unwrap_err();
        assert!(e.to_string().contains("from 0 to 59"), "{e}");
        let e = parse(MINIMAL, &["segment.starter.share=0"]).unwrap_err();
        assert!(e.to_string().contains("not all 0"), "{e}");
        let e = parse(MINIMAL, &["funding.guarantee_room=-1"]).unwrap_err();
        assert!(e.to_string().contains("(set on the command line)"), "{e}");
    }

    #[test]
    fn unknown_keys_and_wrong_types_give_position() {
        let e = parse("[funding]\nmin_cahs = 5\n[[segment]]\nname = \"a\"\n", &[]).unwrap_err();
        let msg = e.to_string();
        assert!(msg.starts_with("test.toml:2:"), "{msg}");
        assert!(msg.contains("min_cahs"), "{msg}");
        let e = parse("[[segment]]\nname = \"a\"\nannual_pd = \"high\"\n", &[]).unwrap_err();
        let msg = e.to_string();
        assert!(msg.starts_with("test.toml:3:"), "{msg}");
        assert!(msg.contains("segment.a.annual_pd"), "{msg}");
        let e = parse("[funding\n", &[]).unwrap_err();
        assert!(e.to_string().starts_with("test.toml:1:"), "{e}");
    }

    #[test]
    fn bad_overrides_are_refused() {
        assert!("funding.min_cash".parse::<Override>().is_err());
        assert!("min_cash=5".parse::<Override>().is_err());
        let e = parse(MINIMAL, &["segment.nobody.annual_pd=0.1"]).unwrap_err();
        assert!(
            e.to_string().contains("no segment is named `nobody`"),
            "{e}"
        );
        let e = parse(MINIMAL, &["funding.no_such_key=1"]).unwrap_err();
        assert!(e.to_string().contains("--set funding.no_such_key=1"), "{e}");
        let e = parse(MINIMAL, &["funding.min_cash=lots"]).unwrap_err();
        assert!(e.to_string().contains("--set funding.min_cash=lots"), "{e}");
    }

    #[test]
    fn extends_lays_a_variant_over_its_parent() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("base.toml"),
            "[meta]\nname = \"base\"\n[funding]\nmin_cash = 1e6\n[[segment]]\nname = \"a\"\nannual_pd = 0.05\n\
             [[segment]]\nname = \"b\"\n",
        )
        .unwrap();
        let child = dir.path().join("child.toml");
        std::fs::write(
            &child,
            "extends = \"base.toml\"\n[funding]\ncash_target = 9e6\n[[segment]]\nname = \"a\"\nterm_months = 24\n\
             [[segment]]\nname = \"c\"\n",
        )
        .unwrap();
        let s = Scenario::load(&child, &[]).unwrap();
        let spec = s.spec();
        assert_eq!(s.name(), "child");
        assert_eq!(
            (spec.funding.min_cash, spec.funding.cash_target),
            (1e6, 9e6)
        );
        let names: Vec<&str> = spec.segments.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["a", "b", "c"]);
        assert_eq!(
            (spec.segments[0].annual_pd, spec.segments[0].term_months),
            (0.05, 24)
        );
        assert!(!spec.to_toml().contains("extends"));

        std::fs::write(dir.path().join("loop.toml"), "extends = \"loop.toml\"\n").unwrap();
        let e = Scenario::load(&dir.path().join("loop.toml"), &[]).unwrap_err();
        assert!(e.to_string().contains("cycle"), "{e}");
        std::fs::write(
            dir.path().join("orphan.toml"),
            "extends = \"nowhere.toml\"\n",
        )
        .unwrap();
        let e = Scenario::load(&dir.path().join("orphan.toml"), &[]).unwrap_err();
        assert!(e.to_string().contains("extends = \"nowhere.toml\""), "{e}");
    }

    #[test]
    fn sensitivity_parameters_round_trip_and_are_checked() {
        let text = format!(
            "{MINIMAL}[sensitivity]\nparameters = [\n  {{ key = \"segment.starter.annual_pd\", low = 0.02, high = 0.05 }},\n  \
             {{ key = \"segment.starter.term_months\", low = 48, high = 72 }},\n]\n"
        );
        let s = parse(&text, &[]).unwrap();
        let params = &s.spec().sensitivity.parameters;
        assert_eq!(params.len(), 2);
        assert_eq!((params[1].low, params[1].high), (48.0, 72.0));
        let again = parse(&s.spec().to_toml(), &[]).unwrap();
        assert_eq!(again.spec(), s.spec());
        // An empty section is written out too, and round-trips.
        let plain = parse(MINIMAL, &[]).unwrap();
        assert!(plain.spec().to_toml().contains("[sensitivity]"));
        assert_eq!(
            parse(&plain.spec().to_toml(), &[]).unwrap().spec(),
            plain.spec()
        );

        let bad = |entry: &str| {
            parse(
                &format!("{MINIMAL}[sensitivity]\nparameters = [{entry}]\n"),
                &[],
            )
            .unwrap_err()
            .to_string()
        };
        let e = bad("{ key = \"funding.guarantee_rom\", low = 1, high = 2 }");
        assert!(
            e.contains("sensitivity.parameters[0].key") && e.contains("no key `guarantee_rom`"),
            "{e}"
        );
        let e = bad("{ key = \"segment.nobody.annual_pd\", low = 0.1, high = 0.2 }");
        assert!(e.contains("no segment is named `nobody`"), "{e}");
        let e = bad("{ key = \"simulation.seed\", low = 1, high = 2 }");
        assert!(e.contains("common random numbers"), "{e}");
        let e = bad("{ key = \"segment.starter.seasoning\", low = 1, high = 2 }");
        assert!(e.contains("is a list"), "{e}");
        let e = bad("{ key = \"segment.starter.annual_pd\", low = 0.1, high = 1.2 }");
        assert!(
            e.contains("sensitivity.parameters[0].high = 1.2")
                && e.contains("segment.starter.annual_pd = 1.2 is not allowed"),
            "{e}"
        );
        let e = bad("{ key = \"segment.starter.annual_pd\", low = 0.1, high = 0.05 }");
        assert!(e.contains("a number above low (0.1)"), "{e}");
        let e = bad("{ key = \"segment.starter.term_months\", low = 40.5, high = 72 }");
        assert!(e.contains("a whole number"), "{e}");
        let e = bad("{ key = \"followup.referral_share\", low = 0.1, high = nan }");
        assert!(e.contains("sensitivity.parameters[0].high = nan"), "{e}");
        let e = bad("{ key = \"followup.referral_share\", low = 0.1, hi = 0.2 }");
        assert!(e.contains("unknown field"), "{e}");
        // Cross-field rules are checked with the key at its value.
        let e = bad("{ key = \"funding.min_cash\", low = 1e6, high = 7e6 }");
        assert!(e.contains("funding.cash_target"), "{e}");
    }

    #[test]
    fn parameters_are_found_by_dotted_path() {
        let s = parse(MINIMAL, &[]).unwrap();
        let spec = s.spec();
        assert_eq!(
            spec.parameter("segment.starter.term_months"),
            Ok(ParameterValue {
                value: 60.0,
                whole: true
            })
        );
        assert_eq!(
            spec.parameter("followup.referral_share").unwrap().value,
            0.5
        );
        assert!(spec.parameter("meta.start_year").is_err());
        assert!(spec.parameter("simulation.paths").is_err());
        assert!(spec.parameter("simulation.horizon_years").is_ok());
        assert!(spec.parameter("funding").is_err());
        let keys: Vec<String> = spec
            .parameters_in(&["followup", "segment"])
            .into_iter()
            .map(|(k, _)| k)
            .collect();
        for k in [
            "followup.referral_share",
            "followup.size_multiplier",
            "followup.pd_multiplier",
        ] {
            assert!(keys.contains(&k.to_string()), "{k} in {keys:?}");
        }
        assert!(keys.contains(&"segment.starter.annual_pd".to_string()));
        assert!(
            !keys
                .iter()
                .any(|k| k.ends_with("seasoning") || k.ends_with("name"))
        );

        let varied = s
            .with_overrides(&[Override::number("segment.starter.term_months", 84.0, true)])
            .unwrap();
        assert_eq!(varied.spec().segments[0].term_months, 84);
        assert!(
            varied
                .overridden_keys()
                .contains(&"segment.starter.term_months".to_string())
        );
    }

    #[test]
    fn unfundable_initial_book_is_refused() {
        let e = parse(
            "[initial_book]\nloans = 100000\n[[segment]]\nname = \"a\"\n",
            &[],
        )
        .unwrap_err();
        assert!(e.to_string().contains("initial_book.loans = 100000"), "{e}");
        assert!(
            parse(
                "[initial_book]\nloans = 5000\n[[segment]]\nname = \"a\"\n",
                &[]
            )
            .is_ok()
        );
    }
}
