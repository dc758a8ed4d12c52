//! The value of information of a comparison as its outputs say it: made from the study's draws
//! ([`Voi::of_draws`]), written as `voi.csv` and the `voi` entry of `summary.json`, and said in
//! words for the report and the terminal (which estimate is worth measuring first, what the
//! decision could gain, and where a regression overshoots).

use serde_json::{Value, json};

use super::{Analysis, BIAS, BOOTSTRAP, Estimate, MIN_DRAWS, Outcome, Problem, Row, fit};
use crate::error::{Arg, Error};
use crate::format::pct;
use crate::output::csv::{CsvWriter, number};
use crate::scenario::Scenario;
use crate::study::nested::DrawResults;
use crate::units::Unit;

/// The value of information of a comparison: its outcome, the variants' names, the analysis.
#[derive(Debug, Clone, PartialEq)]
pub struct Voi {
    pub outcome: Outcome,
    pub variants: Vec<String>,
    pub analysis: Analysis,
}

impl Voi {
    /// From a comparison's draws: the net benefit of every variant (`names`, the reference
    /// first) on every draw, the parameters and groups of `reference`'s `[[uncertain]]`
    /// section. Refused when a needed mean is undefined on a draw (the metric was undefined on
    /// every path of the draw): a decision cannot be valued on a draw without its outcome.
    pub fn of_draws(
        outcome: Outcome,
        reference: &Scenario,
        names: &[&str],
        draws: &DrawResults,
    ) -> Result<Voi, Error> {
        let metrics = outcome.metrics();
        let mut columns = Vec::new();
        for m in &metrics {
            let j = draws.metrics.iter().position(|x| x == m).ok_or_else(|| {
                Error::Input(format!(
                    "--voi {outcome}: the study kept no draw means of {}",
                    m.name()
                ))
            })?;
            columns.push(j);
        }
        let k = draws.values.len();
        let mut net_benefit = Vec::with_capacity(names.len());
        for (v, name) in names.iter().enumerate() {
            let mut nb = Vec::with_capacity(k);
            for d in 0..k {
                let mut means = Vec::with_capacity(metrics.len());
                for (m, &j) in metrics.iter().zip(&columns) {
                    let Some(x) = draws.means[v][j][d] else {
                        return Err(Error::Input(format!(
                            "--voi {outcome}: {} is undefined on every path of draw {d} of \
                             variant {name} (draws.csv), so the decision's outcome is unknown \
                             there; choose an outcome defined on every draw, or more paths \
                             per draw",
                            m.name()
                        )));
                    };
                    means.push(x);
                }
                nb.push(outcome.net_benefit(&means));
            }
            net_benefit.push(nb);
        }
        let uncertain = reference.uncertain();
        let parameters: Vec<String> = uncertain.iter().map(|p| p.name.clone()).collect();
        let mut groups: Vec<(String, Vec<usize>)> = Vec::new();
        for (i, p) in uncertain.iter().enumerate() {
            match groups.iter_mut().find(|(g, _)| g == p.group_name()) {
                Some((_, members)) => members.push(i),
                None => groups.push((p.group_name().to_string(), vec![i])),
            }
        }
        groups.retain(|(_, m)| m.len() >= 2);
        let values = (0..parameters.len())
            .map(|i| draws.values.iter().map(|x| x[i]).collect())
            .collect();
        let problem = Problem {
            parameters,
            groups,
            values,
            net_benefit,
        };
        let seed = reference.spec().simulation.seed as u64;
        Ok(Voi {
            outcome,
            variants: names.iter().map(|n| n.to_string()).collect(),
            analysis: problem.analyse(BOOTSTRAP, seed),
        })
    }

    /// Refuse a value of information with fewer than [`MIN_DRAWS`] draws.
    pub fn check_draws(outcome: &Outcome, draws: u64) -> Result<(), Error> {
        if draws < MIN_DRAWS {
            return Err(Error::argument(
                Arg::Draws,
                draws,
                format!(
                    "the value of information on {outcome} regresses each variant's net \
                     benefit on the draws and needs at least {MIN_DRAWS} of them (100 or more \
                     would do)"
                ),
            ));
        }
        Ok(())
    }

    /// `voi.csv`: `parameter,evppi,low,high`, a row per parameter, then per group of two or
    /// more.
    pub fn csv(&self) -> String {
        let mut out = CsvWriter::text_file(["parameter", "evppi", "low", "high"]);
        for r in &self.analysis.rows {
            out.push([
                r.name.clone(),
                number(r.evppi.map(|e| e.value)),
                number(r.evppi.map(|e| e.low)),
                number(r.evppi.map(|e| e.high)),
            ]);
        }
        out.into_string()
    }

