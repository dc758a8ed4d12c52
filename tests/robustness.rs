//! Robustness as a tested property: whatever a user feeds in, microfolio either runs to the end
//! with finite outputs and a closing capital identity, or refuses with a clear error — it never
//! panics, hangs or writes NaN or infinity.
//!
//! Property tests (proptest) throw arbitrary bytes, arbitrary TOML and arbitrary values for every
//! key at the scenario parser, and run whatever is valid (shrunk to a short run) through the
//! engine, the output files and the charts. Inputs that once broke it are kept below as plain
//! regression tests. Numerically extreme but valid scenarios run to the end.

mod common;

use std::path::Path;

use common::*;
use microfolio::Model;
use microfolio::RunOptions;
use microfolio::Silent;
use microfolio::engine::Workspace;
use microfolio::metrics::{Scalar, Yearly};
use microfolio::scenario::{Origin, Override, Scenario};
use proptest::prelude::*;

fn origin() -> Origin {
    Origin::new("fuzz.toml")
}

/// Every output of a valid scenario: finite numbers, the capital identity every month, and a
/// complete result folder with charts. Runs are kept short by shrinking the scenario first.
fn check_runs_cleanly(scenario: &Scenario, out: &Path) {
    let model = Model::new(scenario);
    let mut ws = Workspace::new(&model);
    for path in 0..2 {
        let (outcome, trace) = ws.simulate_traced(path);
        for m in Scalar::ALL {
            if let Some(v) = outcome.scalar(*m) {
                assert!(v.is_finite(), "{} = {v} on path {path}", m.name());
            }
        }
        for y in 0..model.shape.rows {
            for m in Yearly::ALL {
                let v = outcome.yearly(y, *m);
                assert!(v.is_finite(), "year {y} {} = {v}", m.name());
            }
        }
        for m in &trace {
            let scale = 1.0
                + m.book_end.abs()
                + m.cash_end.abs()
                + m.debt_end.abs()
                + m.capital_start.abs();
            // docs/model.md §5, with the state loan repaid in a run-off (§11.2).
            let flows = m.interest + m.origination_fees + m.recoveries + m.claims_received
                - m.running_costs
                - m.new_loan_costs
                - m.write_offs
                - m.state_repaid;
            assert!(
                (m.capital_end - m.capital_start - flows).abs() <= 1e-9 * scale,
                "capital identity off by {} in month {}",
                m.capital_end - m.capital_start - flows,
                m.month
            );
        }
    }
    let done = microfolio::run(
        scenario,
        out,
        &RunOptions {
            threads: Some(1),
            ..RunOptions::default()
        },
        &Silent,
    )
    .unwrap_or_else(|e| panic!("a valid scenario must run: {e}"));
    check_finite_outputs(&done.folder);
}

/// Every number in a result's data files is finite. `summary.json` turns a NaN or an infinity
/// into `null` and the report writes it as "–", so a search for "NaN" could never fail: here
/// every statistic of a defined metric must be a JSON number (`sd` and `se` may be `null` only
/// for a single path), and every CSV cell must parse as a finite number (`paths.csv` may leave
/// a cell empty for an undefined value). The report and charts are drawn from these files.
fn check_finite_outputs(folder: &Path) {
    let read = |file: &str| std::fs::read_to_string(folder.join(file)).unwrap();
    let summary: serde_json::Value = serde_json::from_str(&read("summary.json")).unwrap();
    for m in Scalar::ALL {
        let s = &summary["metrics"][m.name()];
        if s.is_null() {
            continue;
        }
        let single = s["n"].as_u64() == Some(1);
        for (field, value) in s.as_object().unwrap() {
            let may_be_null = single && (field == "sd" || field == "se");
            assert!(
                value.as_f64().is_some_and(f64::is_finite) || (may_be_null && value.is_null()),
                "summary.json: {}.{field} is {value}",
                m.name()
            );
        }
    }
    for (name, p) in summary["probabilities"].as_object().unwrap() {
        assert!(
            p.as_f64().is_some_and(|x| (0.0..=1.0).contains(&x)),
            "summary.json: probability {name} is {p}"
        );
    }
    for file in ["timeseries.csv", "paths.csv"] {
        let text = read(file);
        let mut lines = text.lines();
        let header: Vec<&str> = lines.next().unwrap().split(',').collect();
        for (row, line) in lines.enumerate() {
            for (column, cell) in header.iter().zip(line.split(',')) {
                if ["label", "metric"].contains(column) || (file == "paths.csv" && cell.is_empty())
                {
                    continue;
                }
                assert!(
                    cell.parse::<f64>().is_ok_and(f64::is_finite),
                    "{file} row {}: {column} is {cell:?}",
                    row + 1
                );
            }
        }
    }
}

