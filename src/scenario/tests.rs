//! The scenario module's own tests: parsing, overrides, `extends`, errors and the registry.

use super::*;

fn origin() -> Origin {
    Origin::new("test.toml")
}

fn parse(text: &str, sets: &[&str]) -> Result<Scenario, ScenarioError> {
    let overrides: Vec<Override> = sets.iter().map(|s| s.parse().unwrap()).collect();
    Scenario::parse(text, &origin(), &overrides)
}

const MINIMAL: &str = "[[segment]]\nname = \"starter\"\n";

#[test]
fn defaults_fill_every_key() {
    let s = parse(MINIMAL, &[]).unwrap();
    let spec = s.spec();
    assert_eq!(s.name(), "test");
    assert_eq!(spec.simulation.paths, 10_000);
    assert_eq!(spec.simulation.seed, 20_261_127);
    assert_eq!(spec.funding.state_loan, 44.7e6);
    assert_eq!(spec.funding.guarantee_room, Some(130e6));
    assert_eq!(spec.segments[0], Segment::named("starter"));
    assert_eq!(spec.followup.size_multiplier, 1.5);
    assert_eq!(spec.initial_book.max_age_months, 1200);
}

#[test]
fn resolved_toml_round_trips() {
    let s = parse(
        MINIMAL,
        &[
            "segment.starter.annual_pd=0.08",
            "credit_cycle.shifts=[0, -1.5]",
        ],
    )
    .unwrap();
    let text = s.spec().to_toml();
    let again = parse(&text, &[]).unwrap();
    assert_eq!(again.spec(), s.spec());
    assert_eq!(again.spec().segments[0].annual_pd, 0.08);
}

#[test]
fn integral_floats_are_accepted_for_counts() {
    let s = parse(
        MINIMAL,
        &["simulation.paths=1e5", "segment.starter.term_months=84.0"],
    )
    .unwrap();
    assert_eq!(s.spec().simulation.paths, 100_000);
    assert_eq!(s.spec().segments[0].term_months, 84);
    let e = parse(MINIMAL, &["simulation.paths=2.5"]).unwrap_err();
    assert!(e.to_string().contains("whole number"), "{e}");
}

#[test]
fn errors_name_key_value_and_range() {
    let e = parse("[funding]\nmin_cash = -5\n[[segment]]\nname = \"a\"\n", &[]).unwrap_err();
    assert_eq!(
        e.to_string(),
        "test.toml: funding.min_cash = -5: allowed: a number of euros from 0 to 1e15"
    );
    let e = parse("[[segment]]\nname = \"a\"\nannual_pd = nan\n", &[]).unwrap_err();
    assert!(e.to_string().contains("segment.a.annual_pd = nan"), "{e}");
    let e = parse(
        "[[segment]]\nname = \"a\"\nrecovery_mean = 0.3\nrecovery_sd = 0.5\n",
        &[],
    )
    .unwrap_err();
    assert!(e.to_string().contains("segment.a.recovery_sd = 0.5"), "{e}");
    let e = parse("[[segment]]\nname = \"a\"\ngrace_months = 60\n", &[]).unwrap_err();
    assert!(e.to_string().contains("from 0 to 59"), "{e}");
    let e = parse(MINIMAL, &["segment.starter.share=0"]).unwrap_err();
    assert!(e.to_string().contains("not all 0"), "{e}");
    let e = parse(MINIMAL, &["funding.guarantee_room=-1"]).unwrap_err();
    assert!(e.to_string().contains("(set by an override)"), "{e}");
}

#[test]
fn unknown_keys_and_wrong_types_give_position() {
    let e = parse("[funding]\nmin_cahs = 5\n[[segment]]\nname = \"a\"\n", &[]).unwrap_err();
    let msg = e.to_string();
    assert!(msg.starts_with("test.toml:2:"), "{msg}");
    assert!(msg.contains("min_cahs"), "{msg}");
    let e = parse("[[segment]]\nname = \"a\"\nannual_pd = \"high\"\n", &[]).unwrap_err();
    let msg = e.to_string();
    assert!(msg.starts_with("test.toml:3:"), "{msg}");
    assert!(msg.contains("segment.a.annual_pd"), "{msg}");
    let e = parse("[funding\n", &[]).unwrap_err();
    assert!(e.to_string().starts_with("test.toml:1:"), "{e}");
}

