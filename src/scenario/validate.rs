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
use super::spec::{
    DEFAULT_FACILITY_RATE, DEFAULT_GUARANTEE_ROOM, ResolutionRule, ScenarioSpec, Sensitivity,
};
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
    funding_keys(&spec, &c)?;
    spec.settle_funding();
    let s = &spec;
    scenario_name(s, &c)?;
    segment_names(s, &c)?;
    facilities(s, &c)?;
    s.each_number(|k, item, n, value| {
        if n.bounds.contains(value.as_f64()) {
            Ok(())
        } else {
            c.range(&k.path(item), n, value)
        }
    })?;
    cash_target(s, &c)?;
    guarantee_ceiling(s, &c)?;
    resolution(s, &c)?;
    peak_demand(s, &c)?;
    shifts(s, &c)?;
    tail_metric(s, &c)?;
    premium_table(s, &c)?;
    for seg in &s.segments {
        segment_rules(s, seg, &c)?;
    }
    let share_sum = shares(s, &c)?;
    initial_book_fundable(s, share_sum, &c)?;
    sensitivity(s, &c)?;
    let uncertain = super::uncertain::check(s, &c)?;
    let sets = super::sets::load(&mut spec, &uncertain, &c)?;
    Ok(Scenario {
        spec,
        overridden,
        file: file.to_string(),
        uncertain,
        sets,
        lineage: None,
    })
}

/// The size and seed of a run (`simulation.paths`, `simulation.seed`) within their ranges:
/// all that changes when a validated scenario is given another size or seed, since no rule
/// between keys reads them (a study asks for this at each of its points, and a full validation
/// of a thousand segments or uncertain parameters takes milliseconds to a second).
pub(super) fn run_size(spec: &ScenarioSpec, file: &str, overridden: &[String]) -> Checked {
    let c = Check { file, overridden };
    for key in ["simulation.paths", "simulation.seed"] {
        let n = super::keys::lookup(key)
            .ok()
            .and_then(|k| k.spec.number())
            .expect("a numeric key of the registry");
        let value = spec.read(n, None).expect("always set");
        c.range(key, n, value)?;
    }
    Ok(())
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
    // A set, not a scan of the earlier names: validation runs once for every end of every
    // uncertain parameter, and a thousand segments made the scan quadratic.
    let mut seen = std::collections::HashSet::with_capacity(s.segments.len());
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
        if !seen.insert(seg.name.as_str()) {
            return Err(c.fail(
                &format!("segment[{i}].name"),
                format!("{:?}", seg.name),
                "a name no other segment has",
            ));
        }
    }
    Ok(())
}

impl ScenarioSpec {
    /// Without `[[funding.facility]]`, the older funding keys hold the one facility: fill in
    /// the defaults of those not written, so that the resolved scenario writes them out
    /// (docs/model.md §11.1). With facilities nothing changes ([`funding_keys`] refuses the
    /// older keys beside them).
    pub(super) fn settle_funding(&mut self) {
        let f = &mut self.funding;
        if f.facility.is_none() {
            f.guarantee_room.get_or_insert(DEFAULT_GUARANTEE_ROOM);
            f.external_rate.get_or_insert(DEFAULT_FACILITY_RATE);
            f.guarantee_fee.get_or_insert(0.0);
        }
    }

    /// The guarantee room: the largest yearly sum of the facilities' limits over the horizon
    /// (`funding.guarantee_room` without facilities).
    pub fn largest_room(&self) -> f64 {
        match &self.funding.facility {
            Some(list) => (0..self.simulation.horizon_years.max(1) as usize)
                .map(|y| list.iter().map(|f| f.limit_in(y)).sum::<f64>())
                .fold(0.0, f64::max),
            None => self.first_year_room(),
        }
    }

    /// The facilities' limits in the first report year, summed: what §6's validity rule calls
    /// the guarantee room (`funding.guarantee_room` without facilities).
    pub fn first_year_room(&self) -> f64 {
        match &self.funding.facility {
            Some(list) => list.iter().map(|f| f.limit_in(0)).sum(),
            None => self
                .funding
                .guarantee_room
                .unwrap_or(DEFAULT_GUARANTEE_ROOM),
        }
    }
}

/// docs/model.md §11.1: the external funding is either the `[[funding.facility]]` list or the
/// three older keys, never both.
fn funding_keys(s: &ScenarioSpec, c: &Check) -> Checked {
    let f = &s.funding;
    let Some(list) = &f.facility else {
        return Ok(());
    };
    for (key, value) in [
        ("funding.guarantee_room", f.guarantee_room),
        ("funding.external_rate", f.external_rate),
        ("funding.guarantee_fee", f.guarantee_fee),
    ] {
        if let Some(v) = value {
            let names: Vec<&str> = list.iter().map(|f| f.name.as_str()).collect();
            let listed = if names.is_empty() {
                "`funding.facility = []`: no external funding".to_string()
            } else {
                format!("its facilities: {}", names.join(", "))
            };
            return Err(c.fail(
                key,
                fmt_value(v),
                &format!(
                    "no value beside [[funding.facility]] ({listed}). Either set the facilities' \
                     keys (funding.facility.<name>.limit, .rate, .guarantee_fee), or drop the \
                     [[funding.facility]] list and fund through funding.guarantee_room, \
                     funding.external_rate and funding.guarantee_fee"
                ),
            ));
        }
    }
    Ok(())
}

