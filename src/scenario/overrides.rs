//! Overrides: `dotted.key=value` laid over a scenario's TOML table before it is deserialised,
//! segments addressed by name (`segment.NAME.field`). The same overrides make the variants of
//! a study ([`Override::number`]). A type error in an overridden key is reported against the
//! override, any other against the file.

use super::error::{ScenarioError, reword};
use super::file::dotted;
use super::keys::{DottedPath, Items};
use super::spec::ScenarioSpec;

/// One override `dotted.key=value`. The value is read as a TOML value (`1e5`, `0.08`,
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
            .ok_or_else(|| bad("expected KEY=VALUE, e.g. followup.referral_share=0.8"))?;
        let key = key.trim();
        if key.is_empty() || key.split('.').any(|p| p.is_empty()) || !key.contains('.') {
            return Err(bad(
                "the key must be a dotted path such as funding.min_cash or segment.micro_starter.annual_pd",
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
    /// `segment.<name>.<key>`, facility keys `funding.facility.<name>.<key>`; other keys are
    /// `<section>.<key>`.
    fn apply(&self, doc: &mut toml::Table) -> Result<(), ScenarioError> {
        let bad = |message: String| ScenarioError::Override {
            spec: self.spec.clone(),
            message,
        };
        // An unknown key is left for the deserialiser to name, with the keys it expects.
        let path = DottedPath::parse(&self.key).map_err(bad)?;
        let table = match path.item {
            Some((items, _)) if path.field == "name" => {
                return Err(bad(format!(
                    "{} names cannot be changed by an override",
                    items.noun()
                )));
            }
            Some((Items::Segments, name)) => segment_table(doc, name).map_err(bad)?,
            Some((Items::Facilities, name)) => {
                let facility = facility_table(doc, name).map_err(bad)?;
                // Setting one of `limit` and `limits` replaces the other (docs/model.md §11.1).
                match path.field {
                    "limit" => facility.remove("limits"),
                    "limits" => facility.remove("limit"),
                    _ => None,
                };
                facility
            }
            None => {
                let section = path.section;
                let entry = doc
                    .entry(section.to_string())
                    .or_insert_with(|| toml::Value::Table(toml::Table::new()));
                entry
                    .as_table_mut()
                    .ok_or_else(|| bad(format!("`{section}` is not a section")))?
            }
        };
        table.insert(path.field.to_string(), self.value.clone());
        Ok(())
    }
}

/// The table of the segment named `name` in a scenario's TOML table.
fn segment_table<'t>(doc: &'t mut toml::Table, name: &str) -> Result<&'t mut toml::Table, String> {
    let segments = doc.get_mut("segment").and_then(|v| v.as_array_mut());
    let Some(segments) = segments else {
        return Err("the scenario has no [[segment]]".to_string());
    };
    let name_of = |s: &toml::Value| s.get("name").and_then(|n| n.as_str()).map(str::to_string);
    let names: Vec<String> = segments.iter().filter_map(name_of).collect();
    segments
        .iter_mut()
        .filter_map(|s| s.as_table_mut())
        .find(|s| s.get("name").and_then(|n| n.as_str()) == Some(name))
        .ok_or_else(|| {
            format!(
                "no segment is named `{name}` (segments: {})",
                names.join(", ")
            )
        })
}

/// The table of the facility named `name` in a scenario's TOML table.
fn facility_table<'t>(doc: &'t mut toml::Table, name: &str) -> Result<&'t mut toml::Table, String> {
    let facilities = doc
        .get_mut("funding")
        .and_then(|f| f.get_mut("facility"))
        .and_then(|v| v.as_array_mut());
    let Some(facilities) = facilities.filter(|f| !f.is_empty()) else {
        return Err(
            "the scenario lists no [[funding.facility]] (its external funding is \
             funding.guarantee_room at funding.external_rate)"
                .to_string(),
        );
    };
    let name_of = |s: &toml::Value| s.get("name").and_then(|n| n.as_str()).map(str::to_string);
    let names: Vec<String> = facilities.iter().filter_map(name_of).collect();
    facilities
        .iter_mut()
        .filter_map(|s| s.as_table_mut())
        .find(|s| s.get("name").and_then(|n| n.as_str()) == Some(name))
        .ok_or_else(|| {
            format!(
                "no facility is named `{name}` (facilities: {})",
                names.join(", ")
            )
        })
}

impl Override {
    /// The value as written after `=` (`150e6`, `0.8`).
    pub fn written(&self) -> String {
        self.spec
            .split_once('=')
            .map_or_else(|| self.value.to_string(), |(_, v)| v.trim().to_string())
    }

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
    /// This spec with `overrides` applied as on the command line; not validated.
    pub(super) fn overridden(
        &self,
        overrides: &[Override],
        file: &str,
    ) -> Result<ScenarioSpec, ScenarioError> {
        apply_overrides(self.to_table(), overrides, file)
    }
}

/// Apply overrides to a scenario table and deserialise it. A type error in an overridden
/// key is reported against the override; any other against the file.
pub(super) fn apply_overrides(
    mut doc: toml::Table,
    overrides: &[Override],
    file: &str,
) -> Result<ScenarioSpec, ScenarioError> {
    for o in overrides {
        o.apply(&mut doc)?;
    }
    serde_path_to_error::deserialize(toml::Value::Table(doc.clone())).map_err(|e| {
        let key = dotted(e.path(), &doc);
        let message = reword(&e.inner().message().trim().replace('\n', "; "), Some(&key));
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