/// Shrink a valid scenario to a short run (few paths, short horizon, a small book), keeping
/// every other value as drawn. `None` if the shrunk scenario is no longer valid.
fn shrunk(s: &Scenario) -> Option<Scenario> {
    let spec = s.spec();
    let sets = [
        format!("simulation.paths={}", spec.simulation.paths.min(3)),
        format!(
            "simulation.horizon_years={}",
            spec.simulation.horizon_years.min(3)
        ),
        format!("initial_book.loans={}", spec.initial_book.loans.min(300)),
        format!(
            "origination.loans_per_year={}",
            spec.origination.loans_per_year.min(300.0)
        ),
        format!(
            "origination.growth_per_year={}",
            spec.origination.growth_per_year.min(1.0)
        ),
    ];
    let overrides: Vec<Override> = sets.iter().map(|o| o.parse().unwrap()).collect();
    Scenario::parse(&spec.to_toml(), &origin(), &overrides).ok()
}

/// Parse `text`; if valid, shrink and run it. Errors must be one clear line naming the file.
fn parse_and_maybe_run(text: &str) {
    match Scenario::parse(text, &origin(), &[]) {
        Err(e) => {
            let msg = e.to_string();
            // No overrides are given, so every error is about the file.
            assert!(msg.starts_with("fuzz.toml"), "{msg}");
            assert_eq!(msg.lines().count(), 1, "one line: {msg}");
        }
        Ok(s) => {
            if let Some(small) = shrunk(&s) {
                let dir = tempfile::tempdir().unwrap();
                check_runs_cleanly(&small, &dir.path().join("out"));
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Generators.
// ---------------------------------------------------------------------------------------------

/// Every scalar key of the scenario file, by section.
const KEYS: &[(&str, &[&str])] = &[
    ("meta", &["name", "description", "start_year"]),
    (
        "simulation",
        &[
            "horizon_years",
            "paths",
            "seed",
            "sampling",
            "rqmc_randomisations",
        ],
    ),
    (
        "funding",
        &[
            "state_loan",
            "state_loan_rate",
            "initial_reserves",
            "guarantee_room",
            "external_rate",
            "guarantee_fee",
            "min_cash",
            "cash_target",
            "min_capital_ratio",
        ],
    ),
    ("initial_book", &["loans", "max_age_months"]),
    ("origination", &["loans_per_year", "growth_per_year", "cap"]),
    (
        "credit_cycle",
        &["asset_correlation", "persistence", "shifts"],
    ),
    (
        "followup",
        &["referral_share", "size_multiplier", "pd_multiplier"],
    ),
    (
        "costs",
        &[
            "fixed_per_year",
            "per_new_loan",
            "per_active_loan_per_year",
            "coaching_per_new_loan",
        ],
    ),
    // docs/model.md §11: the settlement after a run-off and the resolution of a lender whose
    // capital is gone, so that random scenarios run off and wind down too.
    (
        "state",
        &["settlement", "run_off_fixed_share", "run_off_years"],
    ),
    (
        "resolution",
        &[
            "rule",
            "trigger_ratio",
            "trigger_months",
            "target_ratio",
            "max_injection",
        ],
    ),
];

const SEGMENT_KEYS: &[&str] = &[
    "share",
    "mean_size",
    "size_cv",
    "min_size",
    "term_months",
    "grace_months",
    "interest_rate",
    "origination_fee",
    "annual_pd",
    "seasoning",
    "recovery_mean",
    "recovery_sd",
    "recovery_lag_months",
    "followup_rate",
    "followup_min_age_months",
    "prepay_rate",
    "jobs_per_loan",
];

/// Numbers a careless or curious user might type, and the ones that break naive code.
fn wild_float() -> impl Strategy<Value = f64> {
    prop_oneof![
        Just(f64::NAN),
        Just(f64::INFINITY),
        Just(f64::NEG_INFINITY),
        Just(0.0),
        Just(-0.0),
        Just(-1.0),
        Just(1.0),
        Just(0.999_999_999),
        Just(1e-300),
        Just(5e-324),
        Just(1e300),
        Just(f64::MAX),
        Just(1e15),
        Just(9.9e14),
        -10.0..10.0f64,
        0.0..1.0f64,
        0.0..1e6f64,
    ]
}

/// Any TOML value, mostly numbers.
fn wild_value() -> impl Strategy<Value = toml::Value> {
    prop_oneof![
        6 => wild_float().prop_map(toml::Value::Float),
        3 => prop_oneof![Just(i64::MAX), Just(i64::MIN), Just(0i64), Just(-1), Just(1), 0..200i64, 0..2_000_000i64]
            .prop_map(toml::Value::Integer),
        1 => Just(toml::Value::String("x".into())),
        1 => Just(toml::Value::Boolean(true)),
        1 => prop::collection::vec(wild_float(), 0..5).prop_map(|v| toml::Value::Array(v.into_iter().map(toml::Value::Float).collect())),
        1 => Just(toml::Value::Table(toml::Table::new())),
    ]
}

/// Values in the neighbourhood of sensible ones, so that many scenarios are valid and run.
fn sensible_value(key: &str) -> BoxedStrategy<toml::Value> {
    use toml::Value::{Array, Float, Integer, String};
    match key {
        "name" => prop_oneof![Just("fuzz-a"), Just("fuzz_b")]
            .prop_map(|s| String(s.into()))
            .boxed(),
        "description" => Just(String("fuzz".into())).boxed(),
        "start_year" => (1900..3001i64).prop_map(Integer).boxed(),
        "horizon_years" => (1..6i64).prop_map(Integer).boxed(),
        "paths" | "seed" => (1..5i64).prop_map(Integer).boxed(),
        "loans" => (0..400i64).prop_map(Integer).boxed(),
        "term_months" => (13..130i64).prop_map(Integer).boxed(),
        "grace_months" | "followup_min_age_months" => (0..13i64).prop_map(Integer).boxed(),
        "max_age_months" | "recovery_lag_months" => (1..40i64).prop_map(Integer).boxed(),
        "shifts" => prop::collection::vec(-3.0..3.0f64, 0..6)
            .prop_map(|v| Array(v.into_iter().map(Float).collect()))
            .boxed(),
        "seasoning" => prop::collection::vec(0.0..3.0f64, 1..6)
            .prop_map(|v| Array(v.into_iter().map(Float).collect()))
            .boxed(),
        "state_loan" | "guarantee_room" | "fixed_per_year" => (0.0..5e7f64).prop_map(Float).boxed(),
        "initial_reserves" => (-1e6..5e7f64).prop_map(Float).boxed(),
        "min_cash" => (0.0..5e6f64).prop_map(Float).boxed(),
        "cash_target" => (5e6..5e7f64).prop_map(Float).boxed(),
        "loans_per_year" => (0.0..500.0f64).prop_map(Float).boxed(),
        "growth_per_year" => (-0.5..0.5f64).prop_map(Float).boxed(),
        "cap" => (1e4..1e6f64).prop_map(Float).boxed(),
        "mean_size" | "per_new_loan" | "per_active_loan_per_year" | "coaching_per_new_loan" => {
            (0.0..1e5f64).prop_map(Float).boxed()
        }
        "min_size" => (0.0..1e4f64).prop_map(Float).boxed(),
        "annual_pd" | "followup_rate" | "prepay_rate" => (0.0..0.3f64).prop_map(Float).boxed(),
        "recovery_sd" => (0.0..0.2f64).prop_map(Float).boxed(),
        "recovery_mean" => (0.2..0.8f64).prop_map(Float).boxed(),
        "size_multiplier" | "pd_multiplier" | "share" | "size_cv" | "jobs_per_loan" => {
            (0.01..3.0f64).prop_map(Float).boxed()
        }
        "sampling" => prop_oneof![Just("plain"), Just("rqmc")]
            .prop_map(|s| String(s.into()))
            .boxed(),
        // 1 is refused (at least 2): a clean refusal is part of what is checked.
        "rqmc_randomisations" => (1..6i64).prop_map(Integer).boxed(),
        "settlement" => prop_oneof![Just("par"), Just("run_off")]
            .prop_map(|s| String(s.into()))
            .boxed(),
        "rule" => prop_oneof![Just("none"), Just("wind_down"), Just("recapitalise")]
            .prop_map(|s| String(s.into()))
            .boxed(),
        "run_off_years" => any::<bool>().prop_map(toml::Value::Boolean).boxed(),
        "trigger_ratio" => (-0.2..0.3f64).prop_map(Float).boxed(),
        "trigger_months" => (1..6i64).prop_map(Integer).boxed(),
        "max_injection" => (0.0..1e7f64).prop_map(Float).boxed(),
        _ => (0.0..1.0f64).prop_map(Float).boxed(),
    }
}

fn value_for(key: &'static str) -> BoxedStrategy<toml::Value> {
    prop_oneof![12 => sensible_value(key), 1 => wild_value()].boxed()
}

/// A section: a random subset of its keys with values.
fn section(keys: &'static [&'static str]) -> impl Strategy<Value = toml::Table> {
    let entries: Vec<_> = keys
        .iter()
        .map(|k| prop::option::weighted(0.4, value_for(k)).prop_map(move |v| (*k, v)))
        .collect();
    entries.prop_map(|kv| {
        kv.into_iter()
            .filter_map(|(k, v)| v.map(|v| (k.to_string(), v)))
            .collect()
    })
}

/// A segment; its name is filled in by [`scenario_doc`] (unique, or now and then not).
fn segment() -> impl Strategy<Value = toml::Table> {
    section(SEGMENT_KEYS)
}

/// Segment names: mostly `s0, s1, ...`; sometimes missing, duplicated or malformed.
fn name_segments(segments: Vec<toml::Table>, twist: u8) -> Vec<toml::Value> {
    segments
        .into_iter()
        .enumerate()
        .map(|(i, mut t)| {
            let name = match (twist, i) {
                (1, _) => Some("same".to_string()),
                (2, 0) => Some("bad name!".to_string()),
                (3, 0) => None,
                _ => Some(format!("s{i}")),
            };
            if let Some(n) = name {
                t.insert("name".into(), toml::Value::String(n));
            }
            toml::Value::Table(t)
        })
        .collect()
}

/// A whole scenario document: some sections, one to four segments (sometimes many), and now and
/// then an unknown key.
fn scenario_doc() -> impl Strategy<Value = toml::Table> {
    let sections: Vec<_> = KEYS
        .iter()
        .map(|(name, keys)| {
            prop::option::weighted(0.6, section(keys)).prop_map(move |t| (*name, t))
        })
        .collect();
    (
        sections,
        prop_oneof![12 => prop::collection::vec(segment(), 1..4), 1 => prop::collection::vec(segment(), 0..1), 1 => prop::collection::vec(segment(), 90..110)],
        prop_oneof![20 => Just(0u8), 1 => Just(1u8), 1 => Just(2u8), 1 => Just(3u8)],
        prop::option::weighted(0.03, Just(())),
    )
        .prop_map(|(sections, segments, twist, unknown)| {
            let mut doc = toml::Table::new();
            for (name, table) in sections.into_iter() {
                if let Some(t) = table {
                    doc.insert(name.to_string(), toml::Value::Table(t));
                }
            }
            doc.insert("segment".into(), toml::Value::Array(name_segments(segments, twist)));
            if unknown.is_some() {
                doc.insert("surprise".into(), toml::Value::Integer(1));
            }
            doc
        })
}

/// The property tests' configuration: `cases` cases from a fixed seed, so that the gate runs
/// the same inputs every time (a failure is reproducible and CI is not a lottery). A longer or
/// different campaign sets `PROPTEST_CASES` and `PROPTEST_RNG_SEED`, which take precedence.
fn config(cases: u32) -> ProptestConfig {
    use proptest::test_runner::RngSeed;
    let from_env = ProptestConfig::default();
    let set = |name: &str| std::env::var_os(name).is_some();
    ProptestConfig {
        cases: if set("PROPTEST_CASES") {
            from_env.cases
        } else {
            cases
        },
        rng_seed: if set("PROPTEST_RNG_SEED") {
            from_env.rng_seed
        } else {
            RngSeed::Fixed(20_261_128)
        },
        ..from_env
    }
}

proptest! {
    #![proptest_config(config(256))]

    /// Arbitrary bytes are refused (or, rarely, valid) without a panic.
    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..600)) {
        parse_and_maybe_run(&String::from_utf8_lossy(&bytes));
    }

    /// Arbitrary TOML-looking text: keys and values from the scenario's vocabulary, glued with
    /// random punctuation.
    #[test]
    fn arbitrary_toml_text_never_panics(pieces in prop::collection::vec(prop_oneof![
        Just("[funding]\n"), Just("[[segment]]\n"), Just("name = \"a\"\n"), Just("annual_pd = "),
        Just("nan\n"), Just("inf\n"), Just("1e308\n"), Just("-1\n"), Just("[credit_cycle]\n"),
        Just("shifts = [1, \n"), Just("]\n"), Just("= ="), Just("\"\n"), Just("term_months = 0\n"),
        Just("[simulation]\npaths = 2\n"), Just("extends = \"nowhere.toml\"\n"), Just("\u{0}"),
        Just("[initial_book]\nloans = 50\n"), Just("grace_months = 7\n"),
    ], 0..25)) {
        parse_and_maybe_run(&pieces.concat());
    }
}

proptest! {
    #![proptest_config(config(384))]

    /// Arbitrary values for every key: a valid run with finite outputs, or a clear error.
    #[test]
    fn arbitrary_values_run_or_fail_cleanly(doc in scenario_doc()) {
        let text = toml::to_string(&doc).expect("a TOML table serialises");
        parse_and_maybe_run(&text);
    }
}

/// How often the value generator produces a valid scenario: the property above must exercise
/// runs, not only refusals.
#[test]
fn the_value_generator_produces_valid_scenarios_often_enough() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::{Config, TestRunner};
    let mut runner = TestRunner::new_with_rng(
        Config::default(),
        proptest::test_runner::TestRng::deterministic_rng(
            proptest::test_runner::RngAlgorithm::ChaCha,
        ),
    );
    let strategy = scenario_doc();
    let valid = (0..400)
        .filter(|_| {
            let doc = strategy.new_tree(&mut runner).unwrap().current();
            Scenario::parse(&toml::to_string(&doc).unwrap(), &origin(), &[]).is_ok()
        })
        .count();
    assert!(
        valid >= 60,
        "only {valid} of 400 generated scenarios are valid"
    );
}

