//! The `[[uncertain]]` section (docs/scenarios.md, "Uncertain parameters"): parameters whose
//! values are not known but believed to follow a distribution, each driving one or more
//! numeric keys — setting them to the drawn value, or scaling their base values by it.
//!
//! The section is checked with the rest of the scenario: names, keys (numeric model
//! parameters the registry knows, each driven once), the distribution's parameters, and that
//! no value the distribution can produce takes a driven key out of its range or, each
//! parameter alone at a closed end of its distribution, breaks a rule between keys. A key set
//! on the command line is fixed: it leaves the section (a parameter left with no key goes too).
//!
//! [`Scenario::at_values`] is the one way values are applied: a run with `--uncertain` builds
//! each path's scenario with it, and a global sensitivity study each point's.

use serde::{Deserialize, Serialize};

use super::Scenario;
use super::error::{ScenarioError, fmt_value, shorten};
use super::keys::{KEYS, Number, NumberSpec, Role};
use super::spec::ScenarioSpec as Spec;
use super::validate::{Check, validate};
use crate::uncertainty::{Distribution, Support};

/// Most uncertain parameters in a scenario.
pub const MAX_UNCERTAIN: usize = 1000;

/// Most values of a discrete distribution.
pub const MAX_DISCRETE_VALUES: usize = 10_000;

/// One `[[uncertain]]` table as written: the serde mirror, checked by validation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UncertainSpec {
    /// Names the parameter in outputs (`paths.csv`'s column `uncertain.<name>`).
    pub name: String,
    /// Dotted paths of the numeric keys it drives, segments by name.
    pub keys: Vec<String>,
    /// `set` (each key takes the drawn value) or `scale` (each key's base value is multiplied
    /// by it). Default `set`.
    #[serde(default = "default_how")]
    pub how: String,
    /// `uniform`, `triangular`, `normal`, `lognormal`, `beta` or `discrete`.
    pub dist: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub low: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub high: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mean: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sd: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub values: Option<Vec<f64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weights: Option<Vec<f64>>,
    /// Parameters of one group are reported together by a grouped sensitivity study.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
}

fn default_how() -> String {
    "set".to_string()
}

/// How a parameter's value reaches its keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum How {
    /// Every key takes the value.
    Set,
    /// Every key's base value is multiplied by the value.
    Scale,
}

impl How {
    pub fn name(self) -> &'static str {
        match self {
            How::Set => "set",
            How::Scale => "scale",
        }
    }
}

/// A checked uncertain parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct Uncertain {
    pub name: String,
    /// The keys it drives (none is driven by another parameter).
    pub keys: Vec<String>,
    pub how: How,
    pub distribution: Distribution,
    /// Its group; `None` is a group of its own.
    pub group: Option<String>,
    /// Where each of `keys` lives in the scenario it was checked in, and its base value there:
    /// resolved once, since a run with `--uncertain` applies values on every path and a design
    /// at every point (resolving a key by name scans the registry and the segments).
    targets: Vec<Target>,
}

/// A driven key resolved: its entry in the registry ([`KEYS`]), its item (segment or facility)
/// and its base value.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Target {
    key: usize,
    item: Option<usize>,
    base: f64,
}

impl Target {
    /// `key` in `s`, a key [`keys`] accepted.
    fn of(s: &Spec, key: &str) -> Target {
        let (spec, item) = s.resolve(key).expect("checked by keys()");
        let key_index = KEYS
            .iter()
            .position(|k| std::ptr::eq(k, spec))
            .expect("a key of the registry");
        let base = s.number(key).expect("checked by keys()").as_f64();
        Target {
            key: key_index,
            item,
            base,
        }
    }
}

impl Uncertain {
    /// The group it is reported in: its `group`, or its own name.
    pub fn group_name(&self) -> &str {
        self.group.as_deref().unwrap_or(&self.name)
    }

    /// The column of `paths.csv` that holds its drawn value.
    pub fn column(&self) -> String {
        format!("uncertain.{}", self.name)
    }
}

