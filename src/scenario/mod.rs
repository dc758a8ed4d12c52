//! The scenario file (docs/model.md §8): parsing, overrides, the key registry and validation.
//!
//! A scenario goes through three stages. The TOML text is parsed into a [`ScenarioSpec`], the
//! plain serde mirror of the file with every default filled in and unknown keys refused
//! (`spec.rs`, `file.rs`); overrides are applied to the TOML tree before that step, by dotted
//! path, segments by name (`overrides.rs`). [`Scenario::from_spec`] then checks every range
//! of the key registry (`keys.rs`) and every rule between keys (`validate.rs`) in one place
//! and yields a [`Scenario`], whose invariants the engine relies on. The `[[uncertain]]`
//! section (`uncertain.rs`) is checked there too, and [`Scenario::at_values`] applies its
//! values. Every error names the
//! file, the dotted key, the offending value and what is allowed (`error.rs`).

use std::path::Path;

mod error;
mod file;
mod keys;
mod overrides;
mod parameters;
mod sets;
mod spec;
mod uncertain;
mod validate;

pub use error::{ECHO_CHARS, OVERRIDDEN, ScenarioError, percent_hint, shorten, shorten_words};
pub use file::{Difference, Lineage, MAX_SCENARIO_BYTES, Origin, differences};
pub use keys::{
    Bounds, Items, KEYS, Key, KeySpec, Kind, MAX_FACTOR, MAX_GROWTH, MAX_HORIZON_YEARS,
    MAX_INITIAL_LOANS, MAX_LOANS_PER_YEAR, MAX_MONEY, MAX_PATHS, MAX_SEASONING_YEARS, MAX_SEGMENTS,
    MAX_SHIFT, MAX_TERM_MONTHS, Number, NumberSpec, Role, key_at_most_one, key_label, key_unit,
    keys_of, lookup, sections,
};
pub use overrides::Override;
pub use parameters::ParameterValue;
pub use spec::{
    Costs, CreditCycle, DEFAULT_FACILITY_RATE, DEFAULT_GUARANTEE_ROOM, Facility, Followup, Funding,
    InitialBook, Meta, Origination, Resolution, ResolutionRule, Sampling, ScenarioSpec, Segment,
    Sensitivity, SensitivityParameter, Settlement, Simulation, State,
};
pub use uncertain::{How, MAX_DISCRETE_VALUES, MAX_UNCERTAIN, Uncertain, UncertainSpec};

/// A validated scenario: every value within the ranges of docs/model.md §8, every cross-field rule
/// checked. Only [`Scenario::from_spec`] (and the loaders that call it) make one.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    spec: ScenarioSpec,
    overridden: Vec<String>,
    /// The file it came from, for messages.
    file: String,
    /// The `[[uncertain]]` section, checked.
    uncertain: Vec<Uncertain>,
    /// The sets of `uncertain_sets`, read and checked: the parameters drawn jointly.
    sets: Option<sets::Sets>,
    /// What the file extends and which keys it sets, if it extends another.
    lineage: Option<Lineage>,
}

impl Scenario {
    /// Read, parse, override and validate a scenario file: a regular file of at most
    /// [`MAX_SCENARIO_BYTES`] (as is every file it `extends`).
    pub fn load(path: &Path, overrides: &[Override]) -> Result<Scenario, ScenarioError> {
        let origin = Origin::of_path(path);
        let text = file::read_scenario_file(path).map_err(|why| ScenarioError::Io {
            file: origin.file.clone(),
            message: why.phrase(),
        })?;
        Scenario::parse(&text, &origin, overrides)
    }

    /// Parse, override and validate scenario text.
    pub fn parse(
        text: &str,
        origin: &Origin,
        overrides: &[Override],
    ) -> Result<Scenario, ScenarioError> {
        let (spec, lineage) = file::parse_file(text, origin, overrides)?;
        let overridden: Vec<String> = overrides.iter().map(|o| o.key.clone()).collect();
        let mut scenario = validate::validate(spec, &origin.file, overridden)?;
        scenario.lineage = lineage;
        Ok(scenario)
    }

    /// Parse and validate scenario text given in code (a test, a notebook): messages name it
    /// `inline`, and `meta.name` defaults to `inline`.
    pub fn from_toml_str(text: &str) -> Result<Scenario, ScenarioError> {
        Scenario::parse(text, &Origin::new("inline"), &[])
    }

    /// A scenario read back from its resolved TOML ([`ScenarioSpec::to_toml`]) with the file
    /// it came from and the keys overridden: the same scenario, which a merge of shards rebuilds
    /// its run or study from.
    pub fn restore(
        resolved: &str,
        file: &str,
        overridden: Vec<String>,
        lineage: Option<Lineage>,
    ) -> Result<Scenario, ScenarioError> {
        let spec = ScenarioSpec::parse(resolved, &Origin::new(file), &[])?;
        let mut scenario = validate::validate(spec, file, overridden)?;
        scenario.lineage = lineage;
        Ok(scenario)
    }