// ---------------------------------------------------------------------------------------------
// Numerically extreme but valid scenarios.
// ---------------------------------------------------------------------------------------------

const ONE: &str = "[[segment]]\nname = \"a\"\n";

fn extreme(text: &str, sets: &[&str]) {
    let s = scenario(text, sets);
    let dir = tempfile::tempdir().unwrap();
    check_runs_cleanly(&s, &dir.path().join("out"));
}

#[test]
fn pd_near_zero_and_near_one() {
    extreme(
        ONE,
        &[
            "simulation.paths=4",
            "segment.a.annual_pd=1e-12",
            "credit_cycle.asset_correlation=0.2",
        ],
    );
    extreme(
        ONE,
        &[
            "simulation.paths=4",
            "segment.a.annual_pd=0.999999",
            "segment.a.recovery_sd=0.3",
        ],
    );
    extreme(
        ONE,
        &[
            "simulation.paths=4",
            "segment.a.annual_pd=0.5",
            "followup.pd_multiplier=1.999999",
            "segment.a.followup_rate=0.9",
            "followup.referral_share=0",
        ],
    );
}

#[test]
fn correlation_and_persistence_near_one_with_huge_shifts() {
    extreme(
        ONE,
        &[
            "simulation.paths=4",
            "credit_cycle.asset_correlation=0.99999",
            "credit_cycle.persistence=0.99999",
            "credit_cycle.shifts=[-1000, 1000, -1000]",
        ],
    );
}

