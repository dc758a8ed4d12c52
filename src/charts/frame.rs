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

use super::fit::{TextBox, TextLog};
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

/// A figure drawn: the SVG document, the PNG file's bytes, and the box of every text on it.
pub struct Rendered {
    pub svg: String,
    pub png: Vec<u8>,
    pub text_boxes: Vec<TextBox>,
}

/// Draw `figure` as an SVG document and as PNG bytes, both `WIDTH` x `HEIGHT`, and log the box
/// of every text it draws ([`super::fit`]).
pub fn render(figure: &impl Figure) -> Result<Rendered, String> {
    ensure_font()?;
    let mut text_boxes = Vec::new();
    {
        let root = TextLog::new(&mut text_boxes, (WIDTH, HEIGHT)).into_drawing_area();
        figure.draw(&root).map_err(|e| format!("layout: {e}"))?;
    }
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
    Ok(Rendered {
        svg,
        png,
        text_boxes,
    })
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

/// The width in pixels of `text` in `style`, as plotters lays it out.
pub fn text_width<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    text: &str,
    style: &TextStyle,
) -> DrawResult<i32, DB> {
    Ok(root.estimate_text_size(text, style)?.0 as i32)
}

/// `text` cut into lines no wider than `width` pixels in `style`: at spaces where it can be, and
/// inside a word only when the word alone is too wide.
pub fn wrap<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    text: &str,
    style: &TextStyle,
    width: i32,
) -> DrawResult<Vec<String>, DB> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        let candidate = if line.is_empty() {
            word.to_string()
        } else {
            format!("{line} {word}")
        };
        if text_width(root, &candidate, style)? <= width {
            line = candidate;
            continue;
        }
        if !line.is_empty() {
            lines.push(std::mem::take(&mut line));
        }
        // A word wider than the line is cut where it must be.
        for c in word.chars() {
            let mut longer = line.clone();
            longer.push(c);
            if !line.is_empty() && text_width(root, &longer, style)? > width {
                lines.push(std::mem::take(&mut line));
                line.push(c);
            } else {
                line = longer;
            }
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    Ok(lines)
}

/// `text` cut to `width` pixels in `style`, ending in `…` where it was cut.
pub fn ellipsize<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    text: &str,
    style: &TextStyle,
    width: i32,
) -> DrawResult<String, DB> {
    if text_width(root, text, style)? <= width {
        return Ok(text.to_string());
    }
    let chars: Vec<char> = text.chars().collect();
    let mut keep = chars.len();
    while keep > 0 {
        keep -= 1;
        let cut: String = chars[..keep]
            .iter()
            .collect::<String>()
            .trim_end()
            .to_string()
            + "…";
        if text_width(root, &cut, style)? <= width {
            return Ok(cut);
        }
    }
    Ok("…".to_string())
}

/// The lines of the facts: wrapped to the width, at most two; parts after a ` · ` are left out
/// where they would need a third (the report's caption says everything).
fn fact_lines<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    facts: &str,
    width: i32,
) -> DrawResult<Vec<String>, DB> {
    let style = text(LABEL_SIZE, &BLACK);
    let parts: Vec<&str> = facts.split(" · ").collect();
    for keep in (1..=parts.len()).rev() {
        let lines = wrap(root, &parts[..keep].join(" · "), &style, width)?;
        if lines.len() <= 2 || keep == 1 {
            return Ok(lines.into_iter().take(2).collect());
        }
    }
    Ok(Vec::new())
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
/// The smallest sizes a title and a footnote shrink to before they wrap.
const MIN_TITLE_SIZE: f64 = 16.0;
const MIN_NOTE_SIZE: f64 = 12.0;
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

        // A long scenario name must not run off the chart: the title shrinks, then wraps.
        let mut size = TITLE_SIZE;
        while size > MIN_TITLE_SIZE && text_width(root, self.title, &text(size, &BLACK))? > width {
            size -= 1.0;
        }
        let title_lines = wrap(root, self.title, &text(size, &BLACK), width)?;
        let mut y = 10;
        for line in title_lines.iter().take(2) {
            root.draw(&Text::new(
                line.as_str(),
                (SIDE, y),
                text(size, &BLACK).pos(Pos::new(HPos::Left, VPos::Top)),
            ))?;
            y += size as i32 + 5;
        }
        y = y.max(10 + TITLE_SIZE as i32 + 5) + 5;

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
            for line in fact_lines(root, facts, width)? {
                root.draw(&Text::new(
                    line,
                    (SIDE, y + 2),
                    text(LABEL_SIZE, &BLACK).pos(Pos::new(HPos::Left, VPos::Top)),
                ))?;
                y += ROW_H;
            }
        }
        // The footnote wraps, from the bottom up, and shrinks if it would take more than
        // three lines.
        let mut bottom = 4;
        if let Some(note) = self.footnote {
            let mut size = NOTE_SIZE;
            let mut lines = wrap(root, note, &text(size, &DARK_GREY), width)?;
            while lines.len() > 3 && size > MIN_NOTE_SIZE {
                size -= 1.0;
                lines = wrap(root, note, &text(size, &DARK_GREY), width)?;
            }
            let step = size as i32 + 4;
            let mut line_y = HEIGHT as i32 - 6;
            for line in lines.iter().rev() {
                root.draw(&Text::new(
                    line.as_str(),
                    (SIDE, line_y),
                    text(size, &DARK_GREY).pos(Pos::new(HPos::Left, VPos::Bottom)),
                ))?;
                line_y -= step;
            }
            bottom = HEIGHT as i32 - line_y + 2;
        }
        Ok(root.margin(y + 4, bottom, 0, 0))
    }
}
