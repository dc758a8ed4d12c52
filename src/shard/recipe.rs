//! What a run or a study was made from, as JSON, so that a merge of its shards can make the
//! same run or study again: every scenario as its resolved TOML with the file it came from and
//! the keys overridden ([`scenario`]), and a study's own arguments as they were given. A shard
//! records the recipe in its fingerprint; [`crate::Study::from_recipe`] reads it back.

use serde_json::{Value, json};

use crate::error::Error;
use crate::metrics::Scalar;
use crate::scenario::Scenario;
use crate::study::parse_metrics;

/// The keys of a scenario's recipe.
const SCENARIO_KEYS: [&str; 5] = ["file", "overridden", "toml", "extends", "sets"];

/// A scenario as a recipe: `{"file", "overridden", "toml", "extends", "sets"}`, which
/// [`scenario_from`] reads back into the same scenario (values, file in messages, overridden
/// keys, and what the file extends). `sets` is the checksum of the sets a calibrated scenario
/// draws from (`uncertain_sets`, `null` for none): the TOML names only their file, whose
/// content is part of the work too.
pub fn scenario(s: &Scenario) -> Value {
    json!({
        "file": s.file(),
        "overridden": s.overridden_keys(),
        "toml": s.spec().to_toml(),
        "extends": crate::output::lineage_json(s.lineage()),
        "sets": s.uncertain_sets_checksum(),
    })
}

/// Whether a recipe's object is a scenario made by [`scenario`] (exactly its keys).
pub fn is_scenario(m: &serde_json::Map<String, Value>) -> bool {
    m.len() == SCENARIO_KEYS.len() && SCENARIO_KEYS.iter().all(|k| m.contains_key(*k))
}

/// A file read whole, as a recipe: `{"file", "text"}` (a calibration's targets), whose content
/// in a fingerprint is its text, not the name it was given by ([`crate::shard::format::content`]).
pub fn file(name: &str, text: &str) -> Value {
    json!({"file": name, "text": text})
}

/// Whether a recipe's object is a file made by [`file()`] (exactly its two keys).
pub fn is_file(m: &serde_json::Map<String, Value>) -> bool {
    m.len() == 2 && m.contains_key("file") && m.contains_key("text")
}

/// The text under `key`.
pub fn str_at<'a>(v: &'a Value, key: &str) -> Result<&'a str, Error> {
    v[key].as_str().ok_or_else(|| damaged(key))
}

/// The scenario of a recipe made by [`scenario`]; refused where the sets it draws from are no
/// longer those the recipe was made with (their file changed since).
pub fn scenario_from(v: &Value) -> Result<Scenario, Error> {
    let file = v["file"].as_str().ok_or_else(|| damaged("file"))?;
    let toml = v["toml"].as_str().ok_or_else(|| damaged("toml"))?;
    let overridden = strings(v, "overridden")?;
    let lineage = crate::output::lineage_from_json(&v["extends"]).map_err(|key| damaged(&key))?;
    let sets = match &v["sets"] {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        _ => return Err(damaged("sets")),
    };
    let scenario = Scenario::restore(toml, file, overridden, lineage)?;
    let now = scenario.uncertain_sets_checksum();
    if now != sets {
        let file = scenario
            .spec()
            .uncertain_sets
            .as_deref()
            .unwrap_or("(none)");
        return Err(Error::Input(format!(
            "{file}: the sets of uncertain_sets have changed since the shards were written \
             (checksum {} then, {} now); rerun the shards with the file as it is now, or put \
             back the file they were made from",
            sets.as_deref().unwrap_or("none"),
            now.as_deref().unwrap_or("none")
        )));
    }
    Ok(scenario)
}

/// The scenario of a recipe under `key`.
pub fn scenario_at(v: &Value, key: &str) -> Result<Scenario, Error> {
    scenario_from(&v[key])
}

/// Metrics by their names.
pub fn metrics(metrics: &[Scalar]) -> Vec<&'static str> {
    metrics.iter().map(|m| m.name()).collect()
}

/// The metrics named under `key` (empty for none).
pub fn metrics_at(v: &Value, key: &str) -> Result<Vec<Scalar>, Error> {
    let names = strings(v, key)?;
    if names.is_empty() {
        return Ok(Vec::new());
    }
    parse_metrics(&names.join(","))
}

/// The list of texts under `key`.
pub fn strings(v: &Value, key: &str) -> Result<Vec<String>, Error> {
    v[key]
        .as_array()
        .ok_or_else(|| damaged(key))?
        .iter()
        .map(|x| x.as_str().map(str::to_string).ok_or_else(|| damaged(key)))
        .collect()
}

/// A whole number under `key`, or `None` for `null`.
pub fn optional_u64(v: &Value, key: &str) -> Result<Option<u64>, Error> {
    match &v[key] {
        Value::Null => Ok(None),
        x => x.as_u64().map(Some).ok_or_else(|| damaged(key)),
    }
}

/// A whole number under `key`.
pub fn u64_at(v: &Value, key: &str) -> Result<u64, Error> {
    v[key].as_u64().ok_or_else(|| damaged(key))
}

/// A number under `key`.
pub fn f64_at(v: &Value, key: &str) -> Result<f64, Error> {
    v[key].as_f64().ok_or_else(|| damaged(key))
}

/// A yes or no under `key`.
pub fn bool_at(v: &Value, key: &str) -> Result<bool, Error> {
    v[key].as_bool().ok_or_else(|| damaged(key))
}

/// A recipe whose `key` is missing or of the wrong kind: a shard not written by microfolio, or
/// edited.
pub fn damaged(key: &str) -> Error {
    Error::Input(format!(
        "the recipe in the shard's fingerprint has no valid `{key}`; was shard.json edited?"
    ))
}
