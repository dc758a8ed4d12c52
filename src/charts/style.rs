//! The look shared by every chart: the embedded font, the Okabe–Ito palette, text sizes, line
//! looks, and round axis ticks (their labels are written by `crate::units::Unit::tick`).
//!
//! The palette is Okabe & Ito (2008), "Color Universal Design", which stays distinguishable
//! under the common colour-vision deficiencies. Every chart also separates its series by
//! lightness and dash pattern, so that it still reads when printed in grey.

use std::sync::OnceLock;

use std::ops::Range;

use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged};
use plotters::coord::types::RangedCoordf64;
use plotters::style::{FontStyle, RGBColor, register_font};

/// Chart size in pixels: readable as is, and the size of the PNG.
pub const WIDTH: u32 = 800;
pub const HEIGHT: u32 = 500;

/// The family every text is drawn with. plotters uses this one string both to look up the
/// registered font and as the SVG `font-family`, so it is a CSS font list: a browser showing
/// the SVG uses DejaVu Sans if it has it, else Verdana (drawn to the same metrics as DejaVu's
/// ancestor Bitstream Vera), so text fits the layout computed with the embedded font.
pub const FONT: &str = "DejaVu Sans, Verdana, sans-serif";

/// Text sizes in pixels (plotters' ab_glyph scale: ascender to descender).
pub const TITLE_SIZE: f64 = 21.0;
pub const LABEL_SIZE: f64 = 17.0;
pub const TICK_SIZE: f64 = 16.0;
pub const NOTE_SIZE: f64 = 14.0;

/// DejaVu Sans, compiled in: see `assets/fonts/README.md`.
pub(super) static DEJAVU_SANS: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");

/// Register the embedded font with plotters once per process. Without it, drawing text with
/// the `ab_glyph` feature fails (there is no system font lookup on purpose).
pub fn ensure_font() -> Result<(), String> {
    static REGISTERED: OnceLock<Result<(), String>> = OnceLock::new();
    REGISTERED
        .get_or_init(|| {
            register_font(FONT, FontStyle::Normal, DEJAVU_SANS)
                .map_err(|_| "the embedded DejaVu Sans font does not load".to_string())
        })
        .clone()
}

/// Okabe–Ito colours.
pub const BLACK: RGBColor = RGBColor(0, 0, 0);
pub const ORANGE: RGBColor = RGBColor(230, 159, 0);
pub const SKY_BLUE: RGBColor = RGBColor(86, 180, 233);
pub const BLUE: RGBColor = RGBColor(0, 114, 178);
pub const VERMILLION: RGBColor = RGBColor(213, 94, 0);
pub const REDDISH_PURPLE: RGBColor = RGBColor(204, 121, 167);
/// Greys for text and grid lines (not part of the palette, neutral in print).
pub const DARK_GREY: RGBColor = RGBColor(64, 64, 64);
pub const GRID_GREY: RGBColor = RGBColor(218, 218, 218);

/// Evenly spaced round tick values (steps of 1, 2, 2.5 or 5 times a power of ten) covering
/// `lo..=hi` with about `target` intervals. Returns the ticks and the step; the first and last
/// tick enclose the data, so they make the axis range.
pub fn nice_ticks(lo: f64, hi: f64, target: usize) -> (Vec<f64>, f64) {
    let (mut lo, mut hi) = (lo.min(hi), lo.max(hi));
    if !(lo.is_finite() && hi.is_finite()) {
        (lo, hi) = (0.0, 1.0);
    }
    if hi - lo <= f64::EPSILON * hi.abs().max(lo.abs()).max(1.0) {
        // A single value: open a small window around it.
        let pad = (hi.abs() * 0.1).max(1.0);
        lo -= pad;
        hi += pad;
    }
    let raw = (hi - lo) / target.max(1) as f64;
    let magnitude = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * magnitude)
        .find(|s| *s >= raw * (1.0 - 1e-9))
        .unwrap_or(10.0 * magnitude);
    // The tolerance keeps a bound that is a multiple of the step from adding a tick beyond it.
    let first = (lo / step + 1e-9).floor() as i64;
    let last = (hi / step - 1e-9).ceil() as i64;
    let ticks = (first..=last).map(|k| k as f64 * step).collect();
    (ticks, step)
}