#[test]
fn zero_interest_zero_costs_zero_room_no_demand() {
    extreme(
        ONE,
        &[
            "simulation.paths=3",
            "segment.a.interest_rate=0",
            "segment.a.grace_months=12",
        ],
    );
    extreme(
        ONE,
        &[
            "simulation.paths=3",
            "funding.guarantee_room=0",
            "funding.min_cash=0",
            "funding.cash_target=0",
        ],
    );
    extreme(ONE, &["simulation.paths=3", "origination.loans_per_year=0"]);
    extreme(
        ONE,
        &[
            "simulation.paths=3",
            "origination.loans_per_year=0",
            "initial_book.loans=0",
        ],
    );
    extreme(
        ONE,
        &[
            "simulation.paths=3",
            "funding.state_loan=0",
            "funding.guarantee_room=0",
            "funding.min_cash=0",
            "funding.cash_target=0",
        ],
    );
    extreme(
        ONE,
        &[
            "simulation.paths=3",
            "funding.state_loan=0",
            "funding.initial_reserves=-5e6",
            "funding.min_capital_ratio=1",
        ],
    );
}

#[test]
fn a_fifty_year_horizon_and_the_longest_terms() {
    extreme(
        ONE,
        &[
            "simulation.paths=2",
            "simulation.horizon_years=50",
            "segment.a.term_months=1200",
            "segment.a.grace_months=1199",
            "segment.a.interest_rate=1",
            "origination.growth_per_year=0.1",
            "segment.a.seasoning=[0, 1e6]",
        ],
    );
}

