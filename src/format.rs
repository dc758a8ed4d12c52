//! Human-readable numbers for summaries, charts and reports: euros in thousands, millions or
//! billions (`€12.5m`), rates in percent, counts with thousands separators, plain numbers to
//! three significant figures. Negative numbers carry the true minus sign `−` (U+2212), as in
//! print; data files (CSV, JSON) never go through here and keep plain machine numbers.

/// The minus sign of every number a person reads.
pub const MINUS: char = '−';

/// `−` for a negative `x`, else nothing.
fn sign(x: f64) -> &'static str {
    if x < 0.0 { "−" } else { "" }
}

/// `12.0` is `12`, `1.00` is `1`: a fraction of zeros says nothing. `12.50` stays.
pub(crate) fn without_zero_fraction(text: String) -> String {
    match text.split_once('.') {
        Some((whole, fraction)) if fraction.bytes().all(|b| b == b'0') => whole.to_string(),
        _ => text,
    }
}

/// Euros with a magnitude suffix: `€950`, `€12.5k`, `€40m`, `€1.25bn`; negative as `−€3m`.
/// Three significant figures, a fraction of zeros dropped (`€40m`, not `€40.0m`).
pub fn eur(x: f64) -> String {
    euros(x, true)
}

/// Euros to three significant figures, zeros kept (`€3.00m`): for an estimate's standard
/// error, whose digits say how precise it is.
pub fn eur_significant(x: f64) -> String {
    euros(x, false)
}

fn euros(x: f64, drop_zeros: bool) -> String {
    if !x.is_finite() {
        return "–".to_string();
    }
    let a = x.abs();
    // Units from the smallest; a value that rounds up to 1000 of one unit moves to the next, so
    // that €999,950 reads €1m, not €1000k.
    let units = [(1.0, ""), (1e3, "k"), (1e6, "m"), (1e9, "bn")];
    let mut i = units
        .iter()
        .rposition(|(scale, _)| a >= *scale)
        .unwrap_or(0);
    let render = |i: usize| {
        let (scale, suffix) = units[i];
        let text = match i {
            0 => format!("{a:.0}"),
            _ if drop_zeros => without_zero_fraction(sig(a / scale)),
            _ => sig(a / scale),
        };
        (text, suffix)
    };
    let (mut text, mut suffix) = render(i);
    if text == "1000" && i + 1 < units.len() {
        i += 1;
        (text, suffix) = render(i);
    }
    format!("{}€{text}{suffix}", sign(x))
}

/// Three significant figures, at most one decimal place beyond them (`12.5`, `125`, `1.25`).
fn sig(v: f64) -> String {
    if v >= 100.0 {
        format!("{v:.0}")
    } else if v >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

/// A fraction as a percentage with `decimals` places: `pct(0.0312, 1)` is `3.1%`.
pub fn pct(x: f64, decimals: usize) -> String {
    if !x.is_finite() {
        return "–".to_string();
    }
    let text = format!("{:.*}", decimals, x.abs() * 100.0);
    // A value that rounds to zero has no sign.
    let sign = if text.bytes().all(|b| b == b'0' || b == b'.') {
        ""
    } else {
        sign(x)
    };
    format!("{sign}{text}%")
}

/// A count with thousands separators: `22,300`.
pub fn count(x: f64) -> String {
    if !x.is_finite() {
        return "–".to_string();
    }
    let rounded = x.round();
    let digits = format!("{:.0}", rounded.abs());
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    format!("{}{out}", sign(rounded))
}

/// Decimals that show `significant` figures of `x`: 2 for 0.83 (two figures), 0 for 83.
pub fn significant_decimals(x: f64, significant: i32) -> usize {
    if x == 0.0 || !x.is_finite() {
        return 0;
    }
    (significant - 1 - x.abs().log10().floor() as i32).clamp(0, 9) as usize
}

/// A plain number to three significant figures, trailing zeros dropped: `1.5`, `1.03`,
/// `250`, `0.000512`.
pub fn plain(x: f64) -> String {
    if !x.is_finite() {
        return "–".to_string();
    }
    let a = x.abs();
    let decimals = if a >= 1.0 || a == 0.0 {
        significant_decimals(a, 3)
    } else {
        // Three significant figures below 1: 0.992, 0.013, 0.000512.
        significant_decimals(a, 3).clamp(3, 8)
    };
    let text = format!("{a:.decimals$}");
    let text = if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    };
    if text == "0" {
        text
    } else {
        format!("{}{text}", sign(x))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn euros() {
        assert_eq!(eur(12_500_000.0), "€12.5m");
        assert_eq!(eur(44.7e6), "€44.7m");
        assert_eq!(eur(130e6), "€130m");
        assert_eq!(eur(950.0), "€950");
        assert_eq!(eur(1.25e9), "€1.25bn");
        assert_eq!(eur(999.4), "€999");
    }

    #[test]
    fn euros_drop_a_fraction_of_zeros() {
        assert_eq!(eur(100e6), "€100m");
        assert_eq!(eur(40e6), "€40m");
        assert_eq!(eur(20_000.0), "€20k");
        assert_eq!(eur(999_950.0), "€1m");
        assert_eq!(eur(999_999_999.0), "€1bn");
        assert_eq!(eur(999.7), "€1k");
        assert_eq!(eur(1.2e6), "€1.20m");
        assert_eq!(eur_significant(3e6), "€3.00m");
        assert_eq!(eur_significant(40e3), "€40.0k");
    }

    #[test]
    fn negative_numbers_carry_the_true_minus_sign() {
        assert_eq!(eur(-3e6), "−€3m");
        assert_eq!(eur(-3.25e6), "−€3.25m");
        assert_eq!(count(-1_234_567.0), "−1,234,567");
        assert_eq!(pct(-0.0312, 1), "−3.1%");
        assert_eq!(pct(-0.0001, 1), "0.0%");
        assert_eq!(plain(-1.5), "−1.5");
        for text in [eur(-3e6), count(-2.0), pct(-0.5, 0), plain(-0.25)] {
            assert!(!text.contains('-'), "{text}");
        }
    }

    #[test]
    fn percentages_counts_and_plain_numbers() {
        assert_eq!(pct(0.0312, 1), "3.1%");
        assert_eq!(count(22_300.0), "22,300");
        assert_eq!(count(999.0), "999");
        assert_eq!(plain(1.5), "1.5");
        assert_eq!(plain(1.0312), "1.03");
        assert_eq!(plain(0.000512), "0.000512");
        assert_eq!(plain(0.0131), "0.0131");
        assert_eq!(plain(0.992), "0.992");
        assert_eq!(plain(250.4), "250");
        assert_eq!(plain(12.34), "12.3");
        assert_eq!(plain(-0.0), "0");
        assert_eq!(significant_decimals(0.83, 2), 2);
        assert_eq!(significant_decimals(0.012, 2), 3);
        assert_eq!(significant_decimals(83.0, 2), 0);
    }
}