#[test]
fn bad_overrides_are_refused() {
    assert!("funding.min_cash".parse::<Override>().is_err());
    assert!("min_cash=5".parse::<Override>().is_err());
    let e = parse(MINIMAL, &["segment.nobody.annual_pd=0.1"]).unwrap_err();
    assert!(
        e.to_string().contains("no segment is named `nobody`"),
        "{e}"
    );
    let e = parse(MINIMAL, &["funding.no_such_key=1"]).unwrap_err();
    assert!(
        e.to_string().contains("override funding.no_such_key=1"),
        "{e}"
    );
    let e = parse(MINIMAL, &["funding.min_cash=lots"]).unwrap_err();
    assert!(
        e.to_string().contains("override funding.min_cash=lots"),
        "{e}"
    );
}

#[test]
fn a_variant_s_facility_limits_replace_its_parent_s_limit() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("base.toml"),
        "[funding]\nguarantee_ceiling = 100e6\n[[funding.facility]]\nname = \"f\"\nlimit = 50e6\n\
         guaranteed_share = 0.8\n[[segment]]\nname = \"a\"\n",
    )
    .unwrap();
    let child = dir.path().join("child.toml");
    std::fs::write(
        &child,
        "extends = \"base.toml\"\n[[funding.facility]]\nname = \"f\"\nlimits = [0, 20e6]\n",
    )
    .unwrap();
    let s = Scenario::load(&child, &[]).unwrap();
    let f = &s.spec().funding.facility.as_ref().unwrap()[0];
    assert_eq!(
        (f.limit, f.limits.as_deref()),
        (None, Some(&[0.0, 20e6][..]))
    );
    assert_eq!(
        f.guaranteed_share,
        Some(0.8),
        "the rest of the parent's facility stays"
    );
}

#[test]
fn extends_lays_a_variant_over_its_parent() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("base.toml"),
        "[meta]\nname = \"base\"\n[funding]\nmin_cash = 1e6\n[[segment]]\nname = \"a\"\nannual_pd = 0.05\n\
         [[segment]]\nname = \"b\"\n",
    )
    .unwrap();
    let child = dir.path().join("child.toml");
    std::fs::write(
        &child,
        "extends = \"base.toml\"\n[funding]\ncash_target = 9e6\n[[segment]]\nname = \"a\"\nterm_months = 24\n\
         [[segment]]\nname = \"c\"\n",
    )
    .unwrap();
    let s = Scenario::load(&child, &[]).unwrap();
    let spec = s.spec();
    assert_eq!(s.name(), "child");
    assert_eq!(
        (spec.funding.min_cash, spec.funding.cash_target),
        (1e6, 9e6)
    );
    let names: Vec<&str> = spec.segments.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["a", "b", "c"]);
    assert_eq!(
        (spec.segments[0].annual_pd, spec.segments[0].term_months),
        (0.05, 24)
    );
    assert!(!spec.to_toml().contains("extends"));

    std::fs::write(dir.path().join("loop.toml"), "extends = \"loop.toml\"\n").unwrap();
    let e = Scenario::load(&dir.path().join("loop.toml"), &[]).unwrap_err();
    assert!(e.to_string().contains("cycle"), "{e}");
    std::fs::write(
        dir.path().join("orphan.toml"),
        "extends = \"nowhere.toml\"\n",
    )
    .unwrap();
    let e = Scenario::load(&dir.path().join("orphan.toml"), &[]).unwrap_err();
    assert!(e.to_string().contains("extends = \"nowhere.toml\""), "{e}");
}