#[test]
fn a_book_of_a_million_loans() {
    extreme(
        "[funding]\nguarantee_room = 1e11\n[initial_book]\nloans = 1000000\nmax_age_months = 60\n[[segment]]\nname = \"a\"\n",
        &["simulation.paths=2", "simulation.horizon_years=2"],
    );
}

#[test]
fn huge_and_tiny_money() {
    extreme(
        ONE,
        &[
            "simulation.paths=2",
            "funding.state_loan=1e15",
            "funding.guarantee_room=1e15",
            "origination.cap=1e15",
            "segment.a.mean_size=1e15",
            "segment.a.size_cv=1e6",
        ],
    );
    extreme(
        ONE,
        &[
            "simulation.paths=2",
            // The smallest credits allowed: one euro (a fraction of a cent is refused, since
            // capital over such a book overflows).
            "segment.a.mean_size=1",
            "origination.cap=1",
        ],
    );
}

#[test]
fn a_hundred_segments() {
    let mut text = String::new();
    for i in 0..100 {
        text.push_str(&format!(
            "[[segment]]\nname = \"s{i}\"\nshare = {}\nterm_months = {}\n",
            i % 3,
            1 + i * 7
        ));
    }
    extreme(&text, &["simulation.paths=2", "simulation.horizon_years=3"]);
}

