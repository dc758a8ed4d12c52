//! Human-readable numbers for summaries, charts and reports: euros in thousands, millions or
//! billions (`€12.5m`), rates in percent, counts with thousands separators.

/// Euros with a magnitude suffix: `€950`, `€12.5k`, `€12.5m`, `€1.25bn`; negative as `-€3.0m`.
pub fn eur(x: f64) -> String {
    if !x.is_finite() {
        return "–".to_string();
    }
    let sign = if x < 0.0 { "-" } else { "" };
    let a = x.abs();
    // Units from the smallest; a value that rounds up to 1000 of one unit moves to the next, so
    // that €999,950 reads €1.00m, not €1000k.
    let units = [(1.0, ""), (1e3, "k"), (1e6, "m"), (1e9, "bn")];
    let mut i = units
        .iter()
        .rposition(|(scale, _)| a >= *scale)
        .unwrap_or(0);
    let render = |i: usize| {
        let (scale, suffix) = units[i];
        let text = if i == 0 {
            format!("{a:.0}")
        } else {
            sig(a / scale)
        };
        (text, suffix)
    };
    let (mut text, mut suffix) = render(i);
    if text == "1000" && i + 1 < units.len() {
        i += 1;
        (text, suffix) = render(i);
    }
    let body = format!("{text}{suffix}");
    format!("{sign}€{body}")
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
    format!("{:.*}%", decimals, x * 100.0)
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
    if rounded < 0.0 {
        format!("-{out}")
    } else {
        out
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
        assert_eq!(eur(-3e6), "-€3.00m");
        assert_eq!(eur(950.0), "€950");
        assert_eq!(eur(20_000.0), "€20.0k");
        assert_eq!(eur(1.25e9), "€1.25bn");
        assert_eq!(eur(999_950.0), "€1.00m");
        assert_eq!(eur(999_999_999.0), "€1.00bn");
        assert_eq!(eur(999.7), "€1.00k");
        assert_eq!(eur(999.4), "€999");
    }

    #[test]
    fn percentages_and_counts() {
        assert_eq!(pct(0.0312, 1), "3.1%");
        assert_eq!(count(22_300.0), "22,300");
        assert_eq!(count(999.0), "999");
        assert_eq!(count(-1_234_567.0), "-1,234,567");
    }
}