#[test]
fn sensitivity_parameters_round_trip_and_are_checked() {
    let text = format!(
        "{MINIMAL}[sensitivity]\nparameters = [\n  {{ key = \"segment.starter.annual_pd\", low = 0.02, high = 0.05 }},\n  \
         {{ key = \"segment.starter.term_months\", low = 48, high = 72 }},\n]\n"
    );
    let s = parse(&text, &[]).unwrap();
    let params = &s.spec().sensitivity.parameters;
    assert_eq!(params.len(), 2);
    assert_eq!((params[1].low, params[1].high), (48.0, 72.0));
    let again = parse(&s.spec().to_toml(), &[]).unwrap();
    assert_eq!(again.spec(), s.spec());
    // An empty section is written out too, and round-trips.
    let plain = parse(MINIMAL, &[]).unwrap();
    assert!(plain.spec().to_toml().contains("[sensitivity]"));
    assert_eq!(
        parse(&plain.spec().to_toml(), &[]).unwrap().spec(),
        plain.spec()
    );

    let bad = |entry: &str| {
        parse(
            &format!("{MINIMAL}[sensitivity]\nparameters = [{entry}]\n"),
            &[],
        )
        .unwrap_err()
        .to_string()
    };
    let e = bad("{ key = \"funding.guarantee_rom\", low = 1, high = 2 }");
    assert!(
        e.contains("sensitivity.parameters[0].key") && e.contains("no key `guarantee_rom`"),
        "{e}"
    );
    let e = bad("{ key = \"segment.nobody.annual_pd\", low = 0.1, high = 0.2 }");
    assert!(e.contains("no segment is named `nobody`"), "{e}");
    let e = bad("{ key = \"simulation.seed\", low = 1, high = 2 }");
    assert!(e.contains("common random numbers"), "{e}");
    let e = bad("{ key = \"segment.starter.seasoning\", low = 1, high = 2 }");
    assert!(e.contains("is a list"), "{e}");
    let e = bad("{ key = \"segment.starter.annual_pd\", low = 0.1, high = 1.2 }");
    assert!(
        e.contains("sensitivity.parameters[0].high = 1.2")
            && e.contains("segment.starter.annual_pd = 1.2 is not allowed"),
        "{e}"
    );
    let e = bad("{ key = \"segment.starter.annual_pd\", low = 0.1, high = 0.05 }");
    assert!(e.contains("a number above low (0.1)"), "{e}");
    let e = bad("{ key = \"segment.starter.term_months\", low = 40.5, high = 72 }");
    assert!(e.contains("a whole number"), "{e}");
    let e = bad("{ key = \"followup.referral_share\", low = 0.1, high = nan }");
    assert!(e.contains("sensitivity.parameters[0].high = nan"), "{e}");
    let e = bad("{ key = \"followup.referral_share\", low = 0.1, hi = 0.2 }");
    assert!(e.contains("unknown field"), "{e}");
    // Cross-field rules are checked with the key at its value.
    let e = bad("{ key = \"funding.min_cash\", low = 1e6, high = 7e6 }");
    assert!(e.contains("funding.cash_target"), "{e}");
}

#[test]
fn parameters_are_found_by_dotted_path() {
    let s = parse(MINIMAL, &[]).unwrap();
    let spec = s.spec();
    assert_eq!(
        spec.parameter("segment.starter.term_months"),
        Ok(ParameterValue {
            value: 60.0,
            whole: true
        })
    );
    assert_eq!(
        spec.parameter("followup.referral_share").unwrap().value,
        0.5
    );
    assert!(spec.parameter("meta.start_year").is_err());
    assert!(spec.parameter("simulation.paths").is_err());
    assert!(spec.parameter("simulation.horizon_years").is_ok());
    assert!(spec.parameter("funding").is_err());
    let keys: Vec<String> = spec
        .parameters_in(&["followup", "segment"])
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    for k in [
        "followup.referral_share",
        "followup.size_multiplier",
        "followup.pd_multiplier",
    ] {
        assert!(keys.contains(&k.to_string()), "{k} in {keys:?}");
    }
    assert!(keys.contains(&"segment.starter.annual_pd".to_string()));
    assert!(
        !keys
            .iter()
            .any(|k| k.ends_with("seasoning") || k.ends_with("name"))
    );

    let varied = s
        .with_overrides(&[Override::number("segment.starter.term_months", 84.0, true)])
        .unwrap();
    assert_eq!(varied.spec().segments[0].term_months, 84);
    assert!(
        varied
            .overridden_keys()
            .contains(&"segment.starter.term_months".to_string())
    );
}

