//! Validation: a [`ScenarioSpec`] as written becomes a [`Scenario`] whose invariants the model
//! and the engine rely on (docs/model.md §8 and §6). The range of every numeric key comes from the
//! registry (`keys.rs`); what this module adds are the rules no single key can state, each a
//! named check: the scenario's and the segments' names, the lists, the rules between keys, the
//! fundable initial book, the `[sensitivity]` settings and the `[[uncertain]]` section
//! (`uncertain.rs`). The first broken rule is reported, naming the key, its value and what is
//! allowed.

use std::fmt;

use super::Scenario;
use super::error::{ScenarioError, fmt_value};
use super::keys::{
    MAX_FACTOR, MAX_LOANS_PER_YEAR, MAX_MONEY, MAX_SEASONING_YEARS, MAX_SEGMENTS, MAX_SHIFT,
};
use super::keys::{Number, NumberSpec};
use super::overrides::Override;
use super::spec::{ScenarioSpec, Sensitivity};
use crate::format::eur;
use crate::schedule::Schedule;

/// Where the checked scenario came from, to word its errors.
pub(super) struct Check<'a> {
    pub(super) file: &'a str,
    pub(super) overridden: &'a [String],
}

type Checked = Result<(), ScenarioError>;

impl Check<'_> {
    pub(super) fn fail(&self, key: &str, value: impl fmt::Display, allowed: &str) -> ScenarioError {
        ScenarioError::Value {
            file: self.file.to_string(),
            key: key.to_string(),
            value: value.to_string(),
            allowed: allowed.to_string(),
            from_override: self.overridden.iter().any(|k| k == key),
        }
    }

    /// `value` must be finite and satisfy `ok`.
    fn num(&self, key: &str, value: f64, ok: bool, allowed: &str) -> Checked {
        if value.is_finite() && ok {
            Ok(())
        } else {
            Err(self.fail(key, fmt_value(value), allowed))
        }
    }

    /// A registered key within its bounds.
    fn range(&self, key: &str, spec: &NumberSpec, value: Number) -> Checked {
        if spec.bounds.contains(value.as_f64()) {
            Ok(())
        } else {
            Err(self.fail(key, value, &spec.allowed(value)))
        }
    }
}

/// Check `spec` and make it a [`Scenario`]; `overridden` are the keys set by overrides.
pub(super) fn validate(
    mut spec: ScenarioSpec,
    file: &str,
    overridden: Vec<String>,
) -> Result<Scenario, ScenarioError> {
    super::uncertain::fix_overridden(&mut spec, &overridden);
    let c = Check {
        file,
        overridden: &overridden,
    };
    let s = &spec;
    scenario_name(s, &c)?;
    segment_names(s, &c)?;
    for (key, n, value) in s.numbers() {
        c.range(&key, n, value)?;
    }
    cash_target(s, &c)?;
    peak_demand(s, &c)?;
    shifts(s, &c)?;
    premium_table(s, &c)?;
    for seg in &s.segments {
        segment_rules(s, seg, &c)?;
    }
    let share_sum = shares(s, &c)?;
    initial_book_fundable(s, share_sum, &c)?;
    sensitivity(s, &c)?;
    let uncertain = super::uncertain::check(s, &c)?;
    Ok(Scenario {
        spec,
        overridden,
        file: file.to_string(),
        uncertain,
        lineage: None,
    })
}

/// Longest `meta.name`, in bytes: it names the output folder (`output/<name>`, and
/// `<name>-tornado` for a study), and file systems allow 255 bytes a name.
pub const MAX_NAME_BYTES: usize = 100;