/// Remove the keys set on the command line from the section: `--set` fixes a value, so it is
/// no longer uncertain. A parameter left without keys is removed.
pub(super) fn fix_overridden(spec: &mut Spec, overridden: &[String]) {
    if overridden.is_empty() {
        return;
    }
    for p in &mut spec.uncertain {
        p.keys.retain(|k| !overridden.contains(k));
    }
    spec.uncertain.retain(|p| !p.keys.is_empty());
}

/// Whether every value from `low` to `high` (ends open as told) lies within the key's bounds.
fn fits(n: &NumberSpec, s: Support) -> bool {
    use std::ops::Bound::{Excluded, Included, Unbounded};
    let low_ok = match n.bounds.min {
        Unbounded => true,
        Included(m) => s.low >= m,
        Excluded(m) => s.low > m || (s.low == m && s.low_open),
    };
    let high_ok = match n.bounds.max {
        Unbounded => true,
        Included(m) => s.high <= m,
        Excluded(m) => s.high < m || (s.high == m && s.high_open),
    };
    let finite = (s.low.is_finite() || s.low_open) && (s.high.is_finite() || s.high_open);
    low_ok && high_ok && finite && !s.low.is_nan() && !s.high.is_nan()
}

/// What the values of a key driven by `how` with distribution support `s` span, from base
/// value `base`: the support itself (set), or the support times the base (scale), rounded to
/// whole numbers for a whole key.
fn reach(how: How, s: Support, base: f64, whole: bool) -> Support {
    let round = |x: f64| if whole && x.is_finite() { x.round() } else { x };
    match how {
        How::Set => Support {
            low: round(s.low),
            high: round(s.high),
            ..s
        },
        How::Scale => {
            // 0 × inf is no value: a zero base stays 0 whatever the factor.
            let times = |x: f64| if base == 0.0 { 0.0 } else { round(x * base) };
            let (a, b) = (times(s.low), times(s.high));
            if base >= 0.0 {
                Support {
                    low: a,
                    high: b,
                    low_open: s.low_open && base != 0.0 && !whole,
                    high_open: s.high_open && base != 0.0 && !whole,
                }
            } else {
                Support {
                    low: b,
                    high: a,
                    low_open: s.high_open && !whole,
                    high_open: s.low_open && !whole,
                }
            }
        }
    }
}

/// The value `key` takes when its parameter (`how`) has value `v`, its base value being `base`.
fn driven_value(how: How, v: f64, base: f64, whole: bool) -> f64 {
    let x = match how {
        How::Set => v,
        How::Scale => v * base,
    };
    if whole { x.round() } else { x }
}

impl Check<'_> {
    /// `uncertain.<name>.<field>`, or `uncertain[i].<field>` before the name is known good.
    fn at(&self, label: &str, field: &str) -> String {
        if field.is_empty() {
            format!("uncertain.{label}")
        } else {
            format!("uncertain.{label}.{field}")
        }
    }
}

