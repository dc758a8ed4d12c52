//! The progress bar on stderr (when stderr is a terminal) and Ctrl-C, for runs and studies
//! alike: once the work has begun, the first Ctrl-C asks the driver to stop before its next
//! path (the worker threads read the flag), so that nothing half-written is left and the
//! earlier result stays. Before it begins (reading the scenario, checking a thousand uncertain
//! parameters, planning a design's points: seconds, nothing written yet) there is nobody to
//! ask, so Ctrl-C ends the process at once, with the message and exit code of an interrupt.

use std::io::{IsTerminal, Write};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use indicatif::{ProgressBar, ProgressState, ProgressStyle};
use microfolio::output::LeftBehind;
use microfolio::precision::{Status, TargetSe};
use microfolio::{Observer, Progress};

/// Set by Ctrl-C once the work has begun; read by the driver and its worker threads.
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// Whether the work has begun (a [`Bar`] made). A mutex, not a flag: Ctrl-C decides to end the
/// process while holding it, so that the work cannot begin (and make its staging folder) in
/// between.
static WORKING: Mutex<bool> = Mutex::new(false);

/// Install the Ctrl-C handler, before anything else is done. If it cannot be installed, Ctrl-C
/// still ends the process, and a staging folder it leaves is hidden and never looks like a
/// result.
pub fn handle_interrupts() {
    let _ = ctrlc::set_handler(|| {
        let working = WORKING.lock().unwrap_or_else(|e| e.into_inner());
        if *working {
            INTERRUPTED.store(true, Ordering::Relaxed);
            return;
        }
        let _ = writeln!(
            std::io::stderr(),
            "microfolio: error: interrupted before the work began (while reading the input and \
             planning); nothing was written"
        );
        std::process::exit(super::EXIT_INTERRUPTED.into());
    });
}

/// The bar over every path of the work, and the Ctrl-C flag.
pub struct Bar {
    bar: Option<ProgressBar>,
    /// What a unit of work is called in the bar's message (`variant`), if the bar counts them.
    unit: Option<&'static str>,
}

impl Bar {
    /// A bar over `total_paths` paths, hidden when `quiet` or when stderr is not a terminal;
    /// `unit` names the units of work shown beside it (`variant 2/5`). Made when the work
    /// begins: from now on Ctrl-C asks it to stop.
    pub fn new(total_paths: u64, quiet: bool, unit: Option<&'static str>) -> Bar {
        let show = !quiet && std::io::stderr().is_terminal();
        let bar = show.then(|| {
            let bar = ProgressBar::new(total_paths);
            bar.set_style(style(unit.is_some()));
            bar
        });
        *WORKING.lock().unwrap_or_else(|e| e.into_inner()) = true;
        Bar { bar, unit }
    }

    /// Show the standard error against `target` beside the paths (`se €61.2k → €50.0k`), for a
    /// run to a target standard error: updated after each batch ([`Observer::precision`]); the
    /// limit is the bar's length.
    pub fn aiming_at(&self, target: &TargetSe) {
        if let Some(bar) = &self.bar {
            bar.set_style(style(true));
            bar.set_message(se_message(None, target));
        }
    }

    /// Remove the bar from the terminal.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

impl Observer for Bar {
    fn progress(&self, p: Progress) {
        if let Some(bar) = &self.bar {
            bar.set_position(p.paths_done);
            if let Some(unit) = self.unit {
                bar.set_message(format!(
                    "{unit} {}/{}",
                    (p.units_done + 1).min(p.units_total),
                    p.units_total
                ));
            }
        }
    }

    fn precision(&self, status: &Status) {
        if let Some(bar) = &self.bar {
            bar.set_message(se_message(status.se, &status.target));
        }
    }

    fn should_stop(&self) -> bool {
        INTERRUPTED.load(Ordering::Relaxed)
    }

    fn stop_flag(&self) -> Option<&AtomicBool> {
        Some(&INTERRUPTED)
    }

    fn left_behind(&self, left: &LeftBehind) {
        // Said even with --quiet: the space is taken whether or not the user asked for quiet.
        if let Some(bar) = &self.bar {
            bar.suspend(|| super::warn(left));
        } else {
            super::warn(left);
        }
    }
}

/// The bar's look: with a message beside the paths (`variant 2/5`, `se €61.2k → €50.0k`) or
/// without.
fn style(message: bool) -> ProgressStyle {
    let template = if message {
        "{bar:40.cyan/blue} {pos}/{len} paths  {msg}  {rate}  ETA {eta}"
    } else {
        "{bar:40.cyan/blue} {pos}/{len} paths  {rate}  ETA {eta}"
    };
    ProgressStyle::with_template(template)
        .expect("a valid template")
        .with_key(
            "rate",
            |state: &ProgressState, w: &mut dyn std::fmt::Write| {
                let _ = write!(w, "{}", rate(state.per_sec()));
            },
        )
}

/// The standard error so far against the target, in the metric's unit: `se €61.2k → €50.0k`
/// (`se – → €50.0k` before the first batch is done).
fn se_message(se: Option<f64>, target: &TargetSe) -> String {
    let unit = target.metric.unit();
    let now = se.map_or("–".to_string(), |s| unit.error(s));
    format!("se {now} → {}", unit.error(target.target))
}

/// Paths a second as the bar shows them: `217 paths/s` (indicatif's own `{per_sec}` shows
/// `217.0789/s`).
fn rate(per_second: f64) -> String {
    if per_second.is_finite() && per_second >= 0.0 {
        format!("{per_second:.0} paths/s")
    } else {
        "– paths/s".to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::rate;

    #[test]
    fn the_standard_error_is_shown_against_its_target() {
        let target: microfolio::precision::TargetSe = "cost_to_state=50e3".parse().unwrap();
        assert_eq!(
            super::se_message(Some(61_234.0), &target),
            "se €61.2k → €50.0k"
        );
        assert_eq!(super::se_message(None, &target), "se – → €50.0k");
    }

    #[test]
    fn the_rate_is_whole_paths_a_second() {
        assert_eq!(rate(217.0789), "217 paths/s");
        assert_eq!(rate(0.4), "0 paths/s");
        assert_eq!(rate(f64::NAN), "– paths/s");
    }
}
