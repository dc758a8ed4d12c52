//! The parameters of a study, named by the dotted paths of scenario keys (docs/model.md §8): a swept
//! parameter `KEY=v1,v2,...` or `KEY=lo:hi:n`, and a compared variant `NAME: key=value,...`.
//! Values are applied to the base scenario as overrides, exactly as scenario overrides are, and
//! every variant is validated before anything runs, so that a value that makes the scenario
//! invalid is refused up front with the parameter and the value named.

use std::str::FromStr;

use super::MAX_VARIANTS;
use crate::error::{Arg, Error};
use crate::scenario::{Override, ParameterValue, Scenario, ScenarioError, ScenarioSpec};

/// One swept parameter: its dotted key and its values, distinct and ascending.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepParam {
    pub key: String,
    pub values: Vec<f64>,
    /// The argument as given, for messages.
    pub spec: String,
}

/// A value computed from a range, rounded to 12 significant digits so that `0.1:0.5:5` gives
/// 0.3 rather than 0.30000000000000004.
fn tidy(x: f64) -> f64 {
    if x == 0.0 {
        return 0.0;
    }
    format!("{x:.11e}").parse().unwrap_or(x)
}

impl FromStr for SweepParam {
    type Err = Error;

    /// `KEY=v1,v2,...` (at least two distinct values) or `KEY=lo:hi:n` (n ≥ 2 evenly spaced
    /// values from lo to hi, lo ≠ hi).
    fn from_str(spec: &str) -> Result<SweepParam, Error> {
        let bad = |why: String| Error::argument(Arg::Param, spec, why);
        let (key, raw) = spec.split_once('=').ok_or_else(|| {
            bad("expected KEY=v1,v2,... or KEY=lo:hi:n, e.g. followup.referral_share=0:1:11".into())
        })?;
        let key = key.trim();
        if key.is_empty() {
            return Err(bad("the key is empty".into()));
        }
        let raw = raw.trim();
        if raw.is_empty() {
            return Err(bad(
                "no values; give a list (0.2,0.5,0.8) or a range lo:hi:n (0:1:11)".into(),
            ));
        }
        let number = |s: &str| -> Result<f64, Error> {
            let s = s.trim();
            match s.parse::<f64>() {
                Ok(x) if x.is_finite() => Ok(x),
                Ok(_) => Err(bad(format!("`{s}` is not a finite number"))),
                Err(_) if s.is_empty() => Err(bad("a value is empty".into())),
                Err(_) => Err(bad(format!("`{s}` is not a number"))),
            }
        };
        let mut values = if raw.contains(':') {
            let parts: Vec<&str> = raw.split(':').collect();
            let [lo, hi, n] = parts[..] else {
                return Err(bad(format!(
                    "`{raw}` is not a range lo:hi:n (three numbers separated by colons)"
                )));
            };
            let (lo, hi) = (number(lo)?, number(hi)?);
            let n = n.trim();
            let n: usize = n.parse().map_err(|_| {
                bad(format!(
                    "the number of values `{n}` is not a whole number >= 2"
                ))
            })?;
            if n < 2 {
                return Err(bad(format!(
                    "a range of {n} values is empty or a single value; give n >= 2"
                )));
            }
            if n > MAX_VARIANTS {
                return Err(bad(format!(
                    "{n} values: a sweep runs at most {MAX_VARIANTS} variants"
                )));
            }
            if lo == hi {
                return Err(bad(format!(
                    "the range from {lo} to {hi} has a step of zero; give two different ends"
                )));
            }
            (0..n)
                .map(|k| {
                    if k == n - 1 {
                        hi
                    } else {
                        tidy(lo + (hi - lo) * k as f64 / (n - 1) as f64)
                    }
                })
                .collect::<Vec<f64>>()
        } else {
            raw.split(',')
                .map(number)
                .collect::<Result<Vec<f64>, _>>()?
        };
        values.sort_by(f64::total_cmp);
        if values.windows(2).any(|w| w[0] == w[1]) {
            let dup = values
                .windows(2)
                .find(|w| w[0] == w[1])
                .map_or(0.0, |w| w[0]);
            return Err(bad(format!("the value {dup} is given twice")));
        }
        if values.len() < 2 {
            return Err(bad(format!(
                "a sweep needs at least two values (one value is a plain run with {key} = {})",
                values[0]
            )));
        }
        if values.len() > MAX_VARIANTS {
            return Err(bad(format!(
                "{} values: a sweep runs at most {MAX_VARIANTS} variants",
                values.len()
            )));
        }
        Ok(SweepParam {
            key: key.to_string(),
            values,
            spec: spec.to_string(),
        })
    }
}

impl SweepParam {
    /// Check the key against the scenario (a numeric key a study may vary) and, for a count,
    /// that every value is whole. Returns the key's value in the scenario.
    pub fn check(&self, spec: &ScenarioSpec) -> Result<ParameterValue, Error> {
        let current = spec
            .parameter(&self.key)
            .map_err(|why| Error::argument(Arg::Param, &self.spec, why))?;
        if current.whole
            && let Some(v) = self.values.iter().find(|v| v.fract() != 0.0)
        {
            return Err(Error::argument(
                Arg::Param,
                &self.spec,
                format!(
                    "{} takes whole numbers, but the values include {v}{}",
                    self.key,
                    if self.spec.contains(':') {
                        "; choose lo, hi and n so that the step is whole"
                    } else {
                        ""
                    }
                ),
            ));
        }
        Ok(current)
    }
}