#[test]
fn unfundable_initial_book_is_refused() {
    let e = parse(
        "[initial_book]\nloans = 100000\n[[segment]]\nname = \"a\"\n",
        &[],
    )
    .unwrap_err();
    assert!(e.to_string().contains("initial_book.loans = 100000"), "{e}");
    assert!(
        parse(
            "[initial_book]\nloans = 5000\n[[segment]]\nname = \"a\"\n",
            &[]
        )
        .is_ok()
    );
}

#[test]
fn the_registry_lists_every_key_the_file_has_in_file_order() {
    let s = parse(MINIMAL, &[]).unwrap();
    // Every key a file may hold written at once: the optional ones set too (a facility with
    // both `limit` and `limits`, which validation would refuse, and the older keys beside it).
    let mut spec = s.spec().clone();
    spec.funding.guarantee_ceiling = Some(1e9);
    spec.funding.facility = Some(vec![super::Facility {
        limits: Some(vec![1.0]),
        ..super::Facility::named("f", 1.0, 0.5)
    }]);
    // serde_json keeps the struct's field order.
    let json = serde_json::to_value(&spec).unwrap();
    let mut written = Vec::new();
    for (section, value) in json.as_object().unwrap() {
        let fields = match value {
            serde_json::Value::Array(segments) => segments[0].as_object().unwrap(),
            other => other.as_object().unwrap(),
        };
        for (f, v) in fields {
            match v
                .as_array()
                .and_then(|a| a.first())
                .and_then(|t| t.as_object())
            {
                // `[[funding.facility]]`: a list of tables within a section.
                Some(item) if f == "facility" => {
                    written.extend(item.keys().map(|k| format!("{section}.{f}.{k}")));
                }
                _ => written.push(format!("{section}.{f}")),
            }
        }
    }
    let registered: Vec<String> = KEYS.iter().map(KeySpec::table_path).collect();
    assert_eq!(registered, written);
    // Every numeric key has a default but those that have none by design.
    let no_default = [
        "funding.guarantee_ceiling",
        "funding.facility.limit",
        "funding.facility.guaranteed_share",
    ];
    for k in KEYS {
        let value = k.default_value();
        assert_eq!(
            value.is_some(),
            k.number().is_some() && !no_default.contains(&k.table_path().as_str()),
            "{}",
            k.table_path()
        );
        if let (Some(n), Some(v)) = (k.number(), value) {
            assert_eq!(n.whole, matches!(v, Number::Whole(_)), "{}", k.table_path());
            assert!(
                n.bounds.contains(v.as_f64()),
                "{} default {v}",
                k.table_path()
            );
        }
    }
}

#[test]
fn every_bound_of_the_registry_is_enforced() {
    use std::ops::Bound::{Excluded, Included, Unbounded};
    let base = parse(MINIMAL, &[]).unwrap();
    for (key, n, _) in base.spec().numbers() {
        let outside = [
            match n.bounds.min {
                Included(lo) if n.whole => Some(lo - 1.0),
                Included(lo) => Some(lo - lo.abs().max(1.0) * 1e-9),
                Excluded(lo) => Some(lo),
                Unbounded => None,
            },
            match n.bounds.max {
                Included(hi) if n.whole => Some(hi + 1.0),
                Included(hi) => Some(hi + hi.abs().max(1.0) * 1e-9),
                Excluded(hi) => Some(hi),
                Unbounded => None,
            },
            (!n.whole).then_some(f64::NAN),
        ];
        for v in outside.into_iter().flatten() {
            let mut spec = base.spec().clone();
            spec.set_number(&key, v).unwrap();
            let e = Scenario::from_spec(spec).unwrap_err().to_string();
            assert!(e.contains(&format!("{key} = ")), "{key} = {v}: {e}");
        }
    }
}

