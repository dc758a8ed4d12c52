//! What every chart has around its plot: a title, a legend strip, a line of facts and a
//! footnote, laid out above and below the plot so that they never hide data; and the drawing
//! of one figure into both an SVG document and a PNG image.
//!
//! The legend is drawn here rather than with plotters' series labels because those sit inside
//! the plot, where they cover a fan's band or a histogram's tail.

use plotters::backend::{DrawingBackend, SVGBackend};
use plotters::coord::Shift;
use plotters::drawing::{DrawingArea, DrawingAreaErrorKind, IntoDrawingArea};
use plotters::element::{DashedPathElement, PathElement, Rectangle, Text};
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::{Color, IntoFont, RGBColor, ShapeStyle, TextStyle, WHITE};

use super::raster::PngBackend;
use super::style::{
    BLACK, DARK_GREY, Dash, FONT, HEIGHT, LABEL_SIZE, LineLook, NOTE_SIZE, Swatch, TITLE_SIZE,
    WIDTH, ensure_font,
};

/// The result of a drawing call on backend `DB`.
pub type DrawResult<T, DB> = Result<T, DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

/// A chart that can draw itself on any plotters backend.
pub trait Figure {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<(), DB>;
}

/// Draw `figure` as an SVG document and as PNG bytes, both `WIDTH` x `HEIGHT`.
pub fn render(figure: &impl Figure) -> Result<(String, Vec<u8>), String> {
    ensure_font()?;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area();
        figure.draw(&root).map_err(|e| format!("SVG: {e}"))?;
        root.present().map_err(|e| format!("SVG: {e}"))?;
    }
    let mut rgb = vec![0u8; WIDTH as usize * HEIGHT as usize * 3];
    {
        let root = PngBackend::with_buffer(&mut rgb, (WIDTH, HEIGHT)).into_drawing_area();
        figure.draw(&root).map_err(|e| format!("PNG: {e}"))?;
        root.present().map_err(|e| format!("PNG: {e}"))?;
    }
    let png = encode_png(&rgb).map_err(|e| format!("PNG: {e}"))?;
    Ok((svg, png))
}

/// RGB bytes to a PNG file's bytes. Encoded here with the `png` crate rather than plotters'
/// `image` feature, which would pull in a whole image-processing stack for one format.
fn encode_png(rgb: &[u8]) -> Result<Vec<u8>, png::EncodingError> {
    let mut out = Vec::with_capacity(rgb.len() / 4);
    {
        let mut encoder = png::Encoder::new(&mut out, WIDTH, HEIGHT);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        // Charts are mostly flat colour: the fast deflate level already compresses them well.
        encoder.set_compression(png::Compression::Fast);
        let mut writer = encoder.write_header()?;
        writer.write_image_data(rgb)?;
        writer.finish()?;
    }
    Ok(out)
}

/// A text style in the embedded font.
pub fn text(size: f64, color: &RGBColor) -> TextStyle<'_> {
    (FONT, size).into_font().color(color)
}

/// Stroke style of a line look.
pub fn stroke(look: &LineLook) -> ShapeStyle {
    ShapeStyle {
        color: look.color.to_rgba(),
        filled: false,
        stroke_width: look.width,
    }
}

/// Draw a line in pixel coordinates of `area`, solid or dashed.
pub fn draw_line<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    look: &LineLook,
    from: (i32, i32),
    to: (i32, i32),
) -> DrawResult<(), DB> {
    match look.dash {
        Dash::Solid => area.draw(&PathElement::new(vec![from, to], stroke(look))),
        Dash::Dashed { on, off } => area.draw(&DashedPathElement::new(
            vec![from, to],
            on,
            off,
            stroke(look),
        )),
    }
}

/// The texts around a plot.
pub struct Frame<'a> {
    pub title: &'a str,
    pub legend: &'a [(Swatch, String)],
    /// A line of key facts under the legend (e.g. a probability), if any; cut before a ` · `
    /// where it would not fit.
    pub facts: Option<&'a str>,
    /// A caveat at the bottom (e.g. how capital is valued), if any.
    pub footnote: Option<&'a str>,
}

