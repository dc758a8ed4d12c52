//! The targets file of a calibration (docs/calibration.md, "History matching"): the public
//! record as observations the model's yearly outcomes are compared with, each with its
//! observation error, the model's discrepancy and its source.
//!
//! A target reads one yearly metric of the registry ([`Yearly`]) at a date (`year = 2016`: the
//! metric's value in that report year, a year-end stock or the year's flow), or summed over a
//! span of years (`from = 2009`, `to = 2014`), optionally divided by a second metric over the
//! same years (`over = "new_volume"`: cumulative net loss over cumulative lending). A date
//! inside a year (`"2014-06"`, the end of June 2014) is compared with the value interpolated
//! linearly between the year-ends around it: for a sum, the year's value counted for the
//! months elapsed. Because the record's date is itself known to a month or so, and the value
//! moves within the year, such a target's error is widened by the change the value makes in
//! `date_months` months ([`Target::date_months`]; docs/calibration.md says why).
//!
//! The file is validated like a scenario: every refusal names the file, the line and column,
//! the target, the key, the value as written and what is allowed ([`TargetsError`]). Names of
//! metrics are checked against the registry, years against the scenario's horizon.

use std::fmt;
use std::path::Path;

use serde::Deserialize;
use toml::Spanned;

use crate::metrics::Yearly;
use crate::scenario::Scenario;

/// Largest targets file read (a file of a few hundred targets is a few tens of kilobytes).
pub const MAX_TARGETS_BYTES: u64 = 1 << 20;

/// Most targets in a file.
pub const MAX_TARGETS: usize = 1000;

/// The model's discrepancy, as a share of the observed value, when neither the file nor the
/// target says (Vernon et al. 2010 take 10% for a model whose structure is plausible but coarse).
pub const DEFAULT_DISCREPANCY: f64 = 0.1;

/// The uncertainty of a date inside a year, in months, when the target gives none: the month is
/// named, the day is not.
pub const DEFAULT_DATE_MONTHS: f64 = 1.0;

/// The end of a month: `year`, and the months of it elapsed (12 for the year's end).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Date {
    pub year: i64,
    pub month: u32,
}

impl Date {
    /// Whether the date is a year's end.
    pub fn year_end(self) -> bool {
        self.month == 12
    }

    /// The share of the year elapsed: month / 12.
    pub fn fraction(self) -> f64 {
        f64::from(self.month) / 12.0
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.year_end() {
            write!(f, "{}", self.year)
        } else {
            write!(f, "{}-{:02}", self.year, self.month)
        }
    }
}

/// When a target is read.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum When {
    /// The yearly value at a date: its report year's value at a year's end, interpolated
    /// between the year-ends around it inside a year.
    At(Date),
    /// The yearly values summed from the start of year `from` to the date `to` (the last year
    /// counted for its months elapsed).
    Sum { from: i64, to: Date },
}

impl When {
    /// The last date the target reads.
    pub fn date(self) -> Date {
        match self {
            When::At(d) => d,
            When::Sum { to, .. } => to,
        }
    }
}

impl fmt::Display for When {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            When::At(d) => write!(f, "{d}"),
            When::Sum { from, to } => write!(f, "{from}..{to}"),
        }
    }
}

/// An error as given: an absolute standard deviation in the metric's units, or a share of the
/// observed value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Spread {
    Absolute(f64),
    Relative(f64),
}

impl Spread {
    /// The standard deviation for an observed value.
    pub fn sd(self, observed: f64) -> f64 {
        match self {
            Spread::Absolute(sd) => sd,
            Spread::Relative(share) => share * observed.abs(),
        }
    }
}

/// A checked target.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    /// Names it in outputs (`targets.csv`, the columns of `points.csv`).
    pub name: String,
    pub metric: Yearly,
    /// The denominator of a ratio, read over the same years.
    pub over: Option<Yearly>,
    pub when: When,
    pub observed: f64,
    /// The observation error.
    pub error: Spread,
    /// The model's discrepancy: what the model, at its best parameters, may still miss.
    pub discrepancy: Spread,
    /// How many months the date is uncertain by (0 at a year's end unless given).
    pub date_months: f64,
    /// Where the observed value comes from.
    pub source: String,
    /// Why the errors are what they are, and anything else a reader should know.
    pub note: String,
}

impl Target {
    /// The observation error's standard deviation.
    pub fn obs_sd(&self) -> f64 {
        self.error.sd(self.observed)
    }

