//! What a number measures — euros, a fraction shown in percent, a count, months or a plain
//! ratio — and how a number of each unit is written for a person: in a table cell, as a
//! change, as a standard error, as an axis tick, and in an axis title. One notion for metrics
//! (`crate::metrics`) and scenario keys (`crate::scenario::key_unit`) alike, so that every
//! table, chart axis and summary writes a number the same way. Built on the primitives of
//! `crate::format`.

use crate::format::{
    MINUS, count, eur, eur_significant, pct, plain, significant_decimals, without_zero_fraction,
};

/// The unit of a metric or a scenario key's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Unit {
    /// Euros: `€12.5m`.
    Money,
    /// A fraction written in percent: `0.031` is `3.1%`.
    Percent,
    /// A number of things: `12,300`.
    Count,
    /// A number of months: `18`.
    Months,
    /// A plain number such as a ratio or a multiplier: `1.03`.
    Ratio,
}

/// `−` before a negative number and `+` before a positive one: a change.
fn with_sign(x: f64, body: String) -> String {
    if x > 0.0 {
        format!("+{body}")
    } else if x < 0.0 {
        format!("{MINUS}{body}")
    } else {
        body
    }
}

/// Decimals of a percentage `p` (already times 100) in a cell: two below 10, else one.
fn percent_decimals(p: f64) -> usize {
    if p.abs() < 10.0 { 2 } else { 1 }
}

impl Unit {
    /// A value in a label or table cell: `€12.5m`, `14.1%`, `29,169`, `0.53`, `1.91`. Counts
    /// and months that are not whole (a mean, a quantile) keep their decimals.
    pub fn value(self, x: f64) -> String {
        match self {
            Unit::Money => eur(x),
            // An exact zero (no path at all) reads better without false precision.
            Unit::Percent if x == 0.0 => "0%".to_string(),
            Unit::Percent => pct(x, percent_decimals(x * 100.0)),
            Unit::Count | Unit::Months if x.abs() >= 100.0 || x.fract() == 0.0 => count(x),
            Unit::Count | Unit::Months | Unit::Ratio => plain(x),
        }
    }

    /// A difference of two values, with its sign: `+€1.20m`, `−3`, and for percentages the
    /// difference in percentage points, `+11.1 pp` (a relative change is
    /// [`relative_change`]).
    pub fn change(self, x: f64) -> String {
        if !x.is_finite() {
            return "–".to_string();
        }
        let body = match self {
            Unit::Percent if x == 0.0 => "0 pp".to_string(),
            Unit::Percent => points(x.abs(), percent_decimals(x * 100.0)),
            _ => self.value(x.abs()),
        };
        with_sign(x, body)
    }

    /// A standard error or the half-width of an interval of a value, to at least two
    /// significant figures: `€0.83`, `0.012%`, `0.53`.
    pub fn error(self, x: f64) -> String {
        if !x.is_finite() {
            return "–".to_string();
        }
        match self {
            // An exact zero (B − A the same on every path) has no digits to show.
            _ if x == 0.0 => self.value(0.0),
            Unit::Money if x.abs() < 1000.0 => {
                format!("€{:.*}", significant_decimals(x, 2), x.abs())
            }
            Unit::Money => eur_significant(x),
            Unit::Percent => pct(x, error_percent_decimals(x)),
            _ => self.value(x),
        }
    }

    /// A standard error or half-width of a difference ([`Unit::change`]): as
    /// [`Unit::error`], in percentage points for percentages: `0.012 pp`.
    pub fn change_error(self, x: f64) -> String {
        match self {
            Unit::Percent if x == 0.0 => "0 pp".to_string(),
            Unit::Percent if x.is_finite() => points(x, error_percent_decimals(x)),
            _ => self.error(x),
        }
    }

