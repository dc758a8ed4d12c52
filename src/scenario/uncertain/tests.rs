//! The `[[uncertain]]` section: parsing and the resolved file, each refusal with its message,
//! `--set` fixing a driven key, values applied by `at_values`, and draws that follow their
//! declared distributions.

use super::*;
use crate::scenario::{Origin, Override};
use crate::uncertainty::{self, Distribution};

const BASE: &str = "[funding]\nmin_cash = 2e6\ncash_target = 6e6\n\
    [[segment]]\nname = \"a\"\nannual_pd = 0.05\nterm_months = 60\n\
    [[segment]]\nname = \"b\"\nannual_pd = 0.02\nterm_months = 36\n";

fn parse(section: &str, sets: &[&str]) -> Result<Scenario, ScenarioError> {
    let overrides: Vec<Override> = sets.iter().map(|s| s.parse().unwrap()).collect();
    Scenario::parse(
        &format!("{BASE}{section}"),
        &Origin::new("u.toml"),
        &overrides,
    )
}

fn error(section: &str) -> String {
    parse(section, &[]).unwrap_err().to_string()
}

const EVERY_KIND: &str = r#"
[[uncertain]]
name = "pd_level"
keys = ["segment.a.annual_pd", "segment.b.annual_pd"]
how = "scale"
dist = "lognormal"
mean = 1.0
sd = 0.2
high = 2.0
group = "credit"

[[uncertain]]
name = "referral"
keys = ["followup.referral_share"]
dist = "beta"
mean = 0.5
sd = 0.1

[[uncertain]]
name = "recovery"
keys = ["segment.a.recovery_mean"]
dist = "triangular"
low = 0.1
mode = 0.3
high = 0.5
group = "credit"

[[uncertain]]
name = "costs"
keys = ["costs.fixed_per_year"]
dist = "normal"
mean = 5e6
sd = 1e6
low = 0
high = 1e7

[[uncertain]]
name = "demand"
keys = ["origination.loans_per_year"]
dist = "uniform"
low = 2000
high = 3000

[[uncertain]]
name = "term"
keys = ["segment.b.term_months"]
dist = "discrete"
values = [24, 36, 48]
weights = [1, 2, 1]
"#;

#[test]
fn every_distribution_parses_and_the_resolved_file_round_trips() {
    let s = parse(EVERY_KIND, &[]).unwrap();
    let names: Vec<&str> = s.uncertain().iter().map(|p| p.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "pd_level", "referral", "recovery", "costs", "demand", "term"
        ]
    );
    assert_eq!(s.uncertain()[0].how, How::Scale);
    assert_eq!(s.uncertain()[1].how, How::Set);
    assert_eq!(s.uncertain()[1].group_name(), "referral");
    assert_eq!(s.uncertain()[2].group_name(), "credit");
    assert_eq!(
        s.uncertain()[5].distribution,
        Distribution::Discrete {
            values: vec![24.0, 36.0, 48.0],
            cumulative: vec![0.25, 0.75, 1.0]
        }
    );
    let text = s.spec().to_toml();
    assert!(text.contains("[[uncertain]]"), "{text}");
    let again = Scenario::parse(&text, &Origin::new("u.toml"), &[]).unwrap();
    assert_eq!(again.spec(), s.spec());
    assert_eq!(again.uncertain(), s.uncertain());
    // Without the section nothing is written for it.
    assert!(
        !parse("", &[])
            .unwrap()
            .spec()
            .to_toml()
            .contains("uncertain")
    );
}