    /// The discrepancy's standard deviation.
    pub fn discrepancy_sd(&self) -> f64 {
        self.discrepancy.sd(self.observed)
    }

    /// `new_loans 2009..2014`, `net_loss / new_volume 2009..2014-06`.
    pub fn describe(&self) -> String {
        match self.over {
            Some(over) => format!("{} / {} {}", self.metric.name(), over.name(), self.when),
            None => format!("{} {}", self.metric.name(), self.when),
        }
    }
}

/// The targets of a calibration, checked against a scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct Targets {
    /// The file they were read from, as given.
    pub file: String,
    /// The file's text, as read: what a calibration's shards record, so that their merge (or
    /// a continuation elsewhere) reads the very same targets.
    pub text: String,
    pub targets: Vec<Target>,
}

/// Something wrong with a targets file: the file, where, and what is allowed.
#[derive(Debug, Clone, PartialEq)]
pub struct TargetsError {
    pub file: String,
    /// 1-based line and column, when known.
    pub position: Option<(usize, usize)>,
    /// `target.credits_2014.observed`, or the key of the file.
    pub key: Option<String>,
    /// The value as written.
    pub value: Option<String>,
    /// What is wrong, or what is allowed.
    pub message: String,
}

impl fmt::Display for TargetsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some((line, col)) = self.position {
            write!(f, ":{line}:{col}")?;
        }
        match (&self.key, &self.value) {
            (Some(k), Some(v)) => write!(f, ": {k} = {v}")?,
            (Some(k), None) => write!(f, ": {k}")?,
            _ => {}
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for TargetsError {}

/// The file as written: every value with its place in the text.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    discrepancy: Option<Spanned<f64>>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default, rename = "target")]
    targets: Vec<Spanned<RawTarget>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTarget {
    name: Spanned<String>,
    metric: Spanned<String>,
    #[serde(default)]
    over: Option<Spanned<String>>,
    #[serde(default)]
    year: Option<Spanned<toml::Value>>,
    #[serde(default)]
    from: Option<Spanned<i64>>,
    #[serde(default)]
    to: Option<Spanned<toml::Value>>,
    observed: Spanned<f64>,
    #[serde(default)]
    obs_sd: Option<Spanned<f64>>,
    #[serde(default)]
    obs_rel: Option<Spanned<f64>>,
    #[serde(default)]
    discrepancy_sd: Option<Spanned<f64>>,
    #[serde(default)]
    discrepancy_rel: Option<Spanned<f64>>,
    #[serde(default)]
    date_months: Option<Spanned<f64>>,
    source: Spanned<String>,
    #[serde(default)]
    note: Option<String>,
}

/// 1-based line and column of a byte offset.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

/// The checker of one file: makes errors that point into its text.
struct Check<'a> {
    file: &'a str,
    text: &'a str,
}

impl Check<'_> {
    fn fail(
        &self,
        span: std::ops::Range<usize>,
        key: impl Into<String>,
        value: impl Into<String>,
        message: impl Into<String>,
    ) -> TargetsError {
        TargetsError {
            file: self.file.to_string(),
            position: Some(line_col(self.text, span.start)),
            key: Some(key.into()),
            value: Some(value.into()),
            message: message.into(),
        }
    }
}

impl Targets {
    /// Read and check the targets file at `path` against `scenario` (its horizon's years).
    pub fn load(path: &Path, scenario: &Scenario) -> Result<Targets, TargetsError> {
        let file = path.display().to_string();
        let unreadable = |message: String| TargetsError {
            file: file.clone(),
            position: None,
            key: None,
            value: None,
            message,
        };
        let meta = std::fs::metadata(path).map_err(|e| unreadable(format!("cannot read: {e}")))?;
        if !meta.is_file() {
            return Err(unreadable("cannot read: not a regular file".into()));
        }
        if meta.len() > MAX_TARGETS_BYTES {
            return Err(unreadable(format!(
                "cannot read: {} bytes, and a targets file may have at most {MAX_TARGETS_BYTES}",
                meta.len()
            )));
        }
        let text =
            std::fs::read_to_string(path).map_err(|e| unreadable(format!("cannot read: {e}")))?;
        Targets::parse(&file, &text, scenario)
    }