/// The section checked: every parameter's name, keys, `how`, distribution and group, then that
/// its values keep every driven key in range and, alone at a closed end, the scenario valid.
pub(super) fn check(s: &Spec, c: &Check) -> Result<Vec<Uncertain>, ScenarioError> {
    if s.uncertain.len() > MAX_UNCERTAIN {
        return Err(c.fail(
            "uncertain",
            format!("({} parameters)", s.uncertain.len()),
            &format!("at most {MAX_UNCERTAIN} uncertain parameters"),
        ));
    }
    if s.uncertain.is_empty() {
        return Ok(Vec::new());
    }
    // The scenario each parameter is checked alone in, made once: a copy per parameter (of a
    // section of up to a thousand) made the check quadratic.
    let mut alone = s.without_uncertain();
    alone.sensitivity = Default::default();
    let mut out: Vec<Uncertain> = Vec::new();
    for (i, p) in s.uncertain.iter().enumerate() {
        let valid_name = !p.name.is_empty()
            && p.name.len() <= 64
            && p.name
                .chars()
                .all(|ch| ch.is_ascii_alphanumeric() || ch == '_' || ch == '-');
        if !valid_name {
            return Err(c.fail(
                &format!("uncertain[{i}].name"),
                shorten(&format!("{:?}", p.name)),
                "a non-empty name of at most 64 letters, digits, `_` and `-`",
            ));
        }
        if out.iter().any(|q| q.name == p.name) {
            return Err(c.fail(
                &format!("uncertain[{i}].name"),
                format!("{:?}", p.name),
                "a name no other uncertain parameter has",
            ));
        }
        let label = p.name.as_str();
        let how = match p.how.as_str() {
            "set" => How::Set,
            "scale" => How::Scale,
            other => {
                return Err(c.fail(
                    &c.at(label, "how"),
                    shorten(&format!("{other:?}")),
                    "\"set\" (each key takes the drawn value) or \"scale\" (each key's base \
                     value is multiplied by it)",
                ));
            }
        };
        if let Some(g) = &p.group {
            if g.trim().is_empty() || g.len() > 64 {
                return Err(c.fail(
                    &c.at(label, "group"),
                    shorten(&format!("{g:?}")),
                    "a non-empty name of at most 64 bytes",
                ));
            }
        }
        let distribution = distribution(p, label, c)?;
        keys(s, p, label, &out, c)?;
        let parameter = Uncertain {
            name: p.name.clone(),
            keys: p.keys.clone(),
            how,
            distribution,
            group: p.group.clone(),
            targets: p.keys.iter().map(|k| Target::of(s, k)).collect(),
        };
        in_range(s, &parameter, c)?;
        alone_at_ends(&alone, &parameter, c)?;
        out.push(parameter);
    }
    // Groups and parameters are reported by name side by side, and an ungrouped parameter is a
    // group of its own name: one namespace, or an ungrouped `credit` and a group `credit` would
    // silently be reported as one.
    for q in &out {
        let Some(g) = &q.group else { continue };
        if let Some(p) = out
            .iter()
            .find(|p| p.name == *g && p.group.as_deref() != Some(g.as_str()))
        {
            let theirs = match &p.group {
                None => "a parameter reported on its own".to_string(),
                Some(other) => format!("a parameter of group `{other}`"),
            };
            return Err(c.fail(
                &c.at(&q.name, "group"),
                format!("{g:?}"),
                &format!(
                    "a group name that no other uncertain parameter has as its name (`{g}` is \
                     {theirs}, and groups and parameters are reported by name side by side): \
                     rename the group or that parameter"
                ),
            ));
        }
    }
    Ok(out)
}

/// Each key: a numeric model parameter of this scenario, not the horizon (nor, when the
/// run-off is shown year by year, a term or lag its rows depend on), driven once.
fn keys(
    s: &Spec,
    p: &UncertainSpec,
    label: &str,
    earlier: &[Uncertain],
    c: &Check,
) -> Result<(), ScenarioError> {
    let field = c.at(label, "keys");
    if p.keys.is_empty() {
        return Err(c.fail(
            &field,
            "[]",
            "a list of at least one numeric key, such as [\"segment.<name>.annual_pd\"]",
        ));
    }
    for (j, key) in p.keys.iter().enumerate() {
        let shown = shorten(&format!("{key:?}"));
        let bad = |why: String| c.fail(&field, &shown, &why);
        let spec = s.variable(key).map_err(bad)?;
        if spec.number().is_none() {
            return Err(bad(format!(
                "a numeric key: `{key}` is a list or text, which cannot be drawn"
            )));
        }
        debug_assert_eq!(spec.role, Role::Parameter);
        if spec.table_path() == "simulation.horizon_years" {
            return Err(bad(
                "a key other than simulation.horizon_years: every path of a run has the same \
                 years"
                    .to_string(),
            ));
        }
        if s.state.run_off_years && crate::model::RUN_OFF_ROW_KEYS.contains(&&*spec.table_path()) {
            return Err(bad(format!(
                "with state.run_off_years = true, a key other than the terms and lags the \
                 run-off's yearly rows depend on ({}): every path of a run has the same rows; \
                 set run_off_years = false to keep the run-off in the one row `after`, or hold \
                 `{key}` fixed",
                crate::model::RUN_OFF_ROW_KEYS.join(", ")
            )));
        }
        if p.keys[..j].contains(key) {
            return Err(bad(format!("each key once: `{key}` is listed twice")));
        }
        if let Some(other) = earlier.iter().find(|q| q.keys.contains(key)) {
            return Err(bad(format!(
                "a key no other uncertain parameter drives: `{key}` is driven by `{}`",
                other.name
            )));
        }
    }
    Ok(())
}