#[test]
fn a_distribution_that_leaves_a_key_s_range_is_refused_naming_key_distribution_and_range() {
    // Set: a PD drawn up to 1.2.
    let e = error(
        "[[uncertain]]\nname = \"pd\"\nkeys = [\"segment.a.annual_pd\"]\ndist = \"uniform\"\n\
         low = 0.01\nhigh = 1.2\n",
    );
    assert_eq!(
        e,
        "u.toml: uncertain.pd = uniform(0.01, 1.2): allowed: a distribution whose every value \
         keeps segment.a.annual_pd within its range (a number from 0 up to but not including \
         1), but its values span [0.01, 1.2]"
    );
    // Scale: an unbounded normal factor makes some PDs negative.
    let e = error(
        "[[uncertain]]\nname = \"pd\"\nkeys = [\"segment.b.annual_pd\", \"segment.a.annual_pd\"]\n\
         how = \"scale\"\ndist = \"normal\"\nmean = 1\nsd = 0.2\n",
    );
    assert!(
        e.contains("uncertain.pd = normal(mean 1, sd 0.2)")
            && e.contains("keeps segment.b.annual_pd within its range")
            && e.contains("scaling the base value 0.02 by (-inf, inf) spans (-inf, inf)"),
        "{e}"
    );
    // Scale: factor up to 25 takes 0.05 to 1.25; 0.02 × 25 = 0.5 would have been fine.
    let e = error(
        "[[uncertain]]\nname = \"pd\"\nkeys = [\"segment.b.annual_pd\", \"segment.a.annual_pd\"]\n\
         how = \"scale\"\ndist = \"uniform\"\nlow = 0.5\nhigh = 25\n",
    );
    assert!(
        e.contains("keeps segment.a.annual_pd") && e.contains("spans [0.025, 1.25]"),
        "{e}"
    );
    // An open end may touch an open bound: Beta values on a probability below 1.
    parse(
        "[[uncertain]]\nname = \"pd\"\nkeys = [\"segment.a.annual_pd\"]\ndist = \"beta\"\n\
         mean = 0.05\nsd = 0.02\n",
        &[],
    )
    .unwrap();
    // A whole key's values are rounded: 0.6 months rounds to 1, which a term allows; 0.4 not.
    let term = |low: f64| {
        parse(
            &format!(
                "[[uncertain]]\nname = \"t\"\nkeys = [\"segment.a.term_months\"]\n\
                 dist = \"uniform\"\nlow = {low}\nhigh = 80\n"
            ),
            &[],
        )
    };
    assert!(term(0.6).is_ok());
    let e = term(0.4).unwrap_err().to_string();
    assert!(e.contains("its values span [0, 80]"), "{e}");
}

#[test]
fn a_rule_between_keys_broken_at_an_end_is_refused() {
    // min_cash above cash_target (6e6) at the high end.
    let e = error(
        "[[uncertain]]\nname = \"floor\"\nkeys = [\"funding.min_cash\"]\ndist = \"uniform\"\n\
         low = 1e6\nhigh = 8e6\n",
    );
    assert!(
        e.starts_with("u.toml: uncertain.floor = uniform(1000000, 8000000): allowed: a distribution with which the scenario stays valid, but at its high end (8000000) funding.cash_target = 6000000 is not allowed"),
        "{e}"
    );
}

#[test]
fn keys_must_be_known_numeric_parameters_driven_once() {
    let one = |keys: &str| {
        error(&format!(
            "[[uncertain]]\nname = \"p\"\nkeys = {keys}\ndist = \"uniform\"\nlow = 0.1\nhigh = 0.2\n"
        ))
    };
    let e = one("[\"followup.referal_share\"]");
    assert!(
        e.starts_with("u.toml: uncertain.p.keys = \"followup.referal_share\": allowed: `followup.referal_share`: [followup] has no key `referal_share`"),
        "{e}"
    );
    assert!(one("[\"segment.c.annual_pd\"]").contains("no segment is named `c`"));
    assert!(one("[\"credit_cycle.shifts\"]").contains("a numeric key"));
    assert!(one("[\"simulation.paths\"]").contains("cannot vary"));
    assert!(one("[\"meta.start_year\"]").contains("no model parameter"));
    assert!(one("[\"simulation.horizon_years\"]").contains("same years"));
    assert!(one("[]").contains("at least one numeric key"));
    let e = one("[\"segment.a.annual_pd\", \"segment.a.annual_pd\"]");
    assert!(e.contains("listed twice"), "{e}");
    let e = error(
        "[[uncertain]]\nname = \"p\"\nkeys = [\"segment.a.annual_pd\"]\ndist = \"uniform\"\nlow = 0.01\nhigh = 0.1\n\
         [[uncertain]]\nname = \"q\"\nkeys = [\"segment.b.annual_pd\", \"segment.a.annual_pd\"]\nhow = \"scale\"\n\
         dist = \"uniform\"\nlow = 0.5\nhigh = 1.5\n",
    );
    assert!(
        e.starts_with("u.toml: uncertain.q.keys = \"segment.a.annual_pd\": allowed: a key no other uncertain parameter drives: `segment.a.annual_pd` is driven by `p`"),
        "{e}"
    );
}

