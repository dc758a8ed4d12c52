//! Keys of a resolved scenario by dotted path, through the registry: read and set a numeric
//! key (what a study or an uncertainty analysis varies), and which keys a study may vary at
//! all. Errors are sentences naming the key, for the caller to put in its own message.

use super::keys::{Key, KeySpec, Kind, Number, NumberSpec, Role, keys_of, lookup};
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
    /// The registered key at `key`, with the index of its segment for a segment key; or a
    /// sentence saying why the path names no key of this scenario.
    pub fn resolve(&self, key: &str) -> Result<(&'static KeySpec, Option<usize>), String> {
        let Key { spec, segment } = lookup(key)?;
        let Some(name) = segment else {
            return Ok((spec, None));
        };
        match self.segments.iter().position(|s| s.name == name) {
            Some(i) => Ok((spec, Some(i))),
            None => {
                let names: Vec<&str> = self.segments.iter().map(|s| s.name.as_str()).collect();
                Err(format!(
                    "`{key}`: no segment is named `{name}` (segments: {})",
                    names.join(", ")
                ))
            }
        }
    }

    /// The numeric key at `key` and its segment.
    fn numeric(&self, key: &str) -> Result<(&'static NumberSpec, Option<usize>), String> {
        let (spec, segment) = self.resolve(key)?;
        match &spec.kind {
            Kind::Number(n) => Ok((n, segment)),
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
        Ok(self.read(n, segment))
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
            value: self.read(n, segment).as_f64(),
            whole: n.whole,
        })
    }

    /// Every numeric parameter of the named sections (`funding`, `credit_cycle`, ...;
    /// `segment` for every key of every segment), with its value. The order is that of the
    /// resolved TOML table, which studies' outputs follow: sections and keys alphabetical,
    /// segments in file order. Lists (such as `credit_cycle.shifts` and
    /// `segment.<name>.seasoning`) are not numeric parameters.
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
            let segments: Vec<Option<usize>> = if section == "segment" {
                (0..self.segments.len()).map(Some).collect()
            } else {
                vec![None]
            };
            for segment in segments {
                let name = segment.map_or("", |i| self.segments[i].name.as_str());
                for k in &keys {
                    if let Some(n) = k.number() {
                        out.push((
                            k.path(name),
                            ParameterValue {
                                value: self.read(n, segment).as_f64(),
                                whole: n.whole,
                            },
                        ));
                    }
                }
            }
        }
        out
    }
}
