//! What the command line prints on stdout when a run or a study is done. A write error is
//! returned, for the caller to report (the results are already safely on disk by then).

use std::io::{self, Write};
use std::path::Path;

use microfolio::format::{count, eur, pct};
use microfolio::output::settlement_note;
use microfolio::report::REPORT_HTML;
use microfolio::rqmc::SeMethod;
use microfolio::scenario::Settlement;
use microfolio::study::Done;
use microfolio::{Completed, Scalar, Scenario, Study, StudyResults};

/// A run's headline, its key outcomes, and where its results are; `uncertain`: the run drew
/// the scenario's uncertain parameters for every path.
pub fn run(scenario: &Scenario, done: &Completed, uncertain: bool) -> io::Result<()> {
    let mut out = std::io::stdout().lock();
    let r = &done.results;
    let info = &done.info;
    // Every loan simulated, the paired point-value run's included: the time covers both.
    let per_second = info.loans_simulated as f64 / info.wall_seconds.max(1e-9);
    let point = done.point.as_ref();
    writeln!(
        out,
        "{}: {} paths × {} years{} in {:.1} s on {} threads: {:.1}M loans/s ({:.1}M per core)",
        scenario.name(),
        count(r.paths() as f64),
        scenario.spec().simulation.horizon_years,
        if point.is_some() {
            ", and the same paths at the point values,"
        } else {
            ""
        },
        info.wall_seconds,
        info.threads,
        per_second / 1e6,
        per_second / 1e6 / info.threads as f64
    )?;
    if let Some(t) = &done.target {
        writeln!(out, "{}", capitalised(&t.sentence()))?;
    }
    if uncertain {
        let n = scenario.uncertain().len();
        writeln!(
            out,
            "with parameter uncertainty: {n} uncertain parameter{} drawn anew for every path \
             (the quantiles include it; \"point\" is the mean at the scenario's own values)",
            if n == 1 { "" } else { "s" }
        )?;
    }
    write!(out, "{:<16}{:>12}{:>12}{:>12}", "", "mean", "p05", "p95")?;
    if point.is_some() {
        write!(out, "{:>12}", "point")?;
    }
    writeln!(out)?;
    type Formatter = fn(f64) -> String;
    let rows: [(Scalar, Formatter); 4] = [
        (Scalar::FinalCapital, eur),
        (Scalar::NetLoss, eur),
        (Scalar::DefaultRate, |x| pct(x, 1)),
        (Scalar::CostToState, eur),
    ];
    for (m, f) in rows {
        match r.summary(m) {
            Some(s) => write!(
                out,
                "{:<16}{:>12}{:>12}{:>12}",
                m.name(),
                f(s.mean),
                f(s.quantile("p05").unwrap_or(f64::NAN)),
                f(s.quantile("p95").unwrap_or(f64::NAN))
            ),
            None => write!(out, "{:<16}{:>12}{:>24}", m.name(), "undefined", ""),
        }?;
        if let Some(p) = point {
            let mean = p.summary(m).map_or("undefined".to_string(), |s| f(s.mean));
            write!(out, "{mean:>12}")?;
        }
        writeln!(out)?;
    }
    if let (Some(nominal), Some(pv)) = (
        r.summary(Scalar::StateCostTotal),
        r.summary(Scalar::StateCostTotalPv),
    ) {
        // Under --uncertain each path may have drawn its own discount rate.
        let drawn = uncertain
            && scenario
                .uncertain()
                .iter()
                .any(|p| p.keys.iter().any(|k| k == "state.discount_rate"));
        let rate = if drawn {
            "each path's drawn discount rate".to_string()
        } else {
            pct(scenario.spec().state.discount_rate, 2)
        };
        writeln!(
            out,
            "state's total cost (mean): {} nominal, {} present value at {rate}",
            eur(nominal.mean),
            eur(pv.mean),
        )?;
        writeln!(
            out,
            "  = cost to state + BMKB claims − premiums + state-loan interest subsidy − guarantee fees"
        )?;
    }
    let settlement = scenario.spec().state.settlement;
    if settlement == Settlement::RunOff
        && let (Some(months), Some(loss), Some(repaid)) = (
            r.summary(Scalar::RunOffMonths),
            r.summary(Scalar::RunOffNetLoss),
            r.summary(Scalar::StateLoanRepaid),
        )
    {
        writeln!(
            out,
            "settled after a run-off of {:.0} months (mean): run-off net loss {}, state loan repaid {}",
            months.mean,
            eur(loss.mean),
            eur(repaid.mean)
        )?;
    }
    writeln!(
        out,
        "P(state loan not repaid in full) {}   P(guarantee called) {}   P(capital depleted) {}",
        pct(r.probability_positive(Scalar::StateLoanLoss), 1),
        pct(r.probability_positive(Scalar::GuaranteeCall), 1),
        pct(r.probability_positive(Scalar::CapitalDepleted), 1)
    )?;
    writeln!(out, "({})", settlement_note(settlement))?;
    if r.weighted() {
        let sim = &scenario.spec().simulation;
        writeln!(
            out,
            "tail sampling towards the worst {} of {}: every statistic weighted; effective \
             sample size {} of {} paths",
            pct(sim.tail_probability, 1),
            sim.tail_metric,
            count(microfolio::tail::estimate::effective_sample_size(
                r.weights()
            )),
            count(r.paths() as f64)
        )?;
    }
    done_lines(&mut out, &done.folder)
}

/// A study's headline, its table, and where its results are.
pub fn study<S: Study>(study: &S, done: &Done<S::Results>) -> io::Result<()> {
    let mut out = std::io::stdout().lock();
    let run = done.results.run();
    let units = study.units_run(&done.results);
    writeln!(
        out,
        "{}: {} {}{} × {} in {:.1} s on {} threads (common random numbers{})",
        study.title(),
        count(units as f64),
        study.unit_name(),
        if units == 1 { "" } else { "s" },
        microfolio::study::paths_text(study.paths()),
        run.wall_seconds,
        run.threads,
        match microfolio::study::study_sampling(study) {
            Ok(SeMethod::Randomisations(r)) => {
                format!("; rqmc, standard errors from {r} randomisations")
            }
            Ok(SeMethod::Weighted) => format!(
                "; tail sampling, one fit for every {}, every statistic weighted{}",
                study.unit_name(),
                done.results
                    .effective_sample_size()
                    .map_or(String::new(), |ess| format!(
                        ", effective sample size {}",
                        count(ess)
                    ))
            ),
            _ => String::new(),
        }
    )?;
    out.write_all(study.summarise(&done.results).as_bytes())?;
    done_lines(&mut out, &done.folder)
}

/// `text` with its first letter a capital: a sentence of the library's on a line of its own.
fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or(String::new(), |c| {
        c.to_uppercase().chain(chars).collect::<String>()
    })
}

/// Where the result folder and its report are.
fn done_lines(out: &mut impl Write, folder: &Path) -> io::Result<()> {
    writeln!(out, "results: {}", folder.display())?;
    writeln!(out, "report:  {}", folder.join(REPORT_HTML).display())?;
    out.flush()
}