#[test]
fn bad_names_how_and_distribution_parameters_are_refused() {
    let p = |body: &str| {
        error(&format!(
            "[[uncertain]]\nname = \"p\"\nkeys = [\"followup.referral_share\"]\n{body}\n"
        ))
    };
    let cases: &[(&str, &str)] = &[
        (
            "dist = \"gamma\"",
            "uncertain.p.dist = \"gamma\": allowed: \"uniform\", \"triangular\", \"normal\", \"lognormal\", \"beta\" or \"discrete\"",
        ),
        (
            "how = \"add\"\ndist = \"uniform\"\nlow = 0\nhigh = 1",
            "uncertain.p.how = \"add\": allowed: \"set\"",
        ),
        (
            "dist = \"uniform\"\nlow = 0.2",
            "uncertain.p.high = (missing): allowed: a value: a uniform distribution takes low, high",
        ),
        (
            "dist = \"uniform\"\nlow = 0.2\nhigh = 0.4\nmean = 0.3",
            "uncertain.p.mean = (given): allowed: no mean: a uniform distribution takes low, high",
        ),
        (
            "dist = \"uniform\"\nlow = 0.4\nhigh = 0.2",
            "uncertain.p.high = 0.2: allowed: a number above low (0.4)",
        ),
        (
            "dist = \"uniform\"\nlow = nan\nhigh = 0.2",
            "uncertain.p.low = nan: allowed: a finite number",
        ),
        (
            "dist = \"triangular\"\nlow = 0.1\nmode = 0.6\nhigh = 0.5",
            "uncertain.p.mode = 0.6: allowed: a number from low (0.1) to high (0.5)",
        ),
        (
            "dist = \"normal\"\nmean = 0.5\nsd = 0\nlow = 0\nhigh = 1",
            "uncertain.p.sd = 0: allowed: a number > 0",
        ),
        (
            "dist = \"normal\"\nmean = 0.5\nsd = 0.01\nlow = 0.9\nhigh = 1",
            "uncertain.p.high = 1: allowed: bounds that keep a probability above 1e-9",
        ),
        (
            "dist = \"lognormal\"\nmean = -1\nsd = 0.1\nhigh = 1",
            "uncertain.p.mean = -1: allowed: a number > 0",
        ),
        (
            "dist = \"beta\"\nmean = 0.5\nsd = 0.6",
            "uncertain.p.sd = 0.6: allowed: a number > 0 with sd^2 < mean*(1-mean), i.e. below 0.5000",
        ),
        (
            "dist = \"beta\"\nmean = 1\nsd = 0.1",
            "uncertain.p.mean = 1: allowed: a number > 0 and < 1",
        ),
        (
            "dist = \"discrete\"\nvalues = [0.1, 0.2]\nweights = [1]",
            "uncertain.p.weights = (1 weights): allowed: one weight per value (2)",
        ),
        (
            "dist = \"discrete\"\nvalues = [0.1, 0.1]",
            "uncertain.p.values[1] = 0.1: allowed: a value not listed before",
        ),
        (
            "dist = \"discrete\"\nvalues = [0.1, 0.2]\nweights = [0, 0]",
            "uncertain.p.weights = (all 0): allowed: weights >= 0 that are not all 0",
        ),
        (
            "dist = \"discrete\"\nvalues = [0.1, 0.2]\nweights = [1, -1]",
            "uncertain.p.weights[1] = -1: allowed: a number from 0 to 1e15",
        ),
        (
            "dist = \"discrete\"\nvalues = []",
            "uncertain.p.values = (0 values): allowed: a list of 1 to 10000 numbers",
        ),
        (
            "dist = \"uniform\"\nlow = 0\nhigh = 1\ngroup = \"\"",
            "uncertain.p.group = \"\": allowed: a non-empty name",
        ),
    ];
    for (body, expected) in cases {
        let e = p(body);
        assert!(
            e.starts_with(&format!("u.toml: {expected}")),
            "{body}:\n{e}\nexpected: {expected}"
        );
    }
    let e = error(
        "[[uncertain]]\nname = \"a b\"\nkeys = [\"followup.referral_share\"]\ndist = \"uniform\"\nlow = 0\nhigh = 1\n",
    );
    assert!(
        e.starts_with("u.toml: uncertain[0].name = \"a b\": allowed: a non-empty name"),
        "{e}"
    );
    let two = "[[uncertain]]\nname = \"p\"\nkeys = [\"followup.referral_share\"]\ndist = \"uniform\"\nlow = 0\nhigh = 1\n";
    let e = error(&format!(
        "{two}{}",
        two.replace("referral_share", "size_multiplier")
            .replace("low = 0", "low = 1")
            .replace("high = 1", "high = 2")
    ));
    assert!(
        e.starts_with("u.toml: uncertain[1].name = \"p\": allowed: a name no other"),
        "{e}"
    );
    // An unknown field is the parser's error, with its key.
    let e = error("[[uncertain]]\nname = \"p\"\nkeys = []\ndist = \"uniform\"\nlo = 0\n");
    assert!(e.contains("unknown field `lo`"), "{e}");
}

