//! The progress bar on stderr (when stderr is a terminal) and Ctrl-C, for runs and studies
//! alike: the first Ctrl-C asks the driver to stop before its next path (the worker threads
//! read the flag), so that nothing half-written is left and the earlier result stays.

use std::io::IsTerminal;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use indicatif::{ProgressBar, ProgressState, ProgressStyle};
use microfolio::{Observer, Progress};

/// The bar over every path of the work, and the Ctrl-C flag.
pub struct Bar {
    bar: Option<ProgressBar>,
    interrupted: Arc<AtomicBool>,
    /// What a unit of work is called in the bar's message (`variant`), if the bar counts them.
    unit: Option<&'static str>,
}

impl Bar {
    /// A bar over `total_paths` paths, hidden when `quiet` or when stderr is not a terminal;
    /// `unit` names the units of work shown beside it (`variant 2/5`).
    pub fn new(total_paths: u64, quiet: bool, unit: Option<&'static str>) -> Bar {
        let show = !quiet && std::io::stderr().is_terminal();
        let template = if unit.is_some() {
            "{bar:40.cyan/blue} {pos}/{len} paths  {msg}  {rate}  ETA {eta}"
        } else {
            "{bar:40.cyan/blue} {pos}/{len} paths  {rate}  ETA {eta}"
        };
        let bar = show.then(|| {
            let bar = ProgressBar::new(total_paths);
            let style = ProgressStyle::with_template(template)
                .expect("a valid template")
                .with_key(
                    "rate",
                    |state: &ProgressState, w: &mut dyn std::fmt::Write| {
                        let _ = write!(w, "{}", rate(state.per_sec()));
                    },
                );
            bar.set_style(style);
            bar
        });
        let interrupted = Arc::new(AtomicBool::new(false));
        let flag = interrupted.clone();
        // If the handler cannot be installed (e.g. one is already set), Ctrl-C still ends the
        // process, and the staging folder it leaves is hidden and never looks like a result.
        let _ = ctrlc::set_handler(move || flag.store(true, Ordering::Relaxed));
        Bar {
            bar,
            interrupted,
            unit,
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

    fn should_stop(&self) -> bool {
        self.interrupted.load(Ordering::Relaxed)
    }

    fn stop_flag(&self) -> Option<&AtomicBool> {
        Some(&self.interrupted)
    }
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
    fn the_rate_is_whole_paths_a_second() {
        assert_eq!(rate(217.0789), "217 paths/s");
        assert_eq!(rate(0.4), "0 paths/s");
        assert_eq!(rate(f64::NAN), "– paths/s");
    }
}