/// The distribution, its parameters checked: the ones it takes given and finite, no other.
fn distribution(p: &UncertainSpec, label: &str, c: &Check) -> Result<Distribution, ScenarioError> {
    let fields: [(&str, bool); 7] = [
        ("low", p.low.is_some()),
        ("mode", p.mode.is_some()),
        ("high", p.high.is_some()),
        ("mean", p.mean.is_some()),
        ("sd", p.sd.is_some()),
        ("values", p.values.is_some()),
        ("weights", p.weights.is_some()),
    ];
    let (required, optional): (&[&str], &[&str]) = match p.dist.as_str() {
        "uniform" => (&["low", "high"], &[]),
        "triangular" => (&["low", "mode", "high"], &[]),
        "normal" | "lognormal" => (&["mean", "sd"], &["low", "high"]),
        "beta" => (&["mean", "sd"], &[]),
        "discrete" => (&["values"], &["weights"]),
        other => {
            return Err(c.fail(
                &c.at(label, "dist"),
                shorten(&format!("{other:?}")),
                "\"uniform\", \"triangular\", \"normal\", \"lognormal\", \"beta\" or \"discrete\"",
            ));
        }
    };
    let takes = || {
        let mut all: Vec<String> = required.iter().map(|r| r.to_string()).collect();
        all.extend(optional.iter().map(|o| format!("optional {o}")));
        all.join(", ")
    };
    for (field, given) in fields {
        if given && !required.contains(&field) && !optional.contains(&field) {
            return Err(c.fail(
                &c.at(label, field),
                "(given)",
                &format!("no {field}: a {} distribution takes {}", p.dist, takes()),
            ));
        }
        if !given && required.contains(&field) {
            return Err(c.fail(
                &c.at(label, field),
                "(missing)",
                &format!("a value: a {} distribution takes {}", p.dist, takes()),
            ));
        }
    }
    let finite = |field: &str, v: Option<f64>| -> Result<f64, ScenarioError> {
        let v = v.expect("checked present above");
        if v.is_finite() {
            Ok(v)
        } else {
            Err(c.fail(&c.at(label, field), fmt_value(v), "a finite number"))
        }
    };
    let rule = |field: &str, v: f64, ok: bool, allowed: String| {
        if ok {
            Ok(())
        } else {
            Err(c.fail(&c.at(label, field), fmt_value(v), &allowed))
        }
    };
    let above_low = |low: f64, high: f64| {
        rule(
            "high",
            high,
            high > low,
            format!("a number above low ({})", fmt_value(low)),
        )?;
        // Both finite, but their distance may not be (uniform(-1e308, 1e308)): a draw would be
        // `low + u × ∞`, the same bound on every path, silently.
        rule(
            "high",
            high,
            !(low.is_finite() && high.is_finite()) || (high - low).is_finite(),
            format!(
                "a number whose distance from low ({}) is a finite number (these two are \
                 too far apart to draw between: keep them within about ±1e307)",
                fmt_value(low)
            ),
        )
    };
    Ok(match p.dist.as_str() {
        "uniform" => {
            let (low, high) = (finite("low", p.low)?, finite("high", p.high)?);
            above_low(low, high)?;
            Distribution::Uniform { low, high }
        }
        "triangular" => {
            let low = finite("low", p.low)?;
            let mode = finite("mode", p.mode)?;
            let high = finite("high", p.high)?;
            above_low(low, high)?;
            rule(
                "mode",
                mode,
                (low..=high).contains(&mode),
                format!(
                    "a number from low ({}) to high ({})",
                    fmt_value(low),
                    fmt_value(high)
                ),
            )?;
            Distribution::Triangular { low, mode, high }
        }
        "normal" | "lognormal" => {
            let lognormal = p.dist == "lognormal";
            let mean = finite("mean", p.mean)?;
            let sd = finite("sd", p.sd)?;
            rule("sd", sd, sd > 0.0, "a number > 0".to_string())?;
            // Draws reach about 40 sd from the mean; they must stay numbers.
            rule(
                "sd",
                sd,
                (mean.abs() + 40.0 * sd).is_finite(),
                format!(
                    "an sd with which the draws stay numbers: mean ({}) ± 40 sd must be \
                     finite (keep both within about ±1e306)",
                    fmt_value(mean)
                ),
            )?;
            if lognormal {
                rule(
                    "mean",
                    mean,
                    mean > 0.0,
                    "a number > 0 (a log-normal value is positive)".to_string(),
                )?;
            }
            let floor = if lognormal { 0.0 } else { f64::NEG_INFINITY };
            let low = match p.low {
                Some(_) => finite("low", p.low)?,
                None => floor,
            };
            let high = match p.high {
                Some(_) => finite("high", p.high)?,
                None => f64::INFINITY,
            };
            if lognormal {
                rule(
                    "low",
                    low,
                    low >= 0.0,
                    "a number >= 0 (a log-normal value is positive)".to_string(),
                )?;
            }
            above_low(low, high)?;
            let d = if lognormal {
                Distribution::LogNormal {
                    mean,
                    sd,
                    low,
                    high,
                }
            } else {
                Distribution::Normal {
                    mean,
                    sd,
                    low,
                    high,
                }
            };
            // The truncation must keep some probability: the distribution function must rise
            // between the bounds by more than rounding.
            let kept = d.kept_mass();
            // An sd far beyond the mean overflows the distribution's own arithmetic (the
            // log-normal's sd² / mean²): say so, rather than that the bounds keep NaN.
            rule(
                "sd",
                sd,
                kept.is_finite(),
                format!(
                    "an sd the {} distribution can be computed with: {} is too large beside \
                     the mean {} (keep sd / mean below about 1e150)",
                    p.dist,
                    fmt_value(sd),
                    fmt_value(mean)
                ),
            )?;
            rule(
                "high",
                high,
                kept > 1e-9,
                format!(
                    "bounds that keep a probability above 1e-9 of the untruncated {} \
                     (low {} and high {} keep {kept:.3e})",
                    p.dist,
                    fmt_value(low),
                    fmt_value(high)
                ),
            )?;
            d
        }
        "beta" => {
            let mean = finite("mean", p.mean)?;
            let sd = finite("sd", p.sd)?;
            rule(
                "mean",
                mean,
                mean > 0.0 && mean < 1.0,
                "a number > 0 and < 1 (a Beta value lies between 0 and 1)".to_string(),
            )?;
            rule(
                "sd",
                sd,
                sd > 0.0 && sd * sd < mean * (1.0 - mean),
                format!(
                    "a number > 0 with sd^2 < mean*(1-mean), i.e. below {} for mean {}",
                    four_digits((mean * (1.0 - mean)).sqrt()),
                    fmt_value(mean)
                ),
            )?;
            Distribution::Beta { mean, sd }
        }
        _ => discrete(p, label, c)?,
    })
}