/// A numeric axis whose grid lines and labels sit exactly at chosen ticks (round values from
/// [`nice_ticks`], or calendar years). plotters' own `with_key_points` wrapper cannot be given
/// a label formatter for `f64` axes in 0.3.7, hence this small coordinate type.
#[derive(Clone)]
pub struct TickAxis {
    inner: RangedCoordf64,
    ticks: Vec<f64>,
}

impl TickAxis {
    /// An axis over `range` with grid lines and labels at `ticks`.
    pub fn new(range: Range<f64>, ticks: Vec<f64>) -> TickAxis {
        TickAxis {
            inner: range.into(),
            ticks,
        }
    }

    /// The values of the grid lines and labels.
    pub fn ticks(&self) -> &[f64] {
        &self.ticks
    }

    /// An axis from the first to the last of `ticks`.
    pub fn spanning(ticks: &[f64]) -> TickAxis {
        let range = match (ticks.first(), ticks.last()) {
            (Some(a), Some(b)) if b > a => *a..*b,
            _ => 0.0..1.0,
        };
        TickAxis::new(range, ticks.to_vec())
    }
}

impl Ranged for TickAxis {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        self.inner.map(value, limit)
    }

    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        // Only major grid lines: minor ones add noise at 800 px and in grey print.
        if hint.weight().allow_light_points() {
            Vec::new()
        } else {
            self.ticks.clone()
        }
    }

    fn range(&self) -> Range<f64> {
        self.inner.range()
    }
}

/// A dash pattern for a line: dash and gap lengths in pixels, or solid.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Dash {
    Solid,
    Dashed { on: u32, off: u32 },
}

impl Dash {
    /// Dash and gap lengths, as plotters' dashed series take them (solid: no gap).
    pub fn pattern(self) -> (u32, u32) {
        match self {
            Dash::Dashed { on, off } => (on, off),
            Dash::Solid => (1, 0),
        }
    }
}

/// The look of a line, used both for the series and for its legend swatch.
#[derive(Debug, Clone, Copy)]
pub struct LineLook {
    pub color: RGBColor,
    pub width: u32,
    pub dash: Dash,
}

impl LineLook {
    /// A solid line `width` pixels wide.
    pub const fn solid(color: RGBColor, width: u32) -> LineLook {
        LineLook {
            color,
            width,
            dash: Dash::Solid,
        }
    }

    /// A dashed line `width` pixels wide: dashes of `on` pixels, gaps of `off`.
    pub const fn dashed(color: RGBColor, width: u32, on: u32, off: u32) -> LineLook {
        LineLook {
            color,
            width,
            dash: Dash::Dashed { on, off },
        }
    }
}

/// The two lines of a chart of a distribution over paths, the same on every such chart: the
/// main one, solid (a fan's median, a sweep's mean), and the one beside it, dashed and lighter
/// in grey print (a fan's mean, a sweep's median).
pub const MAIN_LINE: LineLook = LineLook::solid(BLUE, 3);
pub const SECOND_LINE: LineLook = LineLook::dashed(VERMILLION, 2, 7, 5);

/// What a legend entry shows before its text.
#[derive(Debug, Clone, Copy)]
pub enum Swatch {
    /// A filled box, as for a band or a bar: colour and opacity.
    Fill(RGBColor, f64),
    Line(LineLook),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_round_and_cover_the_data() {
        let (t, step) = nice_ticks(0.0, 137e6, 6);
        assert_eq!(step, 25e6);
        assert_eq!(t.first(), Some(&0.0));
        assert!(*t.last().unwrap() >= 137e6);
        let (t, step) = nice_ticks(-3.2e6, 41e6, 6);
        assert_eq!(step, 10e6);
        assert_eq!(t[0], -10e6);
        let (t, _) = nice_ticks(5.0, 5.0, 5);
        assert!(t[0] < 5.0 && *t.last().unwrap() > 5.0);
    }
}