#[test]
fn keys_are_read_set_labelled_and_classified_through_the_registry() {
    use crate::units::Unit;
    let mut spec = parse(MINIMAL, &[]).unwrap().spec().clone();
    assert_eq!(
        spec.number("segment.starter.term_months"),
        Ok(Number::Whole(60))
    );
    spec.set_number("segment.starter.term_months", 84.0)
        .unwrap();
    spec.set_number("followup.referral_share", 0.25).unwrap();
    assert_eq!(spec.segments[0].term_months, 84);
    assert_eq!(
        spec.number("followup.referral_share"),
        Ok(Number::Real(0.25))
    );
    assert!(
        spec.set_number("segment.starter.term_months", 84.5)
            .is_err()
    );
    assert!(spec.set_number("segment.starter.seasoning", 1.0).is_err());
    assert!(spec.number("segment.nobody.annual_pd").is_err());

    let n = lookup("segment.anyone.annual_pd").unwrap();
    assert_eq!(n.item, Some("anyone"));
    assert_eq!(n.number().unwrap().unit, Unit::Percent);
    assert!(
        lookup("funding.guarantee_rom")
            .unwrap_err()
            .contains("no key `guarantee_rom`")
    );
    assert!(
        lookup("fundign.min_cash")
            .unwrap_err()
            .contains("no section [fundign]")
    );
    assert_eq!(
        KEYS.iter()
            .find(|k| k.table_path() == "funding.state_loan")
            .and_then(KeySpec::default_value),
        Some(Number::Real(44.7e6))
    );

    assert_eq!(key_label("followup.referral_share"), "Referral share");
    assert_eq!(
        key_label("segment.starter.annual_pd"),
        "Annual PD (starter)"
    );
    assert_eq!(key_label("no.such"), "no.such");
    for (key, unit) in [
        ("funding.min_cash", Unit::Money),
        ("segment.x.mean_size", Unit::Money),
        ("segment.x.annual_pd", Unit::Percent),
        ("origination.growth_per_year", Unit::Percent),
        ("origination.loans_per_year", Unit::Count),
        ("initial_book.loans", Unit::Count),
        ("segment.x.term_months", Unit::Months),
        ("initial_book.max_age_months", Unit::Months),
        ("followup.size_multiplier", Unit::Ratio),
        ("simulation.horizon_years", Unit::Ratio),
    ] {
        assert_eq!(key_unit(key), unit, "{key}");
    }
    let at_most_one: Vec<String> = base_numbers()
        .into_iter()
        .filter(|k| key_at_most_one(k))
        .collect();
    assert_eq!(
        at_most_one,
        [
            "funding.state_loan_rate",
            "funding.external_rate",
            "funding.guarantee_fee",
            "funding.min_capital_ratio",
            "followup.referral_share",
            "bmkb.graduate_share",
            "bmkb.bsk_share",
            "bmkb.coverage",
            "state.run_off_fixed_share",
            "resolution.target_ratio",
            "segment.starter.interest_rate",
            "segment.starter.origination_fee",
            "segment.starter.recovery_mean",
            "segment.starter.bmkb_share",
        ]
    );
}

fn base_numbers() -> Vec<String> {
    let s = parse(MINIMAL, &[]).unwrap();
    s.spec().numbers().into_iter().map(|(k, _, _)| k).collect()
}

/// Tornado outputs list parameters in this order: that of the resolved TOML table.
#[test]
fn parameters_come_in_the_order_of_the_resolved_table() {
    let s = parse(&format!("{MINIMAL}[[segment]]\nname = \"b\"\n"), &[]).unwrap();
    let sections = ["segment", "credit_cycle", "followup", "funding"];
    let mut expected = Vec::new();
    for (section, value) in &s.spec().to_table() {
        if !sections.contains(&section.as_str()) {
            continue;
        }
        let tables: Vec<(String, &toml::Table)> = match value {
            toml::Value::Array(segments) => segments
                .iter()
                .map(|t| {
                    let t = t.as_table().unwrap();
                    (format!("segment.{}", t["name"].as_str().unwrap()), t)
                })
                .collect(),
            toml::Value::Table(t) => vec![(section.clone(), t)],
            _ => continue,
        };
        for (prefix, t) in tables {
            for (k, v) in t {
                if v.is_integer() || v.is_float() {
                    expected.push(format!("{prefix}.{k}"));
                }
            }
        }
    }
    let keys: Vec<String> = s
        .spec()
        .parameters_in(&sections)
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    assert_eq!(keys, expected);
}