    /// An amount in the outcome's unit: `€1.2m`, `3.5 entrepreneurs_financed`.
    pub fn amount(&self, x: f64) -> String {
        match self.outcome.unit() {
            Unit::Money => crate::format::eur(x),
            unit => {
                let name = match self.outcome {
                    Outcome::Metric(m) => m.name(),
                    Outcome::Net { cost, .. } => cost.name(),
                };
                format!("{} (in units of {name})", unit.value(x))
            }
        }
    }

    /// The single parameter worth measuring first: the largest EVPPI (the first of equals),
    /// `None` if every EVPPI is 0 or unknown.
    pub fn first(&self) -> Option<&Row> {
        largest(self.analysis.rows.iter().filter(|r| r.members.len() == 1))
    }

    /// An estimate with its interval, in words.
    fn interval(&self, e: &Estimate) -> String {
        format!(
            "{} (95% bootstrap interval {} to {})",
            self.amount(e.value),
            self.amount(e.low),
            self.amount(e.high)
        )
    }

    /// What the decision is and which estimate is worth measuring first, in words.
    pub fn verdict(&self) -> String {
        let a = &self.analysis;
        let chosen = &self.variants[a.chosen];
        let mut out = format!(
            "On {}, the decision on expected value today is {chosen}, the best variant on {} of \
             the {} draws.",
            self.outcome.words(),
            pct(a.p_best[a.chosen], 0),
            a.draws
        );
        let evpi = match a.evpi {
            Some(e) => format!("{} (the EVPI)", self.interval(&e)),
            None => format!(
                "{} by the draws' means alone (the direct EVPI, biased upward by their noise; \
                 the regression on every parameter needs {} draws or more)",
                self.interval(&a.evpi_direct),
                fit::DRAWS_PER_COEFFICIENT
                    * (a.rows.iter().filter(|r| r.members.len() == 1).count() + 1)
            ),
        };
        let nothing = a.evpi_direct.value == 0.0 && a.evpi.is_none_or(|e| e.value == 0.0);
        if nothing {
            out.push_str(&format!(
                " No uncertain parameter can change it: {chosen} is ahead on every draw, so the \
                 expected value of perfect information (EVPI) is 0 and measuring an estimate \
                 better gains this decision nothing."
            ));
            return out;
        }
        match self.first() {
            None => out.push_str(&format!(
                " Knowing every uncertain parameter would be worth {evpi} per decision, but no \
                 single one is worth anything alone by the regressions."
            )),
            Some(first) => {
                let e = first.evppi.expect("first has an estimate");
                out.push_str(&format!(
                    " The estimate worth measuring first is {}: knowing it before deciding \
                     would {} by {} per decision (its EVPPI).",
                    first.name,
                    self.outcome.gain_words(),
                    self.interval(&e),
                ));
                if e.low == 0.0 {
                    out.push_str(
                        " Its interval reaches 0, though: on these draws no single estimate \
                         stands out from the noise.",
                    );
                }
                if let Some(f) = a.floor {
                    out.push_str(&self.against_floor(&f, first));
                }
                out.push_str(&format!(
                    " Knowing every uncertain parameter would be worth {evpi}."
                ));
                let group = largest(
                    a.rows
                        .iter()
                        .filter(|r| r.members.len() > 1 && value(r) > e.value),
                );
                if let Some(g) = group {
                    out.push_str(&format!(
                        " Measured together, the group {} ({}) would be worth {}.",
                        g.name,
                        g.members.join(", "),
                        self.interval(&g.evppi.expect("a group of the largest value"))
                    ));
                }
            }
        }
        if !a.overshoot.is_empty() {
            out.push_str(&format!(
                " Caution: the regression puts {} above the interval of the direct EVPI, which \
                 is biased upward and so bounds every EVPPI on average: there the fit overshoots \
                 (too few draws for the shape of the net benefit), and more draws would tell.",
                a.overshoot.join(", ")
            ));
        }
        out
    }

    /// The first estimate against the noise floor, and the other single estimates above it.
    fn against_floor(&self, f: &super::Floor, first: &Row) -> String {
        let floor = format!(
            "the noise floor of these draws: an estimate unrelated to the outcome gets {} \
             here, and one in ten more than {}",
            self.amount(f.median),
            self.amount(f.p90)
        );
        if value(first) <= f.p90 {
            return format!(
                " Its EVPPI is within {floor}, so it is not told from an estimate that cannot \
                 matter."
            );
        }
        let mut others: Vec<&Row> = self
            .analysis
            .rows
            .iter()
            .filter(|r| r.members.len() == 1 && r.name != first.name && value(r) > f.p90)
            .collect();
        others.sort_by(|a, b| value(b).total_cmp(&value(a)));
        let mut out = format!(" It stands above {floor}.");
        if !others.is_empty() {
            let named: Vec<String> = others
                .iter()
                .take(4)
                .map(|r| format!("{} ({})", r.name, self.amount(value(r))))
                .collect();
            out.push_str(&format!(
                " Above that floor too: {}{}.",
                named.join(", "),
                if others.len() > 4 {
                    format!(" and {} more", others.len() - 4)
                } else {
                    String::new()
                }
            ));
        }
        out
    }