/// The line of facts cut before a ` · ` so that it fits the chart's width (the caption in the
/// report says everything).
fn fit_facts<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    facts: &str,
) -> DrawResult<String, DB> {
    let width = WIDTH as i32 - 32;
    let style = text(LABEL_SIZE, &BLACK);
    let mut line = String::new();
    for part in facts.split(" · ") {
        let candidate = if line.is_empty() {
            part.to_string()
        } else {
            format!("{line} · {part}")
        };
        if !line.is_empty() && root.estimate_text_size(&candidate, &style)?.0 as i32 > width {
            break;
        }
        line = candidate;
    }
    Ok(line)
}

/// The texts of a study chart around its plot: a title, a line of facts and a footnote.
#[derive(Debug, Clone, PartialEq)]
pub struct Texts {
    pub title: String,
    pub facts: String,
    pub footnote: Option<String>,
}

impl Texts {
    /// The frame of these texts with `legend`.
    pub fn frame<'a>(&'a self, legend: &'a [(Swatch, String)]) -> Frame<'a> {
        Frame {
            title: &self.title,
            legend,
            facts: Some(&self.facts),
            footnote: self.footnote.as_deref(),
        }
    }
}

const SIDE: i32 = 16;
const SWATCH_W: i32 = 28;
const ROW_H: i32 = 22;

impl Frame<'_> {
    /// Fill `root` white, draw the texts, and return the area left for the plot.
    pub fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
    ) -> DrawResult<DrawingArea<DB, Shift>, DB> {
        root.fill(&WHITE)?;
        let width = WIDTH as i32 - 2 * SIDE;

        // A long scenario name must not run off the chart: shrink the title until it fits.
        let mut size = TITLE_SIZE;
        while size > 12.0
            && root.estimate_text_size(self.title, &text(size, &BLACK))?.0 as i32 > width
        {
            size -= 1.0;
        }
        root.draw(&Text::new(
            self.title,
            (SIDE, 10),
            text(size, &BLACK).pos(Pos::new(HPos::Left, VPos::Top)),
        ))?;
        let mut y = 10 + TITLE_SIZE as i32 + 10;

        // Legend entries flow left to right and wrap.
        let style = text(LABEL_SIZE, &DARK_GREY);
        let mut x = SIDE;
        for (swatch, label) in self.legend {
            let w = SWATCH_W + 6 + root.estimate_text_size(label, &style)?.0 as i32;
            if x > SIDE && x + w > SIDE + width {
                x = SIDE;
                y += ROW_H;
            }
            let mid = y + ROW_H / 2 - 2;
            match swatch {
                Swatch::Fill(color, alpha) => {
                    root.draw(&Rectangle::new(
                        [(x, mid - 7), (x + SWATCH_W, mid + 7)],
                        color.mix(*alpha).filled(),
                    ))?;
                }
                Swatch::Line(look) => draw_line(root, look, (x, mid), (x + SWATCH_W, mid))?,
            }
            root.draw(&Text::new(
                label.as_str(),
                (x + SWATCH_W + 6, mid),
                style.pos(Pos::new(HPos::Left, VPos::Center)),
            ))?;
            x += w + 20;
        }
        if !self.legend.is_empty() {
            y += ROW_H;
        }
        if let Some(facts) = self.facts {
            root.draw(&Text::new(
                fit_facts(root, facts)?,
                (SIDE, y + 2),
                text(LABEL_SIZE, &BLACK).pos(Pos::new(HPos::Left, VPos::Top)),
            ))?;
            y += ROW_H;
        }
        let mut bottom = 4;
        if let Some(note) = self.footnote {
            root.draw(&Text::new(
                note,
                (SIDE, HEIGHT as i32 - 6),
                text(NOTE_SIZE, &DARK_GREY).pos(Pos::new(HPos::Left, VPos::Bottom)),
            ))?;
            bottom = NOTE_SIZE as i32 + 14;
        }
        Ok(root.margin(y + 4, bottom, 0, 0))
    }
}