    /// Validate a spec built in code (e.g. by a notebook or a test).
    pub fn from_spec(spec: ScenarioSpec) -> Result<Scenario, ScenarioError> {
        validate::validate(spec, "<scenario>", Vec::new())
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

    /// What the file extends and which keys it sets, if it extends another (`extends`).
    pub fn lineage(&self) -> Option<&Lineage> {
        self.lineage.as_ref()
    }

    /// Number of simulated months `T`.
    pub fn months(&self) -> usize {
        12 * self.spec.simulation.horizon_years as usize
    }

    /// This scenario with `overrides` applied (as overrides from the command line are applied) and validated again:
    /// a variant of a study. The overridden keys are added to those of this scenario.
    pub fn with_overrides(&self, overrides: &[Override]) -> Result<Scenario, ScenarioError> {
        let spec = self.spec.overridden(overrides, &self.file)?;
        let mut overridden = self.overridden.clone();
        overridden.extend(overrides.iter().map(|o| o.key.clone()));
        self.keeping_lineage(validate::validate(spec, &self.file, overridden))
    }

    /// `made` (a copy of this scenario, changed) with this scenario's lineage.
    fn keeping_lineage(
        &self,
        made: Result<Scenario, ScenarioError>,
    ) -> Result<Scenario, ScenarioError> {
        made.map(|mut s| {
            s.lineage = self.lineage.clone();
            s
        })
    }

    /// This scenario as a variant of its own: named `name`, or after `overrides` when none is
    /// given (`baseline-referral_share-0.8`), and described by them (`baseline, with
    /// followup.referral_share = 0.8`) unless they set `meta.name` or `meta.description`
    /// themselves. A variant written to a file (`microfolio validate --set`) or made in a
    /// notebook then keeps its results apart from the scenario it came from.
    pub fn as_variant(
        &self,
        overrides: &[Override],
        name: Option<&str>,
    ) -> Result<Scenario, ScenarioError> {
        if name.is_none() && overrides.iter().all(|o| o.key.starts_with("meta.")) {
            // Neither renamed nor changed: this scenario as it is, not validated again (a
            // thousand uncertain parameters take a second to check).
            return Ok(self.clone());
        }
        let sets = |key: &str| overrides.iter().any(|o| o.key == key);
        let mut spec = self.spec.clone();
        let base = self.name().to_string();
        let changes: Vec<&Override> = overrides
            .iter()
            .filter(|o| !o.key.starts_with("meta."))
            .collect();
        match name {
            Some(n) => spec.meta.name = Some(n.to_string()),
            None if !changes.is_empty() && !sets("meta.name") => {
                spec.meta.name = Some(variant_name(&base, &changes));
            }
            None => {}
        }
        if !changes.is_empty() && !sets("meta.description") {
            let described: Vec<String> = changes
                .iter()
                .map(|o| format!("{} = {}", o.key, o.written()))
                .collect();
            spec.meta.description = format!("{base}, with {}", described.join(", "));
        }
        let overridden = self.overridden.clone();
        self.keeping_lineage(validate::validate(spec, &self.file, overridden))
    }

    /// This scenario without its `[sensitivity]` and `[[uncertain]]` sections, which a
    /// study's variants ignore: variants of a study are made from it, so that they are not
    /// checked against settings they ignore.
    pub fn without_sensitivity(&self) -> Scenario {
        let mut s = self.clone();
        s.spec.sensitivity = Sensitivity::default();
        s.spec.uncertain.clear();
        s.spec.uncertain_sets = None;
        s.uncertain.clear();
        s.sets = None;
        s
    }

    /// The file the scenario came from, as the user gave it (for messages).
    pub fn file(&self) -> &str {
        &self.file
    }

    /// A copy with the number of paths and the seed replaced (the size and seed of a run or study chosen on the command line).
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
            // Once, however often it is set (a run to a target records the paths it ran).
            if !overridden.iter().any(|k| k == "simulation.paths") {
                overridden.push("simulation.paths".into());
            }
        }
        if let Some(s) = seed {
            spec.simulation.seed = i64::try_from(s).map_err(|_| too_large("simulation.seed", s))?;
            overridden.push("simulation.seed".into());
        }
        // Only the two keys changed need a check: no rule between keys reads them.
        validate::run_size(&spec, &self.file, &overridden)?;
        Ok(Scenario {
            spec,
            overridden,
            file: self.file.clone(),
            uncertain: self.uncertain.clone(),
            sets: self.sets.clone(),
            lineage: self.lineage.clone(),
        })
    }
}

/// The name of a variant of `base` made by `changes`: `base-field-value` for each, the field
/// without its section (a segment's with the segment's name), the value as written; only
/// letters, digits, `_`, `-` and `.` (it names a folder and a compared variant), and at most
/// [`validate::MAX_NAME_BYTES`] bytes (a longer one ends in a hash of the whole).
fn variant_name(base: &str, changes: &[&Override]) -> String {
    let mut name = base.to_string();
    for o in changes {
        let field = match o.key.split_once('.') {
            Some(("segment", rest)) => rest,
            Some((_, field)) => field,
            None => o.key.as_str(),
        };
        name.push('-');
        name.push_str(field);
        name.push('-');
        name.push_str(&o.written());
    }
    let mut name: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if name.len() > validate::MAX_NAME_BYTES {
        // FNV-1a: short, stable, and enough to keep two long names apart.
        let hash = name.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        });
        name.truncate(validate::MAX_NAME_BYTES - 9);
        name = format!("{name}-{:08x}", hash as u32);
    }
    name
}

#[cfg(test)]
mod tests;