#[test]
fn set_on_the_command_line_fixes_a_driven_key() {
    let s = parse(
        EVERY_KIND,
        &["segment.a.annual_pd=0.07", "costs.fixed_per_year=1e6"],
    )
    .unwrap();
    let p = &s.uncertain()[0];
    assert_eq!(p.keys, ["segment.b.annual_pd"]);
    assert!(s.uncertain().iter().all(|p| p.name != "costs"));
    assert_eq!(s.uncertain().len(), 5);
    // The resolved file says so, and runs again alone to the same section.
    let again = Scenario::parse(&s.spec().to_toml(), &Origin::new("u.toml"), &[]).unwrap();
    assert_eq!(again.uncertain(), s.uncertain());
    let point = s.at_values(&[1.5, 0.5, 0.3, 2500.0, 36.0]).unwrap();
    assert_eq!(point.spec().segments[0].annual_pd, 0.07);
    assert!((point.spec().segments[1].annual_pd - 0.03).abs() < 1e-15);
    assert_eq!(point.spec().costs.fixed_per_year, 1e6);
}

#[test]
fn values_are_applied_by_set_and_scale_to_every_listed_key() {
    let s = parse(EVERY_KIND, &[]).unwrap();
    let point = s.at_values(&[1.5, 0.25, 0.4, 3e6, 2200.5, 48.0]).unwrap();
    let spec = point.spec();
    // The scale factor moves every listed key, each from its own base.
    assert!((spec.segments[0].annual_pd - 0.075).abs() < 1e-15);
    assert!((spec.segments[1].annual_pd - 0.03).abs() < 1e-15);
    assert_eq!(spec.followup.referral_share, 0.25);
    assert_eq!(spec.segments[0].recovery_mean, 0.4);
    assert_eq!(spec.segments[1].recovery_mean, 0.3);
    assert_eq!(spec.costs.fixed_per_year, 3e6);
    assert_eq!(spec.origination.loans_per_year, 2200.5);
    assert_eq!(spec.segments[1].term_months, 48);
    assert!(point.uncertain().is_empty() && spec.uncertain.is_empty());
    // The base scenario is unchanged.
    assert_eq!(s.spec().segments[0].annual_pd, 0.05);
    // A whole key takes the nearest whole value.
    let t = parse(
        "[[uncertain]]\nname = \"t\"\nkeys = [\"segment.a.term_months\", \"segment.b.term_months\"]\n\
         how = \"scale\"\ndist = \"uniform\"\nlow = 0.5\nhigh = 1.5\n",
        &[],
    )
    .unwrap();
    let p = t.at_values(&[1.11]).unwrap();
    assert_eq!(
        (
            p.spec().segments[0].term_months,
            p.spec().segments[1].term_months
        ),
        (67, 40)
    );
}

#[test]
fn values_that_cannot_be_applied_are_refused() {
    let s = parse(EVERY_KIND, &[]).unwrap();
    let e = s.at_values(&[1.0]).unwrap_err().to_string();
    assert_eq!(
        e,
        "u.toml: uncertain = (1 values): allowed: one value per uncertain parameter (6)"
    );
    let e = s
        .at_values(&[2.5, 0.5, 0.3, 5e6, 2500.0, 36.0])
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with("u.toml: uncertain.pd_level = 2.5: allowed: a finite value of lognormal(mean 1, sd 0.2) truncated to [0, 2] (within (0, 2])"),
        "{e}"
    );
    // Each end alone is fine; together a floor above the target is not.
    let two = parse(
        "[[uncertain]]\nname = \"floor\"\nkeys = [\"funding.min_cash\"]\ndist = \"uniform\"\nlow = 1e6\nhigh = 5e6\n\
         [[uncertain]]\nname = \"target\"\nkeys = [\"funding.cash_target\"]\ndist = \"uniform\"\nlow = 3e6\nhigh = 9e6\n",
        &[],
    )
    .unwrap();
    assert!(two.at_values(&[4e6, 5e6]).is_ok());
    let e = two.at_values(&[5e6, 3e6]).unwrap_err().to_string();
    assert!(
        e.starts_with("u.toml: funding.cash_target = 3000000: allowed"),
        "{e}"
    );
}

/// The Kolmogorov–Smirnov statistic of `x` against the distribution function `cdf`.
fn ks(x: &mut [f64], cdf: impl Fn(f64) -> f64) -> f64 {
    x.sort_by(f64::total_cmp);
    let n = x.len() as f64;
    x.iter()
        .enumerate()
        .map(|(i, &v)| {
            let f = cdf(v);
            (f - i as f64 / n).abs().max((f - (i + 1) as f64 / n).abs())
        })
        .fold(0.0, f64::max)
}