    /// A tick label. All ticks of an axis share one magnitude suffix and as many decimals as
    /// the step needs, so that `€7.5m` and `€10m` sit on one axis without `€10.0m` noise.
    pub fn tick(self, x: f64, step: f64, max_abs: f64) -> String {
        // A tick computed as k * step can carry rounding noise (-0.0, 1e-9).
        let x = if x.abs() < step * 1e-6 { 0.0 } else { x };
        let sign = if x < 0.0 {
            MINUS.to_string()
        } else {
            String::new()
        };
        let a = x.abs();
        match self {
            Unit::Money if x == 0.0 => "€0".to_string(),
            Unit::Money => {
                let (scale, suffix) = if max_abs >= 1e9 {
                    (1e9, "bn")
                } else if max_abs >= 1e6 {
                    (1e6, "m")
                } else if max_abs >= 1e3 {
                    (1e3, "k")
                } else {
                    (1.0, "")
                };
                let digits = decimals(step / scale);
                let body = without_zero_fraction(format!("{:.*}", digits, a / scale));
                format!("{sign}€{body}{suffix}")
            }
            Unit::Percent if x == 0.0 => "0%".to_string(),
            Unit::Percent => format!("{sign}{:.*}%", decimals(step * 100.0), a * 100.0),
            Unit::Count | Unit::Months if step >= 1.0 => count(x),
            Unit::Count | Unit::Months | Unit::Ratio => {
                format!("{sign}{:.*}", decimals(step), a)
            }
        }
    }

    /// The unit to write values in when they are all whole: a plain number that takes whole
    /// values only (a horizon in years, a number of paths) is written as a count.
    pub fn whole(self, whole: bool) -> Unit {
        match self {
            Unit::Ratio if whole => Unit::Count,
            unit => unit,
        }
    }

    /// The symbol written after a label, if any: `€`, `%`, `months`.
    pub fn symbol(self) -> Option<&'static str> {
        match self {
            Unit::Money => Some("€"),
            Unit::Percent => Some("%"),
            Unit::Months => Some("months"),
            Unit::Count | Unit::Ratio => None,
        }
    }

    /// A label with the unit, for an axis or a table header: `Net loss (€)`, `Annual PD
    /// (starter, %)`; counts and ratios need none.
    pub fn label(self, name: &str) -> String {
        let Some(symbol) = self.symbol() else {
            return name.to_string();
        };
        match name.strip_suffix(')').and_then(|n| n.rsplit_once(" (")) {
            Some((head, inner)) => format!("{head} ({inner}, {symbol})"),
            None => format!("{name} ({symbol})"),
        }
    }
}

/// How the numbers of one column are written: a table's column, the cells of a heat map, the
/// notes of a chart's rows. One precision for all of them (the same suffix and decimals), with
/// as many significant digits as it takes to tell neighbouring values apart: at least
/// [`Column::MIN_DIGITS`] on the largest value, at most [`Column::MAX_DIGITS`]. `€13.64m` beside
/// `€13.63m`, where three digits would write `€13.6m` twice; `€50.0m` beside `€48.6m`, not
/// `€50m`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Column {
    unit: Unit,
    /// Divisor and suffix of money (`1e6`, `m`), and decimals after scaling (for percentages,
    /// of the number times 100).
    scale: (f64, &'static str),
    decimals: usize,
}

impl Column {
    pub const MIN_DIGITS: usize = 3;
    pub const MAX_DIGITS: usize = 6;