    /// Check the text of a targets file named `file` against `scenario`.
    pub fn parse(file: &str, text: &str, scenario: &Scenario) -> Result<Targets, TargetsError> {
        let raw: RawFile = toml::from_str(text).map_err(|e| TargetsError {
            file: file.to_string(),
            position: e.span().map(|s| line_col(text, s.start)),
            key: None,
            value: None,
            message: e.message().trim().replace('\n', "; "),
        })?;
        let _ = raw.description;
        let c = Check { file, text };
        let default_discrepancy = match &raw.discrepancy {
            Some(d) => {
                let v = *d.get_ref();
                if !(v.is_finite() && (0.0..=10.0).contains(&v)) {
                    return Err(c.fail(
                        d.span(),
                        "discrepancy",
                        v.to_string(),
                        "allowed: a share of the observed value from 0 to 10",
                    ));
                }
                v
            }
            None => DEFAULT_DISCREPANCY,
        };
        if raw.targets.is_empty() {
            return Err(TargetsError {
                file: file.to_string(),
                position: None,
                key: Some("target".into()),
                value: None,
                message: "no [[target]] table: a calibration needs at least one target".into(),
            });
        }
        if raw.targets.len() > MAX_TARGETS {
            return Err(c.fail(
                raw.targets[MAX_TARGETS].span(),
                "target",
                format!("({} targets)", raw.targets.len()),
                format!("allowed: at most {MAX_TARGETS} targets"),
            ));
        }
        let first = scenario.spec().meta.start_year;
        let last = first + scenario.spec().simulation.horizon_years - 1;
        let mut targets: Vec<Target> = Vec::with_capacity(raw.targets.len());
        for t in &raw.targets {
            let t = t.get_ref();
            let target = check_target(&c, t, default_discrepancy, first, last)?;
            if targets.iter().any(|o| o.name == target.name) {
                return Err(c.fail(
                    t.name.span(),
                    "target.name",
                    format!("\"{}\"", target.name),
                    "allowed: a name no other target of the file has",
                ));
            }
            targets.push(target);
        }
        Ok(Targets {
            file: file.to_string(),
            text: text.to_string(),
            targets,
        })
    }
}

/// The names of the yearly metrics, for messages.
fn yearly_names() -> String {
    Yearly::ALL
        .iter()
        .map(|m| m.name())
        .collect::<Vec<_>>()
        .join(", ")
}