/// `meta.name` names the output folder: a name any file system takes, checked here so that
/// `validate` refuses it too, not only a run.
fn scenario_name(s: &ScenarioSpec, c: &Check) -> Checked {
    let name = s.meta.name.as_deref().unwrap_or("");
    let shown = || super::error::shorten(&format!("{name:?}"));
    if name.trim().is_empty() {
        return Err(c.fail("meta.name", shown(), "a non-empty name"));
    }
    if name.len() > MAX_NAME_BYTES {
        return Err(c.fail(
            "meta.name",
            shown(),
            &format!(
                "a name of at most {MAX_NAME_BYTES} bytes (it names the output folder; this one has {})",
                name.len()
            ),
        ));
    }
    if name.contains(['/', '\\']) || name.chars().any(char::is_control) || name.starts_with('.') {
        return Err(c.fail(
            "meta.name",
            shown(),
            "a name without path separators or control characters (tabs, line breaks) that does \
             not start with `.` (it names the output folder)",
        ));
    }
    Ok(())
}

/// At least one segment, at most [`MAX_SEGMENTS`], each with its own name usable in a path.
fn segment_names(s: &ScenarioSpec, c: &Check) -> Checked {
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
    }
    Ok(())
}

/// Cash above the target repays debt, below the minimum draws it: the target is not below
/// the minimum.
fn cash_target(s: &ScenarioSpec, c: &Check) -> Checked {
    let f = &s.funding;
    if f.cash_target < f.min_cash {
        return Err(c.fail(
            "funding.cash_target",
            fmt_value(f.cash_target),
            &format!(
                "a number from funding.min_cash ({}) to {:e}",
                fmt_value(f.min_cash),
                MAX_MONEY
            ),
        ));
    }
    Ok(())
}

/// Growth may not take demand beyond [`MAX_LOANS_PER_YEAR`] within the horizon.
fn peak_demand(s: &ScenarioSpec, c: &Check) -> Checked {
    let o = &s.origination;
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
    Ok(())
}

/// Each systemic shift within ±[`MAX_SHIFT`] standard deviations.
fn shifts(s: &ScenarioSpec, c: &Check) -> Checked {
    for (i, &x) in s.credit_cycle.shifts.iter().enumerate() {
        c.num(
            &format!("credit_cycle.shifts[{i}]"),
            x,
            x.abs() <= MAX_SHIFT,
            &format!("a number from -{MAX_SHIFT} to {MAX_SHIFT} (standard deviations)"),
        )?;
    }
    Ok(())
}

/// docs/model.md §10: `bmkb.premium_table` has rows `[max_quarters, rate]`, quarters whole, at
/// least 1 and strictly increasing, rates 0..1; and the guarantee's longest term falls within
/// its last row (`guarantee_months` at most 3 × its quarters), so that every credit finds its
/// rate. Checked even when BMKB is off, like every range.
fn premium_table(s: &ScenarioSpec, c: &Check) -> Checked {
    let table = &s.bmkb.premium_table;
    if table.is_empty() || table.len() > MAX_PREMIUM_ROWS {
        return Err(c.fail(
            "bmkb.premium_table",
            format!("({} rows)", table.len()),
            &format!(
                "1 to {MAX_PREMIUM_ROWS} rows [max_quarters, rate], such as [[8, 0.039], [24, 0.0425], [48, 0.0585]]"
            ),
        ));
    }
    let mut previous = 0.0;
    for (i, &[quarters, rate]) in table.iter().enumerate() {
        c.num(
            &format!("bmkb.premium_table[{i}][0]"),
            quarters,
            quarters.fract() == 0.0 && quarters >= 1.0 && quarters > previous && quarters <= 400.0,
            &format!(
                "a whole number of quarters from 1 to 400, above the row before ({})",
                fmt_value(previous)
            ),
        )?;
        c.num(
            &format!("bmkb.premium_table[{i}][1]"),
            rate,
            (0.0..=1.0).contains(&rate),
            "a premium rate from 0 to 1",
        )?;
        previous = quarters;
    }
    let longest = 3 * previous as i64;
    if s.bmkb.guarantee_months > longest {
        return Err(c.fail(
            "bmkb.guarantee_months",
            s.bmkb.guarantee_months,
            &format!(
                "a whole number from 1 to {longest} (3 × the last bmkb.premium_table row's {} quarters)",
                fmt_value(previous)
            ),
        ));
    }
    Ok(())
}