    /// The precision for `values` in `unit`, where each of `neighbours` lists values shown
    /// next to each other (a column top to bottom, a row of a grid): within each, consecutive
    /// values that differ are written differently where six digits allow.
    pub fn new<'a>(unit: Unit, neighbours: impl IntoIterator<Item = &'a [f64]>) -> Column {
        let neighbours: Vec<&[f64]> = neighbours.into_iter().collect();
        let largest = neighbours
            .iter()
            .flat_map(|n| n.iter())
            .filter(|x| x.is_finite())
            .fold(0.0f64, |m, x| m.max(x.abs()));
        let scale = match unit {
            Unit::Money if largest >= 1e9 => (1e9, "bn"),
            Unit::Money if largest >= 1e6 => (1e6, "m"),
            Unit::Money if largest >= 1e3 => (1e3, "k"),
            Unit::Percent => (0.01, ""),
            _ => (1.0, ""),
        };
        // Where the largest value's first significant digit is, once scaled: 2 for 13.6, 0
        // for 0.615, −1 for 0.05.
        let lead = if largest > 0.0 {
            (largest / scale.0).log10().floor() as i64 + 1
        } else {
            1
        };
        let digits = |n: usize| (n as i64 - lead).clamp(0, 9) as usize;
        let (least, most) = (digits(Column::MIN_DIGITS), digits(Column::MAX_DIGITS));
        // Counts and months whose values are all whole need no decimals.
        let whole = matches!(unit, Unit::Count | Unit::Months)
            && neighbours
                .iter()
                .flat_map(|n| n.iter())
                .all(|x| !x.is_finite() || x.fract() == 0.0);
        let mut column = Column {
            unit,
            scale,
            decimals: if whole { 0 } else { least },
        };
        while column.decimals < most && !whole && !column.tells_apart(&neighbours) {
            column.decimals += 1;
        }
        column
    }

    /// A column of one list of values shown in that order.
    pub fn of(unit: Unit, values: &[f64]) -> Column {
        Column::new(unit, [values])
    }

    fn tells_apart(&self, neighbours: &[&[f64]]) -> bool {
        neighbours.iter().all(|n| {
            n.windows(2)
                .all(|w| w[0] == w[1] || self.value(w[0]) != self.value(w[1]))
        })
    }

    /// The body of `x` without its sign: `€13.64m`, `14.10%`, `26,522`, `1.034`.
    fn body(&self, a: f64) -> String {
        let d = self.decimals;
        let text = format!("{:.d$}", a / self.scale.0);
        let text = match self.unit {
            Unit::Count | Unit::Months if a.abs() >= 1000.0 => group_thousands(&text),
            _ => text,
        };
        match self.unit {
            Unit::Money => format!("€{text}{}", self.scale.1),
            Unit::Percent => format!("{text}%"),
            _ => text,
        }
    }

    /// A value of the column.
    pub fn value(&self, x: f64) -> String {
        if !x.is_finite() {
            return "–".to_string();
        }
        let body = self.body(x.abs());
        if x < 0.0 && body.chars().any(|c| c.is_ascii_digit() && c != '0') {
            format!("{MINUS}{body}")
        } else {
            body
        }
    }

    /// A change of the column, with its sign (percentages in points: `+1.20 pp`).
    pub fn change(&self, x: f64) -> String {
        if !x.is_finite() {
            return "–".to_string();
        }
        // An exact zero (B − A the same on every path) has no digits to show.
        if x == 0.0 {
            return self.unit.change(0.0);
        }
        let body = match self.unit {
            Unit::Percent => format!("{:.*} pp", self.decimals, x.abs() * 100.0),
            _ => self.body(x.abs()),
        };
        if body.chars().all(|c| !c.is_ascii_digit() || c == '0') {
            return body;
        }
        with_sign(x, body)
    }
}

/// `1234567.89` as `1,234,567.89`.
fn group_thousands(text: &str) -> String {
    let (whole, fraction) = text
        .split_once('.')
        .map_or((text, None), |(w, f)| (w, Some(f)));
    let digits: Vec<char> = whole.chars().collect();
    let mut out = String::new();
    for (i, c) in digits.iter().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(*c);
    }
    if let Some(f) = fraction {
        out.push('.');
        out.push_str(f);
    }
    out
}

/// A relative change in percent, with its sign: `+15.3%`, `−2.50%`.
pub fn relative_change(x: f64) -> String {
    if !x.is_finite() {
        return "–".to_string();
    }
    with_sign(x, Unit::Percent.value(x.abs()))
}

/// A fraction `x` as percentage points: `0.012` is `1.20 pp`.
fn points(x: f64, decimals: usize) -> String {
    format!("{:.*} pp", decimals, x * 100.0)
}