/// A bound in a message to four significant digits: `0.2449`, or `3.162e-31` for a tiny one
/// (fixed decimals would print dozens of zeros).
fn four_digits(x: f64) -> String {
    if x == 0.0 || (1e-3..1e6).contains(&x.abs()) {
        format!("{x:.4}")
    } else {
        format!("{x:.3e}")
    }
}

/// `values` (and `weights`, equal by default): finite, distinct values, weights >= 0 not all 0.
fn discrete(p: &UncertainSpec, label: &str, c: &Check) -> Result<Distribution, ScenarioError> {
    let values = p.values.as_deref().expect("checked present");
    let n = values.len();
    if n == 0 || n > MAX_DISCRETE_VALUES {
        return Err(c.fail(
            &c.at(label, "values"),
            format!("({n} values)"),
            &format!("a list of 1 to {MAX_DISCRETE_VALUES} numbers"),
        ));
    }
    let weights: Vec<f64> = match &p.weights {
        Some(w) if w.len() != n => {
            return Err(c.fail(
                &c.at(label, "weights"),
                format!("({} weights)", w.len()),
                &format!("one weight per value ({n})"),
            ));
        }
        Some(w) => w.clone(),
        None => vec![1.0; n],
    };
    for (j, &v) in values.iter().enumerate() {
        if !v.is_finite() {
            return Err(c.fail(
                &format!("uncertain.{label}.values[{j}]"),
                fmt_value(v),
                "a finite number",
            ));
        }
        if values[..j].contains(&v) {
            return Err(c.fail(
                &format!("uncertain.{label}.values[{j}]"),
                fmt_value(v),
                "a value not listed before (give a repeated value more weight instead)",
            ));
        }
    }
    for (j, &w) in weights.iter().enumerate() {
        if !(w.is_finite() && (0.0..=1e15).contains(&w)) {
            return Err(c.fail(
                &format!("uncertain.{label}.weights[{j}]"),
                fmt_value(w),
                "a number from 0 to 1e15",
            ));
        }
    }
    let total: f64 = weights.iter().sum();
    if total <= 0.0 {
        return Err(c.fail(
            &c.at(label, "weights"),
            "(all 0)",
            "weights >= 0 that are not all 0 (they are normalised)",
        ));
    }
    let mut pairs: Vec<(f64, f64)> = values.iter().copied().zip(weights).collect();
    pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut acc = 0.0;
    let mut cumulative: Vec<f64> = pairs
        .iter()
        .map(|(_, w)| {
            acc += w / total;
            acc
        })
        .collect();
    // Rounding: the last value with weight closes at exactly 1.
    if let Some(last) = pairs.iter().rposition(|(_, w)| *w > 0.0) {
        for c in &mut cumulative[last..] {
            *c = 1.0;
        }
    }
    Ok(Distribution::Discrete {
        values: pairs.iter().map(|(v, _)| *v).collect(),
        cumulative,
    })
}