/// Most rows of `bmkb.premium_table`.
pub const MAX_PREMIUM_ROWS: usize = 100;

/// The rules within a segment and between a segment and the rest of the scenario.
fn segment_rules(s: &ScenarioSpec, seg: &super::spec::Segment, c: &Check) -> Checked {
    let k = |key: &str| format!("segment.{}.{key}", seg.name);
    let cap = s.origination.cap;
    if seg.min_size > cap {
        return Err(c.fail(
            &k("min_size"),
            fmt_value(seg.min_size),
            &format!("a number from 0 to origination.cap ({})", fmt_value(cap)),
        ));
    }
    if seg.grace_months >= seg.term_months {
        return Err(c.fail(
            &k("grace_months"),
            seg.grace_months,
            &format!("a whole number from 0 to {}", seg.term_months - 1),
        ));
    }
    let pd_multiplier = s.followup.pd_multiplier;
    if seg.annual_pd * pd_multiplier >= 1.0 {
        return Err(c.fail(
            "followup.pd_multiplier",
            fmt_value(pd_multiplier),
            &format!(
                "a number > 0 with annual_pd * pd_multiplier < 1 (segment {} has annual_pd {})",
                seg.name,
                fmt_value(seg.annual_pd)
            ),
        ));
    }
    let graduate = s.bmkb.graduate_pd_multiplier;
    if seg.annual_pd * graduate >= 1.0 {
        return Err(c.fail(
            "bmkb.graduate_pd_multiplier",
            fmt_value(graduate),
            &format!(
                "a number > 0 with annual_pd * graduate_pd_multiplier < 1 (segment {} has annual_pd {})",
                seg.name,
                fmt_value(seg.annual_pd)
            ),
        ));
    }
    if seg.seasoning.is_empty() || seg.seasoning.len() > MAX_SEASONING_YEARS {
        return Err(c.fail(
            &k("seasoning"),
            format!("({} values)", seg.seasoning.len()),
            &format!("a list of 1 to {MAX_SEASONING_YEARS} numbers >= 0, one per loan year"),
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
    // A Beta distribution with this mean and sd exists.
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
    )
}

/// Shares are normalised: they may not all be 0. Returns their sum.
fn shares(s: &ScenarioSpec, c: &Check) -> Result<f64, ScenarioError> {
    let share_sum: f64 = s.segments.iter().map(|seg| seg.share).sum();
    if share_sum.is_nan() || share_sum <= 0.0 || !share_sum.is_finite() {
        return Err(c.fail(
            "segment.*.share",
            fmt_value(share_sum),
            "shares >= 0 that are not all 0 (they are normalised)",
        ));
    }
    Ok(share_sum)
}

/// docs/model.md §6: the expected initial book must be fundable within the guarantee room.
fn initial_book_fundable(s: &ScenarioSpec, share_sum: f64, c: &Check) -> Checked {
    let f = &s.funding;
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
    Ok(())
}

/// docs/model.md §6: `initial_book.loans` × Σ share × mean_size × the mean balance factor over the
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

/// `[sensitivity]`: every parameter names a numeric key a study may vary, with finite `low <
/// high`, and the scenario stays valid with the key at either value (each checked alone).
fn sensitivity(s: &ScenarioSpec, c: &Check) -> Checked {
    let mut alone = s.clone();
    alone.sensitivity = Sensitivity::default();
    alone.uncertain.clear();
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
                .and_then(|varied| validate(varied, c.file, vec![o.key.clone()]))
                .map_err(|e| {
                    c.fail(
                        &at(field),
                        fmt_value(v),
                        &format!(
                            "a value of {} with which the scenario stays valid, but {}",
                            p.key,
                            e.describe()
                        ),
                    )
                })?;
        }
    }
    Ok(())
}