/// Most `[[funding.facility]]` entries.
pub const MAX_FACILITIES: usize = 100;

/// docs/model.md §11.1: facilities with names usable in a dotted path, each with a `limit` or
/// a `limits` list (not both) of amounts in euros.
fn facilities(s: &ScenarioSpec, c: &Check) -> Checked {
    let list = s.facilities();
    if list.len() > MAX_FACILITIES {
        return Err(c.fail(
            "funding.facility",
            format!("({} facilities)", list.len()),
            &format!("at most {MAX_FACILITIES} facilities"),
        ));
    }
    for (i, f) in list.iter().enumerate() {
        let valid_name = !f.name.is_empty()
            && f.name
                .chars()
                .all(|ch| ch.is_ascii_alphanumeric() || ch == '_' || ch == '-');
        if !valid_name || list[..i].iter().any(|other| other.name == f.name) {
            return Err(c.fail(
                &format!("funding.facility[{i}].name"),
                format!("{:?}", f.name),
                "a non-empty name of letters, digits, `_` and `-` that no other facility has",
            ));
        }
        let key = |field: &str| format!("funding.facility.{}.{field}", f.name);
        if f.guaranteed_share.is_none() {
            return Err(c.fail(
                &key("guaranteed_share"),
                "(none)",
                "the share of the drawn amount the state guarantees, a number from 0 to 1",
            ));
        }
        match (&f.limit, &f.limits) {
            (Some(_), Some(_)) => {
                return Err(c.fail(
                    &key("limits"),
                    "(a list)",
                    "either `limit` or `limits` (one limit per report year), not both",
                ));
            }
            (None, None) => {
                return Err(c.fail(
                    &key("limit"),
                    "(none)",
                    "a limit in euros (or `limits`, one per report year)",
                ));
            }
            (None, Some(limits)) => {
                if limits.is_empty() || limits.len() > MAX_LIMITS {
                    return Err(c.fail(
                        &key("limits"),
                        format!("({} values)", limits.len()),
                        &format!(
                            "a list of 1 to {MAX_LIMITS} limits in euros, one per report year \
                             (the last holds for later years)"
                        ),
                    ));
                }
                for (j, &x) in limits.iter().enumerate() {
                    c.num(
                        &format!("funding.facility.{}.limits[{j}]", f.name),
                        x,
                        (0.0..=MAX_MONEY).contains(&x),
                        &format!("a number of euros from 0 to {MAX_MONEY:e}"),
                    )?;
                }
            }
            (Some(_), None) => {}
        }
    }
    Ok(())
}

/// Longest `limits` list of a facility: the horizon and a run-off as long as the longest term.
pub const MAX_LIMITS: usize = 200;

/// `funding.guarantee_ceiling`: the state guarantees at most this much in any year,
/// `Σ guaranteed_share × limit` (the older guarantee room at a share of 1), with a relative
/// slack of 1e-12 for sums of decimals.
fn guarantee_ceiling(s: &ScenarioSpec, c: &Check) -> Checked {
    let Some(ceiling) = s.funding.guarantee_ceiling else {
        return Ok(());
    };
    let years = s
        .facilities()
        .iter()
        .map(|f| f.limits.as_ref().map_or(1, Vec::len))
        .max()
        .unwrap_or(1);
    for year in 0..years {
        let guaranteed: f64 = match &s.funding.facility {
            Some(list) => list.iter().map(|f| f.share() * f.limit_in(year)).sum(),
            None => s.first_year_room(),
        };
        if guaranteed > ceiling * (1.0 + 1e-12) {
            let when = if years > 1 {
                format!(" in report year {}", year + 1)
            } else {
                String::new()
            };
            return Err(c.fail(
                "funding.guarantee_ceiling",
                fmt_value(ceiling),
                &format!(
                    "a ceiling at or above what the facilities' guarantees add up to{when}: \
                     Σ guaranteed_share × limit = {}",
                    fmt_value(guaranteed)
                ),
            ));
        }
    }
    Ok(())
}