/// No value of the distribution may take a driven key out of its range.
fn in_range(s: &Spec, p: &Uncertain, c: &Check) -> Result<(), ScenarioError> {
    let support = p.distribution.support();
    for key in &p.keys {
        let (spec, _) = s.resolve(key).expect("checked by keys()");
        let n = spec.number().expect("checked by keys()");
        let base = s.number(key).expect("checked by keys()").as_f64();
        let r = reach(p.how, support, base, n.whole);
        if !fits(n, r) {
            let spans = match p.how {
                How::Set => format!("its values span {r}"),
                How::Scale => format!(
                    "scaling the base value {} by {support} spans {r}",
                    fmt_value(base)
                ),
            };
            return Err(c.fail(
                &c.at(&p.name, ""),
                p.distribution.describe(),
                &format!(
                    "a distribution whose every value keeps {key} within its range ({}), but \
                     {spans}",
                    n.allowed(Number::Real(base))
                ),
            ));
        }
    }
    Ok(())
}

/// Alone, at each closed end of its distribution (every other parameter at its base), the
/// parameter must leave the scenario valid: a rule between keys (`min_cash <= cash_target`,
/// `annual_pd × pd_multiplier < 1`, ...) is found here rather than in the middle of a run.
/// `base` is the scenario without its `[[uncertain]]` and `[sensitivity]` sections.
fn alone_at_ends(base: &Spec, p: &Uncertain, c: &Check) -> Result<(), ScenarioError> {
    let support = p.distribution.support();
    let ends = [
        ("low", support.low, support.low_open),
        ("high", support.high, support.high_open),
    ];
    for (end, v, open) in ends {
        if open || !v.is_finite() {
            continue;
        }
        let mut at = base.clone();
        apply(&mut at, p, v).map_err(|why| c.fail(&c.at(&p.name, ""), fmt_value(v), &why))?;
        validate(at, c.file, c.overridden.to_vec()).map_err(|e| {
            c.fail(
                &c.at(&p.name, ""),
                p.distribution.describe(),
                &format!(
                    "a distribution with which the scenario stays valid, but at its {end} end \
                     ({}) {}",
                    fmt_value(v),
                    e.describe()
                ),
            )
        })?;
    }
    Ok(())
}