// ---------------------------------------------------------------------------------------------
// Inputs that once broke it (found while writing the properties above); kept as regressions.
// ---------------------------------------------------------------------------------------------

/// A follow-up age far beyond the term overflowed month arithmetic.
#[test]
fn regression_huge_followup_age_and_recovery_lag() {
    extreme(
        ONE,
        &[
            "simulation.paths=2",
            "segment.a.followup_rate=0.5",
            "segment.a.followup_min_age_months=9223372036854775807",
            // The longest lag allowed (100 years), and a run-off that waits for it.
            "segment.a.recovery_lag_months=1200",
            "state.settlement=\"run_off\"",
        ],
    );
}

/// Demand growing without bound overflowed the Poisson rate (now refused up front).
#[test]
fn regression_unbounded_growth_is_refused() {
    let e = Scenario::parse(
        "[simulation]\nhorizon_years = 50\n[origination]\ngrowth_per_year = 10\n[[segment]]\nname = \"a\"\n",
        &origin(),
        &[],
    )
    .unwrap_err();
    assert!(e.to_string().contains("origination.growth_per_year"), "{e}");
}

// ---------------------------------------------------------------------------------------------
// Limits, through the binary.
// ---------------------------------------------------------------------------------------------

#[test]
fn a_run_too_large_for_memory_is_refused_up_front() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("s.toml"), ONE).unwrap();
    let started = std::time::Instant::now();
    let out = microfolio(dir.path(), &["run", "s.toml", "--paths", "900000000"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("simulation.paths = 900000000") && stderr.contains("B of memory"),
        "{stderr}"
    );
    assert!(started.elapsed().as_secs() < 5, "refused before any work");
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        1,
        "nothing written"
    );
    let out = microfolio(dir.path(), &["run", "s.toml", "--paths", "2000000000"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("1000000000"));
}

/// A vanishing recovery spread made the Beta sampler return NaN (found by the property above;
/// its shrunk input is kept in robustness.proptest-regressions too).
#[test]
fn regression_vanishing_recovery_sd() {
    for sd in ["1e-300", "1e-9", "5e-324"] {
        extreme(
            ONE,
            &[
                "simulation.paths=3",
                &format!("segment.a.recovery_sd={sd}"),
                "segment.a.annual_pd=0.3",
            ],
        );
    }
    extreme(
        ONE,
        &[
            "simulation.paths=3",
            "segment.a.recovery_mean=0.999999",
            "segment.a.recovery_sd=0.0009",
            "segment.a.annual_pd=0.3",
        ],
    );
}