/// Decimals of an error in percent: as a value's, or more to show two significant figures.
fn error_percent_decimals(x: f64) -> usize {
    let p = x * 100.0;
    percent_decimals(p).max(significant_decimals(p, 2))
}

/// Decimals needed to write multiples of `step` exactly (steps are 1, 2, 2.5 or 5 times a
/// power of ten).
fn decimals(step: f64) -> usize {
    (0..6)
        .find(|d| {
            let scaled = step * 10f64.powi(*d as i32);
            (scaled - scaled.round()).abs() < 1e-6 * scaled.abs().max(1.0)
        })
        .unwrap_or(6)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_written_by_unit() {
        assert_eq!(Unit::Money.value(44.7e6), "€44.7m");
        assert_eq!(Unit::Percent.value(0.1412), "14.1%");
        assert_eq!(Unit::Percent.value(0.0312), "3.12%");
        assert_eq!(Unit::Percent.value(0.0), "0%");
        assert_eq!(Unit::Count.value(29169.0), "29,169");
        assert_eq!(Unit::Count.value(60.0), "60");
        assert_eq!(Unit::Ratio.value(1.9134), "1.91");
        assert_eq!(Unit::Ratio.value(1.5), "1.5");
        assert_eq!(Unit::Ratio.value(0.000512), "0.000512");
    }

    #[test]
    fn means_of_counts_and_months_keep_their_decimals() {
        assert_eq!(Unit::Months.value(0.53), "0.53");
        assert_eq!(Unit::Count.value(12.34), "12.3");
        assert_eq!(Unit::Months.value(18.0), "18");
        assert_eq!(Unit::Count.value(1234.5), "1,235");
    }

    #[test]
    fn changes_of_percentages_are_in_points() {
        assert_eq!(Unit::Percent.change(0.111), "+11.1 pp");
        assert_eq!(Unit::Percent.change(-0.012), "−1.20 pp");
        assert_eq!(Unit::Money.change(-1.2e6), "−€1.20m");
        assert_eq!(Unit::Money.change(3e6), "+€3m");
        assert_eq!(Unit::Count.change(0.0), "0");
        assert_eq!(Unit::Percent.change(0.0), "0 pp");
        assert_eq!(relative_change(0.111), "+11.1%");
        assert_eq!(relative_change(-0.025), "−2.50%");
    }

    #[test]
    fn standard_errors_show_their_significant_digits() {
        assert_eq!(Unit::Percent.error(0.00012), "0.012%");
        assert_eq!(Unit::Percent.change_error(0.00012), "0.012 pp");
        assert_eq!(Unit::Percent.error(0.0035), "0.35%");
        assert_eq!(Unit::Money.error(0.83), "€0.83");
        assert_eq!(Unit::Money.error(5.61), "€5.6");
        assert_eq!(Unit::Money.error(56.1), "€56");
        assert_eq!(Unit::Money.error(25_300.0), "€25.3k");
        assert_eq!(Unit::Money.error(3e6), "€3.00m");
        assert_eq!(Unit::Months.error(0.0123), "0.0123");
        assert_eq!(Unit::Percent.error(0.0), "0%");
        assert_eq!(Unit::Percent.change_error(0.0), "0 pp");
        assert_eq!(Unit::Money.error(0.0), "€0");
    }

    #[test]
    fn tick_labels_share_a_suffix() {
        assert_eq!(Unit::Money.tick(0.0, 25e6, 150e6), "€0");
        assert_eq!(Unit::Money.tick(75e6, 25e6, 150e6), "€75m");
        assert_eq!(Unit::Money.tick(7.5e6, 2.5e6, 10e6), "€7.5m");
        assert_eq!(Unit::Money.tick(-10e6, 10e6, 40e6), "−€10m");
        assert_eq!(Unit::Money.tick(500e3, 250e3, 1.5e6), "€0.50m");
        assert_eq!(Unit::Percent.tick(0.025, 0.025, 0.1), "2.5%");
        assert_eq!(Unit::Percent.tick(0.1, 0.05, 0.2), "10%");
        assert_eq!(Unit::Percent.tick(-0.1, 0.05, 0.2), "−10%");
        assert_eq!(Unit::Count.tick(12000.0, 2000.0, 12000.0), "12,000");
        assert_eq!(Unit::Ratio.tick(1.05, 0.05, 1.1), "1.05");
    }

    #[test]
    fn money_ticks_drop_a_fraction_of_zeros() {
        assert_eq!(Unit::Money.tick(100e6, 2.5e6, 100e6), "€100m");
        assert_eq!(Unit::Money.tick(97.5e6, 2.5e6, 100e6), "€97.5m");
        assert_eq!(Unit::Money.tick(10e6, 2.5e6, 10e6), "€10m");
    }

    #[test]
    fn a_column_has_the_digits_that_tell_its_values_apart() {
        // policy.md's sweep: three digits would write €13.6m four times.
        let col = Column::of(Unit::Money, &[13.64e6, 13.63e6, 13.61e6, 13.60e6, 13.58e6]);
        assert_eq!(col.value(13.64e6), "€13.64m");
        assert_eq!(col.value(13.58e6), "€13.58m");
        // One precision per column: €50.0m beside €48.6m.
        let col = Column::of(Unit::Money, &[50.0e6, 48.6e6]);
        assert_eq!(
            (col.value(50.0e6), col.value(48.6e6)),
            ("€50.0m".into(), "€48.6m".into())
        );
        // At least three digits, at most six.
        let col = Column::of(Unit::Money, &[5.0e6, 5.0e6 + 1.0]);
        assert_eq!(col.value(5.0e6), "€5.00000m");
        let col = Column::of(Unit::Percent, &[0.141, 0.1412]);
        assert_eq!(
            (col.value(0.141), col.value(0.1412)),
            ("14.10%".into(), "14.12%".into())
        );
        let col = Column::of(Unit::Count, &[26522.0, 26523.0]);
        assert_eq!(col.value(26522.0), "26,522");
        let col = Column::of(Unit::Count, &[2028.4, 2028.2, 990.0]);
        assert_eq!(col.value(2028.4), "2,028.4");
        assert_eq!(col.value(990.0), "990.0");
        let col = Column::of(Unit::Ratio, &[1.034, 1.049, 1.017]);
        assert_eq!(col.value(1.034), "1.03");
        let col = Column::of(Unit::Ratio, &[0.615, 0.22, -0.17]);
        assert_eq!(col.value(0.22), "0.220");
        assert_eq!(col.value(-0.17), "−0.170");
        // Changes carry their sign; percentages change in points.
        let col = Column::of(Unit::Money, &[-360e3, 388e3]);
        assert_eq!(col.change(-360e3), "−€360k");
        assert_eq!(col.change(0.0), "€0");
        let col = Column::of(Unit::Percent, &[-0.002, 0.015]);
        assert_eq!(col.change(0.015), "+1.50 pp");
        // A grid: neighbours across and up.
        let col = Column::new(Unit::Money, [&[1.0e6, 1.001e6][..], &[1.0e6, 2.0e6][..]]);
        assert_eq!(col.value(1.001e6), "€1.001m");
    }

    #[test]
    fn labels_carry_the_unit() {
        assert_eq!(Unit::Money.label("Net loss"), "Net loss (€)");
        assert_eq!(
            Unit::Percent.label("Annual PD (starter)"),
            "Annual PD (starter, %)"
        );
        assert_eq!(
            Unit::Months.label("Term (starter)"),
            "Term (starter, months)"
        );
        assert_eq!(Unit::Count.label("Loans granted"), "Loans granted");
        assert_eq!(Unit::Ratio.whole(true), Unit::Count);
        assert_eq!(Unit::Percent.whole(true), Unit::Percent);
    }
}