#[test]
fn inline_text_names_itself_inline() {
    let s = Scenario::from_toml_str(MINIMAL).unwrap();
    assert_eq!(s.name(), "inline");
    let e = Scenario::from_toml_str("[funding]\nmin_cash = -5\n").unwrap_err();
    assert!(e.to_string().starts_with("inline: "), "{e}");
    assert_eq!(Origin::new("dir/base.toml").stem, "base");
}

/// docs/model.md §10: the BMKB's rules between keys, each refused with the key, the value and
/// what is allowed, even while BMKB is off.
#[test]
fn bmkb_rules_are_checked_even_when_off() {
    let refused = |sets: &[&str], needle: &str| {
        let e = parse(MINIMAL, sets).unwrap_err().to_string();
        assert!(e.contains(needle), "{sets:?}: {e}");
    };
    refused(
        &["bmkb.premium_table=[[8, 0.039], [8, 0.05]]"],
        "bmkb.premium_table[1][0] = 8",
    );
    refused(
        &["bmkb.premium_table=[[2.5, 0.039]]"],
        "bmkb.premium_table[0][0] = 2.5",
    );
    refused(
        &["bmkb.premium_table=[[8, 1.5]]"],
        "bmkb.premium_table[0][1] = 1.5",
    );
    refused(&["bmkb.premium_table=[]"], "bmkb.premium_table = (0 rows)");
    refused(
        &["bmkb.guarantee_months=145"],
        "a whole number from 1 to 144 (3 × the last bmkb.premium_table row's 48 quarters)",
    );
    refused(
        &["bmkb.graduate_pd_multiplier=40"],
        "annual_pd * graduate_pd_multiplier < 1",
    );
    refused(&["bmkb.claim_lag_months=0"], "bmkb.claim_lag_months = 0");
    refused(&["state.discount_rate=0.3"], "state.discount_rate = 0.3");
    refused(&["bmkb.enabled=1"], "bmkb.enabled");
    let ok = parse(
        MINIMAL,
        &[
            "bmkb.enabled=true",
            "bmkb.premium_table=[[4, 0.02], [40, 0.03]]",
            "bmkb.guarantee_months=120",
        ],
    )
    .unwrap();
    assert_eq!(
        ok.spec().bmkb.premium_table,
        vec![[4.0, 0.02], [40.0, 0.03]]
    );
}

/// A size and a seed given to a validated scenario are checked by their ranges alone (no rule
/// between keys reads them): the scenario is the one a full validation of the same keys makes,
/// and a size out of range is refused by key as validation refuses it.
#[test]
fn a_run_size_is_the_scenario_validation_makes() {
    let text = format!(
        "{MINIMAL}[[uncertain]]\nname = \"pd\"\nkeys = [\"segment.starter.annual_pd\"]\n\
         dist = \"uniform\"\nlow = 0.02\nhigh = 0.1\n"
    );
    let s = parse(&text, &[]).unwrap();
    let sized = s.with_run_size(Some(7), Some(9)).unwrap();
    let validated = parse(&text, &["simulation.paths=7", "simulation.seed=9"]).unwrap();
    assert_eq!(sized.spec(), validated.spec());
    assert_eq!(sized.uncertain(), validated.uncertain());
    assert_eq!(
        sized.at_values(&[0.05]).unwrap().spec(),
        validated.at_values(&[0.05]).unwrap().spec()
    );
    for (paths, seed) in [(Some(0), None), (Some(u64::MAX >> 1), None)] {
        let e = s.with_run_size(paths, seed).unwrap_err().to_string();
        let full = parse(&text, &[&format!("simulation.paths={}", paths.unwrap())])
            .unwrap_err()
            .to_string();
        assert_eq!(e, full);
        assert!(e.contains("simulation.paths"), "{e}");
    }
}