/// docs/model.md §11.3: a recapitalisation's target is not below its trigger nor below the
/// capital ratio at which lending closes, and a recapitalising state may inject something.
/// The target is only checked where it is used, so that a scenario that closes lending above
/// the default target needs no `[resolution]` section.
fn resolution(s: &ScenarioSpec, c: &Check) -> Checked {
    let r = &s.resolution;
    let floor = r.trigger_ratio.max(s.funding.min_capital_ratio);
    if r.rule == ResolutionRule::Recapitalise && r.target_ratio < floor {
        return Err(c.fail(
            "resolution.target_ratio",
            fmt_value(r.target_ratio),
            &format!(
                "a number from {} to 1: at least resolution.trigger_ratio ({}) and \
                 funding.min_capital_ratio ({})",
                fmt_value(floor.max(0.0)),
                fmt_value(r.trigger_ratio),
                fmt_value(s.funding.min_capital_ratio)
            ),
        ));
    }
    if r.rule == ResolutionRule::Recapitalise && r.max_injection <= 0.0 {
        return Err(c.fail(
            "resolution.max_injection",
            fmt_value(r.max_injection),
            "a number of euros above 0 with rule = \"recapitalise\" (the most the state lends \
             in all)",
        ));
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

/// docs/model.md §12: `simulation.tail_metric` names a scalar metric with a direction, whose
/// bad tail `tail` sampling aims at. Checked whatever the sampling, like every key.
fn tail_metric(s: &ScenarioSpec, c: &Check) -> Checked {
    let name = &s.simulation.tail_metric;
    match crate::metrics::Scalar::from_name(name) {
        Some(m) if m.direction().is_some() => Ok(()),
        _ => Err(c.fail(
            "simulation.tail_metric",
            format!("\"{}\"", super::error::shorten(name)),
            "a metric of summary.json that is better when lower or when higher, such as \
             \"min_capital\", \"final_capital\", \"net_loss\" or \"cost_to_state\"",
        )),
    }
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
    // Messages are written only for a value that fails: these rules run for every end of
    // every uncertain parameter, over every segment.
    for (j, &x) in seg.seasoning.iter().enumerate() {
        if !(x.is_finite() && (0.0..=MAX_FACTOR).contains(&x)) {
            return Err(c.fail(
                &format!("segment.{}.seasoning[{j}]", seg.name),
                fmt_value(x),
                &format!("a number from 0 to {MAX_FACTOR:e}"),
            ));
        }
    }
    // A Beta distribution with this mean and sd exists.
    let m = seg.recovery_mean;
    let sd = seg.recovery_sd;
    if sd.is_finite() && (sd == 0.0 || (sd > 0.0 && sd.powi(2) < m * (1.0 - m))) {
        return Ok(());
    }
    Err(c.fail(
        &k("recovery_sd"),
        fmt_value(sd),
        &format!(
            "0, or a number > 0 with sd^2 < mean*(1-mean), i.e. below {:.4} for recovery_mean {}",
            (m * (1.0 - m)).sqrt(),
            fmt_value(m)
        ),
    ))
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

/// docs/model.md §6: the expected initial book must be fundable within the guarantee room (the
/// facilities' first-year limits, summed).
fn initial_book_fundable(s: &ScenarioSpec, share_sum: f64, c: &Check) -> Checked {
    let f = &s.funding;
    let expected_book = expected_initial_book(s, share_sum);
    let k0 = f.state_loan + f.initial_reserves;
    let debt_needed = (expected_book + f.min_cash - k0).max(0.0);
    let room = s.first_year_room();
    if debt_needed > room {
        let named = if f.facility.is_some() {
            "the facilities' limits in the first year"
        } else {
            "funding.guarantee_room"
        };
        return Err(c.fail(
            "initial_book.loans",
            s.initial_book.loans,
            &format!(
                "a book the guarantee room can fund: {} loans are expected to be worth {}, which with \
                 funding.min_cash {} and capital {} needs {} of debt, more than {named} {}",
                s.initial_book.loans,
                eur(expected_book),
                eur(f.min_cash),
                eur(k0),
                eur(debt_needed),
                eur(room)
            ),
        ));
    }
    Ok(())
}

/// docs/model.md §6: `initial_book.loans` × Σ share × mean_size × the mean balance factor over the
/// segment's possible ages.
fn expected_initial_book(s: &ScenarioSpec, share_sum: f64) -> f64 {
    // Segments usually share their terms: a schedule's mean factor is computed once for each
    // (term, grace, rate, ages), since validation runs for every end of every uncertain
    // parameter, over up to a thousand segments.
    let mut factors = std::collections::HashMap::new();
    let per_loan: f64 = s
        .segments
        .iter()
        .map(|seg| {
            let ages = (s.initial_book.max_age_months.min(seg.term_months)) as usize;
            let terms = (
                seg.term_months,
                seg.grace_months,
                seg.interest_rate.to_bits(),
                ages,
            );
            let mean_factor = *factors.entry(terms).or_insert_with(|| {
                let schedule = Schedule::new(
                    seg.term_months as usize,
                    seg.grace_months as usize,
                    seg.interest_rate,
                );
                (0..ages).map(|a| schedule.balance_factor(a)).sum::<f64>() / ages as f64
            });
            seg.share / share_sum * seg.mean_size * mean_factor
        })
        .sum();
    s.initial_book.loans as f64 * per_loan
}

/// `[sensitivity]`: every parameter names a numeric key a study may vary, with finite `low <
/// high`, and the scenario stays valid with the key at either value (each checked alone).
fn sensitivity(s: &ScenarioSpec, c: &Check) -> Checked {
    if s.sensitivity.parameters.is_empty() {
        return Ok(());
    }
    let mut alone = s.clone();
    alone.sensitivity = Sensitivity::default();
    alone.uncertain.clear();
    alone.uncertain_sets = None;
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