fn check_target(
    c: &Check<'_>,
    t: &RawTarget,
    default_discrepancy: f64,
    first: i64,
    last: i64,
) -> Result<Target, TargetsError> {
    let name = t.name.get_ref().clone();
    if !crate::study::params::valid_name(&name) {
        return Err(c.fail(
            t.name.span(),
            "target.name",
            format!("\"{name}\""),
            "allowed: letters, digits, `_`, `-` and `.`, not starting with `.`",
        ));
    }
    let key = |k: &str| format!("target.{name}.{k}");
    let metric_of = |s: &Spanned<String>, k: &str| {
        Yearly::from_name(s.get_ref()).ok_or_else(|| {
            c.fail(
                s.span(),
                key(k),
                format!("\"{}\"", s.get_ref()),
                format!(
                    "allowed: a yearly metric of timeseries.csv ({})",
                    yearly_names()
                ),
            )
        })
    };
    let metric = metric_of(&t.metric, "metric")?;
    let over = t.over.as_ref().map(|o| metric_of(o, "over")).transpose()?;
    let horizon = format!("a year of the scenario's horizon, {first} to {last}");
    let year_within = |y: i64, span: std::ops::Range<usize>, k: &str, shown: String| {
        if (first..=last).contains(&y) {
            Ok(())
        } else {
            Err(c.fail(span, key(k), shown, format!("allowed: {horizon}")))
        }
    };
    let date_of = |v: &Spanned<toml::Value>, k: &str| -> Result<Date, TargetsError> {
        let shown = v.get_ref().to_string();
        let bad = || {
            c.fail(
                v.span(),
                key(k),
                shown.clone(),
                format!(
                    "allowed: a year (2014, its end) or \"YYYY-MM\" (\"2014-06\", the end of June \
                     2014) within {horizon}"
                ),
            )
        };
        let date = match v.get_ref() {
            toml::Value::Integer(y) => Date {
                year: *y,
                month: 12,
            },
            toml::Value::String(s) => {
                let (y, m) = s.split_once('-').ok_or_else(bad)?;
                let year: i64 = y.parse().map_err(|_| bad())?;
                let month: u32 = m.parse().map_err(|_| bad())?;
                if !(1..=12).contains(&month) || m.len() != 2 {
                    return Err(bad());
                }
                Date { year, month }
            }
            _ => return Err(bad()),
        };
        year_within(date.year, v.span(), k, shown)?;
        Ok(date)
    };
    let when = match (&t.year, &t.from, &t.to) {
        (Some(y), None, None) => {
            let d = date_of(y, "year")?;
            if !d.year_end() && d.year == first {
                return Err(c.fail(
                    y.span(),
                    key("year"),
                    y.get_ref().to_string(),
                    format!(
                        "allowed: a date inside a year after the first ({first}): it is \
                         interpolated between the year-ends around it, and the model reports no \
                         value before the end of {first}"
                    ),
                ));
            }
            When::At(d)
        }
        (None, Some(from), Some(to)) => {
            let f = *from.get_ref();
            year_within(f, from.span(), "from", f.to_string())?;
            let d = date_of(to, "to")?;
            if d.year < f {
                return Err(c.fail(
                    to.span(),
                    key("to"),
                    to.get_ref().to_string(),
                    format!("allowed: a date in or after `from` ({f})"),
                ));
            }
            When::Sum { from: f, to: d }
        }
        _ => {
            return Err(c.fail(
                t.name.span(),
                key("year"),
                "(missing or mixed)",
                "allowed: either `year` (the value at a date) or both `from` and `to` (the values \
                 summed over a span of years), not both and not neither",
            ));
        }
    };
    let observed = *t.observed.get_ref();
    if !observed.is_finite() {
        return Err(c.fail(
            t.observed.span(),
            key("observed"),
            observed.to_string(),
            "allowed: a finite number",
        ));
    }
    let positive = |s: &Spanned<f64>, k: &str, what: &str, zero: bool| {
        let v = *s.get_ref();
        let ok = v.is_finite() && if zero { v >= 0.0 } else { v > 0.0 };
        if ok {
            Ok(v)
        } else {
            Err(c.fail(s.span(), key(k), v.to_string(), format!("allowed: {what}")))
        }
    };
    let error = match (&t.obs_sd, &t.obs_rel) {
        (Some(sd), None) => Spread::Absolute(positive(
            sd,
            "obs_sd",
            "a standard deviation above 0, in the metric's units",
            false,
        )?),
        (None, Some(rel)) => {
            let v = positive(
                rel,
                "obs_rel",
                "a share of the observed value above 0",
                false,
            )?;
            if observed == 0.0 {
                return Err(c.fail(
                    rel.span(),
                    key("obs_rel"),
                    v.to_string(),
                    "allowed: only with an observed value other than 0 (a share of 0 is no \
                     error); give `obs_sd`",
                ));
            }
            Spread::Relative(v)
        }
        _ => {
            return Err(c.fail(
                t.observed.span(),
                key("obs_sd"),
                "(missing or both)",
                "allowed: exactly one of `obs_sd` (a standard deviation in the metric's units) \
                 and `obs_rel` (a share of the observed value): the record's own error",
            ));
        }
    };
    let discrepancy = match (&t.discrepancy_sd, &t.discrepancy_rel) {
        (Some(sd), None) => Spread::Absolute(positive(
            sd,
            "discrepancy_sd",
            "a standard deviation of 0 or more",
            true,
        )?),
        (None, Some(rel)) => Spread::Relative(positive(
            rel,
            "discrepancy_rel",
            "a share of the observed value of 0 or more",
            true,
        )?),
        (None, None) => Spread::Relative(default_discrepancy),
        (Some(sd), Some(_)) => {
            return Err(c.fail(
                sd.span(),
                key("discrepancy_sd"),
                sd.get_ref().to_string(),
                "allowed: one of `discrepancy_sd` and `discrepancy_rel`, not both",
            ));
        }
    };
    let date = when.date();
    let date_months = match &t.date_months {
        Some(m) => {
            let v = positive(m, "date_months", "months from 0 to 12", true)?;
            if v > 12.0 {
                return Err(c.fail(
                    m.span(),
                    key("date_months"),
                    v.to_string(),
                    "allowed: months from 0 to 12",
                ));
            }
            v
        }
        None if date.year_end() => 0.0,
        None => DEFAULT_DATE_MONTHS,
    };
    let source = t.source.get_ref().trim().to_string();
    if source.is_empty() {
        return Err(c.fail(
            t.source.span(),
            key("source"),
            "\"\"",
            "allowed: the source of the observed value (a tag of docs/calibration.md, a \
             document and page)",
        ));
    }
    Ok(Target {
        name,
        metric,
        over,
        when,
        observed,
        error,
        discrepancy,
        date_months,
        source,
        note: t.note.clone().unwrap_or_default(),
    })
}
