//! Keys of a resolved scenario by dotted path, through the registry: read and set a numeric
//! key (what a study or an uncertainty analysis varies), and which keys a study may vary at
//! all. Errors are sentences naming the key, for the caller to put in its own message.

use super::keys::{Items, Key, KeySpec, Kind, Number, NumberSpec, Role, keys_of, lookup};
use super::spec::ScenarioSpec;

/// A numeric parameter of a resolved scenario, named by its dotted path.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ParameterValue {
    /// Its value in the scenario.
    pub value: f64,
    /// A count or a number of months: only whole numbers are allowed.
    pub whole: bool,
}

impl ScenarioSpec {
    /// The registered key at `key`, with the index of its item for a key of every segment or
    /// facility; or a sentence saying why the path names no key of this scenario.
    pub fn resolve(&self, key: &str) -> Result<(&'static KeySpec, Option<usize>), String> {
        let Key { spec, item } = lookup(key)?;
        let (Some(name), Some(items)) = (item, spec.items()) else {
            return Ok((spec, None));
        };
        let names: Vec<&str> = match items {
            Items::Segments => self.segments.iter().map(|s| s.name.as_str()).collect(),
            Items::Facilities => self.facilities().iter().map(|f| f.name.as_str()).collect(),
        };
        match names.iter().position(|n| *n == name) {
            Some(i) => Ok((spec, Some(i))),
            None if names.is_empty() && items == Items::Facilities => Err(format!(
                "`{key}`: the scenario lists no [[funding.facility]] (its external funding is \
                 funding.guarantee_room at funding.external_rate)"
            )),
            None => Err(format!(
                "`{key}`: no {} is named `{name}` ({}s: {})",
                items.noun(),
                items.noun(),
                names.join(", ")
            )),
        }
    }

    /// The numeric key at `key` and its item.
    fn numeric(&self, key: &str) -> Result<(&'static NumberSpec, Option<usize>), String> {
        let (spec, segment) = self.resolve(key)?;
        match &spec.kind {
            Kind::Number(n) => Ok((n, segment)),
            Kind::Choice(words) => Err(format!(
                "`{key}` is one of {}, not a number: a study varies numeric keys (choose with an \
                 override, or in a compared variant)",
                words.join(", ")
            )),
            Kind::List => Err(format!(
                "`{key}` is a list, not a number: a study varies numeric keys (change a list with \
                 an override, or in a compared variant)"
            )),
            Kind::Text => Err(format!(
                "`{key}` is a string, not a number: a study varies numeric keys"
            )),
            Kind::Switch => Err(format!(
                "`{key}` is true or false, not a number: a study varies numeric keys (switch it \
                 with an override, or in a compared variant)"
            )),
        }
    }

    /// The value of the numeric key at `key` (any numeric key, `simulation.seed` included).
    pub fn number(&self, key: &str) -> Result<Number, String> {
        let (n, segment) = self.numeric(key)?;
        self.read(n, segment).ok_or_else(|| self.unset(key))
    }

    /// Why a registered key has no value in this scenario.
    fn unset(&self, key: &str) -> String {
        match key {
            "funding.guarantee_room" | "funding.external_rate" | "funding.guarantee_fee" => {
                format!(
                    "`{key}` is not used by this scenario: its external funding is its \
                     [[funding.facility]] list (vary funding.facility.<name>.limit, .rate or \
                     .guarantee_fee)"
                )
            }
            _ => format!("`{key}` is not set in this scenario"),
        }
    }

    /// Set the numeric key at `key` to `value`. A whole key takes only whole values; ranges
    /// are not checked here but by validation (`Scenario::from_spec`).
    pub fn set_number(&mut self, key: &str, value: f64) -> Result<(), String> {
        let (n, segment) = self.numeric(key)?;
        let number = n
            .number(value)
            .ok_or_else(|| format!("`{key}` takes whole numbers, not {value}"))?;
        self.write(n, segment, number);
        Ok(())
    }

    /// The key at `key` if a study may vary it: any existing key except those that name or
    /// label the scenario (`meta.*`), those that every variant must share for common random
    /// numbers (`simulation.seed`, `simulation.paths`) and the study settings themselves
    /// (`sensitivity.*`).
    pub fn variable(&self, key: &str) -> Result<&'static KeySpec, String> {
        let (spec, _) = self.resolve(key)?;
        match spec.role {
            Role::Parameter => Ok(spec),
            Role::Label => Err(format!(
                "`{key}` names or labels the scenario; it is no model parameter"
            )),
            Role::RunSize => Err(format!(
                "`{key}` cannot vary: every variant of a study runs the same paths with the same \
                 seed (common random numbers); set them for the whole study"
            )),
            Role::StudySetting => Err(format!(
                "`{key}` configures the studies themselves; it is no model parameter"
            )),
        }
    }

    /// The numeric parameter at `key` as a study varies it ([`ScenarioSpec::variable`], and
    /// a number rather than a list or text).
    pub fn parameter(&self, key: &str) -> Result<ParameterValue, String> {
        self.variable(key)?;
        let (n, segment) = self.numeric(key)?;
        Ok(ParameterValue {
            value: self
                .read(n, segment)
                .ok_or_else(|| self.unset(key))?
                .as_f64(),
            whole: n.whole,
        })
    }

    /// Every numeric parameter the scenario sets in the named sections (`funding`,
    /// `credit_cycle`, ...; `segment` for every key of every segment, `facility` of every
    /// facility), with its value. The order is that of the resolved TOML table, which
    /// studies' outputs follow: sections and keys alphabetical, segments and facilities in
    /// file order. Lists (such as `credit_cycle.shifts` and `segment.<name>.seasoning`) are
    /// not numeric parameters.
    pub fn parameters_in(&self, sections: &[&str]) -> Vec<(String, ParameterValue)> {
        let mut sections = sections.to_vec();
        sections.sort_unstable();
        sections.dedup();
        let sorted = |section: &str| {
            let mut keys: Vec<&'static KeySpec> = keys_of(section)
                .filter(|k| k.role == Role::Parameter)
                .collect();
            keys.sort_by_key(|k| k.field);
            keys
        };
        let mut out = Vec::new();
        for section in sections {
            let keys = sorted(section);
            let names: Vec<&str> = match section {
                "segment" => self.segments.iter().map(|s| s.name.as_str()).collect(),
                "facility" => self.facilities().iter().map(|f| f.name.as_str()).collect(),
                _ => vec![""],
            };
            let listed = section == "segment" || section == "facility";
            for (i, name) in names.into_iter().enumerate() {
                let item = listed.then_some(i);
                for k in &keys {
                    if let Some(v) = k.number().and_then(|n| Some((n, self.read(n, item)?))) {
                        out.push((
                            k.path(name),
                            ParameterValue {
                                value: v.1.as_f64(),
                                whole: v.0.whole,
                            },
                        ));
                    }
                }
            }
        }
        out
    }
}