    /// One line for the terminal.
    pub fn line(&self) -> String {
        let a = &self.analysis;
        let first =
            self.first()
                .and_then(|r| r.evppi.map(|e| (r, e)))
                .map_or(String::new(), |(r, e)| {
                    format!(
                        "; measure {} first (EVPPI {}, {} to {})",
                        r.name,
                        self.amount(e.value),
                        self.amount(e.low),
                        self.amount(e.high)
                    )
                });
        let evpi = a.evpi.map_or("EVPI by regression –".to_string(), |e| {
            format!(
                "EVPI {} ({} to {})",
                self.amount(e.value),
                self.amount(e.low),
                self.amount(e.high)
            )
        });
        format!(
            "value of information on {}: decide for {}; {evpi}; direct from the draws' means {} \
             (biased up by their noise){first} (voi.csv)",
            self.outcome,
            self.variants[a.chosen],
            self.amount(a.evpi_direct.value),
        )
    }

    /// The `voi` entry of the study's `summary.json`.
    pub fn summary(&self) -> Value {
        let a = &self.analysis;
        let estimate = |e: &Option<Estimate>| e.map_or(Value::Null, |e| e.json());
        json!({
            "outcome": self.outcome.to_string(),
            "net_benefit": format!("per draw and variant: {}", self.outcome.describe()),
            "unit": format!("{:?}", self.outcome.unit()).to_lowercase(),
            "decision": "the variant with the highest expected net benefit over the draws, the reference among the variants",
            "chosen": self.variants[a.chosen],
            "expected_net_benefit": self.variants.iter().zip(&a.expected).map(|(v, x)| json!({"variant": v, "value": x})).collect::<Vec<_>>(),
            "p_best_draws": self.variants.iter().zip(&a.p_best).map(|(v, x)| json!({"variant": v, "value": x})).collect::<Vec<_>>(),
            "evpi": estimate(&a.evpi),
            "evpi_direct": a.evpi_direct.json(),
            "evpi_meaning": "per decision, in the outcome's unit: evpi by the regression of each variant's incremental net benefit on every uncertain parameter (additive; null with fewer than 10 draws per coefficient of a line in each parameter), evpi_direct as the mean over draws of the best net benefit less the best mean net benefit, straight from the draws' means",
            "method": format!("regression method of Strong, Oakley & Brennan (2014): EVPPI = mean_k max_v g_v(theta_k) - max_v mean_k g_v(theta_k), g_v the least-squares fit of NB_v - NB_reference on the parameter(s); a single parameter on a cubic B-spline with floor(K^(1/3)) - 1 interior knots (at most 8) at its quantiles, or on the means of its values when it has few; a group and the EVPI on an additive model of its members' splines fitted jointly; at least {} draws per coefficient (fewer knots, then a quadratic or a line per member; null when not even a line each fits); K = {} draws", fit::DRAWS_PER_COEFFICIENT, a.draws),
            "bias": BIAS,
            "overshoot": a.overshoot,
            "noise_floor": a.floor.map_or(Value::Null, |f| json!({
                "median": f.median,
                "p90": f.p90,
                "dummies": f.dummies,
                "meaning": "the EVPPI of dummy parameters drawn uniform per draw, independent of everything, fitted as a single parameter is: their true EVPPI is 0, so this is the method's upward bias on these draws; a parameter's EVPPI below p90 is not told from one that cannot matter",
            })),
            "intervals": format!("percentile bootstrap, 2.5% to 97.5%, of {} resamples of the draws with replacement (seeded by the scenario's seed), refitted on each", a.resamples),
            "rows": a.rows.iter().map(|r| json!({
                "parameter": r.name,
                "members": r.members,
                "evppi": r.evppi.map(|e| e.value),
                "low": r.evppi.map(|e| e.low),
                "high": r.evppi.map(|e| e.high),
            })).collect::<Vec<_>>(),
        })
    }
}

/// A row's EVPPI, −∞ when unknown (for choosing the largest).
fn value(r: &Row) -> f64 {
    r.evppi.map_or(f64::NEG_INFINITY, |e| e.value)
}

/// The row of the largest EVPPI above 0 (the first of equals).
fn largest<'a>(rows: impl Iterator<Item = &'a Row>) -> Option<&'a Row> {
    rows.filter(|r| value(r) > 0.0)
        .fold(None, |best: Option<&Row>, r| match best {
            Some(b) if value(b) >= value(r) => Some(b),
            _ => Some(r),
        })
}