/// A tiny interest rate collapsed (1+i)^m - 1 to 0 and the schedule to NaN (found by the
/// property above).
#[test]
fn regression_tiny_interest_rate() {
    for rate in ["1e-300", "5e-324", "1e-17"] {
        extreme(
            ONE,
            &[
                "simulation.paths=2",
                &format!("segment.a.interest_rate={rate}"),
                "segment.a.grace_months=2",
            ],
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Results are never lost or half-written (through the binary).
// ---------------------------------------------------------------------------------------------

fn summary_paths(folder: &Path) -> u64 {
    let text = std::fs::read_to_string(folder.join("summary.json")).unwrap();
    serde_json::from_str::<serde_json::Value>(&text).unwrap()["paths"]
        .as_u64()
        .unwrap()
}

#[test]
fn a_rerun_replaces_an_earlier_result_and_an_interrupted_one_keeps_it() {
    let dir = tempfile::tempdir().unwrap();
    let baseline = root().join("scenarios/baseline.toml");
    let baseline = baseline.to_str().unwrap();
    let first = microfolio(
        dir.path(),
        &["run", baseline, "--paths", "5", "--out", "res", "--quiet"],
    );
    assert!(first.status.success());
    let second = microfolio(
        dir.path(),
        &["run", baseline, "--paths", "7", "--out", "res", "--quiet"],
    );
    assert!(second.status.success());
    assert_eq!(summary_paths(&dir.path().join("res")), 7);
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        1,
        "no staging or old folder left"
    );

    // A rerun stopped half-way leaves the earlier result whole.
    let out = interrupted(
        dir.path(),
        &[
            "run", baseline, "--paths", "1000000", "--out", "res", "--quiet",
        ],
        std::time::Duration::from_millis(1200),
    );
    assert_eq!(out.status.code(), Some(130));
    assert_eq!(summary_paths(&dir.path().join("res")), 7);
    assert!(dir.path().join("res/report.html").exists());
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[test]
fn an_unusable_output_path_is_refused_before_any_work() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("s.toml"), ONE).unwrap();
    std::fs::write(dir.path().join("notes.txt"), "keep").unwrap();
    for out in ["notes.txt", "notes.txt/run"] {
        let r = microfolio(dir.path(), &["run", "s.toml", "--paths", "2", "--out", out]);
        assert_eq!(
            r.status.code(),
            Some(2),
            "{out}: {}",
            String::from_utf8_lossy(&r.stderr)
        );
        assert!(String::from_utf8_lossy(&r.stderr).contains("notes.txt"));
    }
    assert_eq!(
        std::fs::read_to_string(dir.path().join("notes.txt")).unwrap(),
        "keep"
    );
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
}

/// Random bytes and mangled scenarios as files, through the binary: exit code 0 or 2, one
/// message, never a panic (exit code 101).
#[test]
fn arbitrary_files_through_the_binary_exit_0_or_2() {
    use rand::{RngExt, SeedableRng};
    let dir = tempfile::tempdir().unwrap();
    let baseline = std::fs::read(root().join("scenarios/baseline.toml")).unwrap();
    let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(2026);
    for case in 0..24 {
        let mut bytes = baseline.clone();
        // Flip, delete and insert a few bytes of the real baseline; every fourth case is noise.
        if case % 4 == 3 {
            bytes = (0..rng.random_range(0..400))
                .map(|_| rng.random::<u8>())
                .collect();
        } else {
            for _ in 0..rng.random_range(1..6) {
                let at = rng.random_range(0..bytes.len());
                match rng.random_range(0..3) {
                    0 => bytes[at] = rng.random(),
                    1 => {
                        bytes.remove(at);
                    }
                    _ => bytes.insert(at, b"=[]\"\n.,9e"[rng.random_range(0..9)]),
                }
            }
        }
        std::fs::write(dir.path().join("m.toml"), &bytes).unwrap();
        let out = microfolio(
            dir.path(),
            &["run", "m.toml", "--paths", "3", "--out", "o", "--quiet"],
        );
        let stderr = String::from_utf8_lossy(&out.stderr);
        match out.status.code() {
            Some(0) => assert!(dir.path().join("o/summary.json").exists()),
            Some(2) => {
                assert_eq!(stderr.trim().lines().count(), 1, "case {case}: {stderr}");
                assert!(stderr.contains("m.toml"), "case {case}: {stderr}");
            }
            other => panic!("case {case}: exit {other:?}: {stderr}"),
        }
        let _ = std::fs::remove_dir_all(dir.path().join("o"));
    }
}