/// One variant of a comparison: `NAME: key=value,key=value` (values as in overrides, so lists
/// such as `credit_cycle.shifts=[0,0,-1.5]` work; commas inside brackets or quotes do not
/// separate overrides).
#[derive(Debug, Clone, PartialEq)]
pub struct VariantSpec {
    pub name: String,
    pub overrides: Vec<Override>,
    /// The argument as given, for messages.
    pub spec: String,
}

/// Whether `name` can name a variant (it names a file in the result folder).
pub fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

/// Split at commas that are not inside brackets, braces or quotes.
fn split_top_level(s: &str) -> Vec<&str> {
    let (mut depth, mut quote, mut start) = (0i32, None::<char>, 0);
    let mut parts = Vec::new();
    for (i, c) in s.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '[' | '{') => depth += 1,
            (None, ']' | '}') => depth -= 1,
            (None, ',') if depth == 0 => {
                parts.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&s[start..]);
    parts
}

impl FromStr for VariantSpec {
    type Err = Error;

    fn from_str(spec: &str) -> Result<VariantSpec, Error> {
        let bad = |why: String| Error::argument(Arg::Variant, spec, why);
        let (name, rest) = spec.split_once(':').ok_or_else(|| {
            bad(
                "expected 'NAME: key=value,...', e.g. 'refer_more: followup.referral_share=0.8'"
                    .into(),
            )
        })?;
        let name = name.trim();
        if !valid_name(name) {
            return Err(bad(format!(
                "the name {name:?} must be letters, digits, `_`, `-` or `.` (it names a file)"
            )));
        }
        let mut overrides = Vec::new();
        for part in split_top_level(rest) {
            let part = part.trim();
            if part.is_empty() {
                return Err(bad(
                    "an override is empty; give key=value pairs separated by commas".into(),
                ));
            }
            let o: Override = part.parse().map_err(|e: ScenarioError| match e {
                ScenarioError::Override { message, .. } => bad(format!("{part}: {message}")),
                other => bad(other.to_string()),
            })?;
            overrides.push(o);
        }
        Ok(VariantSpec {
            name: name.to_string(),
            overrides,
            spec: spec.to_string(),
        })
    }
}

/// Check that every override of a variant names a key a study may vary; the error says why
/// one does not.
pub fn check_overrides(spec: &ScenarioSpec, overrides: &[Override]) -> Result<(), String> {
    for o in overrides {
        spec.variable(&o.key)?;
    }
    Ok(())
}

/// `base` with `overrides` applied and validated; the error is one line naming the key, the
/// value and what is allowed (the caller says which variant it is about).
pub fn apply(base: &Scenario, overrides: &[Override]) -> Result<Scenario, String> {
    base.with_overrides(overrides).map_err(|e| match &e {
        ScenarioError::Override { spec, .. } => format!("{spec}: {}", e.describe()),
        _ => e.describe(),
    })
}

/// A value as the user would write it: `0.3`, `150000000`, `60`.
pub fn show_value(x: f64) -> String {
    format!("{x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn param(s: &str) -> Result<SweepParam, String> {
        s.parse::<SweepParam>().map_err(|e| e.to_string())
    }

    #[test]
    fn lists_and_ranges() {
        assert_eq!(
            param("followup.referral_share=0.8, 0.2,0.5")
                .unwrap()
                .values,
            vec![0.2, 0.5, 0.8]
        );
        assert_eq!(
            param("followup.referral_share=0:1:5").unwrap().values,
            vec![0.0, 0.25, 0.5, 0.75, 1.0]
        );
        assert_eq!(
            param("x.y=0.1:0.5:5").unwrap().values,
            vec![0.1, 0.2, 0.3, 0.4, 0.5]
        );
        assert_eq!(param("x.y=1:0:3").unwrap().values, vec![0.0, 0.5, 1.0]);
        assert_eq!(
            param("funding.guarantee_room=130e6,150e6").unwrap().values,
            vec![130e6, 150e6]
        );
    }

    #[test]
    fn empty_zero_step_and_malformed_are_refused() {
        for (spec, why) in [
            ("x.y=", "no values"),
            ("x.y", "expected KEY="),
            ("x.y=0.1:0.1:5", "step of zero"),
            ("x.y=0:1:1", "n >= 2"),
            ("x.y=0:1:0", "n >= 2"),
            ("x.y=0:1", "not a range"),
            ("x.y=0:1:2.5", "not a whole number"),
            ("x.y=0.5", "at least two values"),
            ("x.y=0.5,0.5", "given twice"),
            ("x.y=0.5,,0.6", "empty"),
            ("x.y=a,b", "not a number"),
            ("x.y=0,inf", "not a finite number"),
            ("x.y=0:1:20000", "at most 10000"),
        ] {
            let e = param(spec).unwrap_err();
            assert!(
                e.contains(why) && e.starts_with(&format!("swept parameter {spec}")),
                "{spec}: {e}"
            );
        }
    }

    #[test]
    fn variants_split_at_top_level_commas() {
        let v: VariantSpec = "downturn: credit_cycle.shifts=[0, -1.5], followup.referral_share=0.8"
            .parse()
            .unwrap();
        assert_eq!(v.name, "downturn");
        assert_eq!(v.overrides.len(), 2);
        assert_eq!(v.overrides[0].key, "credit_cycle.shifts");
        assert!(v.overrides[0].value.is_array());
        assert!("no colon here".parse::<VariantSpec>().is_err());
        assert!("bad name!: a.b=1".parse::<VariantSpec>().is_err());
        assert!("x: a.b=1,".parse::<VariantSpec>().is_err());
        assert!("x: nokey".parse::<VariantSpec>().is_err());
    }
}