/// Set the keys of `p` in `out` for value `v`, scaling their base values; `out` has the items
/// (segments, facilities) of the scenario `p` was checked in.
fn apply(out: &mut Spec, p: &Uncertain, v: f64) -> Result<(), String> {
    for (key, t) in p.keys.iter().zip(&p.targets) {
        let n = KEYS[t.key].number().expect("checked by keys()");
        let value = driven_value(p.how, v, t.base, n.whole);
        let number = n
            .number(value)
            .ok_or_else(|| format!("`{key}` takes whole numbers, not {}", fmt_value(value)))?;
        out.write(n, t.item, number);
    }
    Ok(())
}

impl Scenario {
    /// The uncertain parameters of the `[[uncertain]]` section, checked, in file order (keys
    /// set on the command line removed).
    pub fn uncertain(&self) -> &[Uncertain] {
        &self.uncertain
    }

    /// Whether the parameters are drawn jointly from sets (`uncertain_sets`) rather than each
    /// from its distribution: a method that needs independent inputs (Sobol', Morris) refuses
    /// such a scenario.
    pub fn has_uncertain_sets(&self) -> bool {
        self.sets.is_some()
    }

    /// The sets of `uncertain_sets`, a row per set, a value per parameter in the order of
    /// [`Scenario::uncertain`].
    pub fn uncertain_sets(&self) -> Option<&[Vec<f64>]> {
        self.sets.as_ref().map(|s| s.rows())
    }

    /// The checksum of the sets of `uncertain_sets` ([`super::sets::Sets::checksum`]); `None`
    /// for a scenario without them.
    pub fn uncertain_sets_checksum(&self) -> Option<String> {
        self.sets.as_ref().map(|s| s.checksum())
    }

    /// The values the `[[uncertain]]` parameters take on path `path` of a run with parameter
    /// uncertainty ([`crate::uncertainty::draw`] under the scenario's seed, or with
    /// `uncertain_sets` one whole set chosen by the seed and the path): what the path
    /// simulates ([`Scenario::at_values`]) and `paths.csv` records.
    pub fn uncertain_draw(&self, path: u64) -> Vec<f64> {
        let seed = self.spec.simulation.seed as u64;
        if let Some(sets) = &self.sets {
            return sets.draw(seed, path).to_vec();
        }
        crate::uncertainty::draw(self.uncertain.iter().map(|p| &p.distribution), seed, path)
    }

    /// The scenario with every uncertain parameter at its value in `values` (one per
    /// parameter, in the order of [`Scenario::uncertain`]), validated, and without the
    /// section: the point a path of an uncertain run, or a point of a sensitivity design,
    /// simulates. A value must lie within its distribution's support (its ends included); the
    /// error of a combination that breaks a rule between keys names the key and the rule.
    pub fn at_values(&self, values: &[f64]) -> Result<Scenario, ScenarioError> {
        if values.len() != self.uncertain.len() {
            return Err(ScenarioError::Value {
                file: self.file.clone(),
                key: "uncertain".to_string(),
                value: format!("({} values)", values.len()),
                allowed: format!(
                    "one value per uncertain parameter ({})",
                    self.uncertain.len()
                ),
                from_override: false,
            });
        }
        let mut spec = self.spec.without_uncertain();
        for (p, &v) in self.uncertain.iter().zip(values) {
            let s = p.distribution.support();
            let within = v.is_finite() && v >= s.low && v <= s.high;
            let fail = |allowed: String| ScenarioError::Value {
                file: self.file.clone(),
                key: format!("uncertain.{}", p.name),
                value: fmt_value(v),
                allowed,
                from_override: false,
            };
            if !within {
                return Err(fail(format!(
                    "a finite value of {} (within {s})",
                    p.distribution.describe()
                )));
            }
            apply(&mut spec, p, v).map_err(fail)?;
        }
        validate(spec, &self.file, self.overridden.clone()).map(|mut s| {
            s.lineage = self.lineage.clone();
            s
        })
    }
}

#[cfg(test)]
mod tests;