/// The values drawn for a run's paths follow each declared distribution. For the continuous
/// ones, a Kolmogorov–Smirnov test at a false-alarm rate of 0.1% each: `D < 1.949 / √n`
/// (the asymptotic critical value √(ln(2/α)/2)). For the discrete one, the count of each value
/// is within 4 binomial standard deviations of its expectation (a false alarm below 1e-4 each).
fn distributions(s: &Scenario) -> impl Iterator<Item = &Distribution> {
    s.uncertain().iter().map(|p| &p.distribution)
}

/// Five KS tests and three counts: below 0.6% in all, and the fixed seed makes it one outcome.
#[test]
fn drawn_values_follow_their_declared_distributions() {
    let s = parse(EVERY_KIND, &[]).unwrap();
    let n = 20_000u64;
    let draws: Vec<Vec<f64>> = (0..n)
        .map(|i| uncertainty::draw(distributions(&s), 99, i))
        .collect();
    let critical = ((2.0f64 / 0.001).ln() / 2.0).sqrt() / (n as f64).sqrt();
    for (j, p) in s.uncertain().iter().enumerate() {
        let mut x: Vec<f64> = draws.iter().map(|d| d[j]).collect();
        assert!(
            x.iter().all(|&v| p.distribution.support().contains(v)),
            "{}",
            p.name
        );
        if let Distribution::Discrete { values, cumulative } = &p.distribution {
            let mut previous = 0.0;
            for (v, c) in values.iter().zip(cumulative) {
                let prob = c - previous;
                previous = *c;
                let count = x.iter().filter(|&&d| d == *v).count() as f64;
                let sd = (n as f64 * prob * (1.0 - prob)).sqrt();
                assert!((count - n as f64 * prob).abs() < 4.0 * sd, "{v}: {count}");
            }
            continue;
        }
        let d = ks(&mut x, |v| p.distribution.cdf(v));
        assert!(d < critical, "{}: D = {d} >= {critical}", p.name);
    }
    // Each path's values depend on (seed, path) alone; another seed draws others.
    assert_eq!(uncertainty::draw(distributions(&s), 99, 17), draws[17]);
    assert_ne!(uncertainty::draw(distributions(&s), 98, 17), draws[17]);
}

/// With the run-off shown year by year its rows depend on the terms and lags (docs/model.md
/// §11.2), and every path of a run has the same rows: such a key drawn per path would give a
/// path rows the run does not have. Without `run_off_years` they may be drawn.
#[test]
fn a_run_off_shown_year_by_year_keeps_its_terms_and_lags_fixed() {
    let lag = "[[uncertain]]\nname = \"lag\"\nkeys = [\"segment.a.recovery_lag_months\"]\n\
               dist = \"uniform\"\nlow = 6\nhigh = 200\n";
    let fixed = parse(lag, &[]).expect("drawn when the run-off is one row");
    assert!(!fixed.uncertain().is_empty());
    let rows = |v: f64| crate::model::shape(fixed.at_values(&[v]).unwrap().spec()).rows;
    assert_eq!(rows(6.0), rows(200.0), "one row `after` whatever the lag");
    for key in crate::model::RUN_OFF_ROW_KEYS {
        let drawn = key.replace("segment.", "segment.a.");
        let section = format!(
            "[state]\nrun_off_years = true\n[[uncertain]]\nname = \"p\"\nkeys = [\"{drawn}\"]\n\
             dist = \"uniform\"\nlow = 12\nhigh = 24\n"
        );
        let e = parse(&section, &["state.settlement=\"run_off\""])
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("with state.run_off_years = true, a key other than the terms and lags"),
            "{key}: {e}"
        );
    }
    // And the rows do depend on each of them, with the lender running off.
    let year_by_year = parse(
        "[state]\nrun_off_years = true\nsettlement = \"run_off\"\n[bmkb]\nenabled = true\n",
        &[],
    )
    .unwrap();
    let base = crate::model::shape(year_by_year.spec()).rows;
    for key in crate::model::RUN_OFF_ROW_KEYS {
        let key = key.replace("segment.", "segment.a.");
        let longer = parse(
            "[state]\nrun_off_years = true\nsettlement = \"run_off\"\n[bmkb]\nenabled = true\n",
            &[&format!("{key}=600")],
        )
        .unwrap();
        assert!(crate::model::shape(longer.spec()).rows > base, "{key}");
    }
}
