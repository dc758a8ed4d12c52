//! Whether a chart's text fits: every text box inside the canvas and clear of every other.
//!
//! Each chart is drawn once more on [`TextLog`], a drawing backend that draws nothing and logs
//! the box of every text it is asked to draw, measured with the embedded font as the PNG
//! backend lays it out (`raster.rs`: the box plotters' `ab_glyph` text estimate gives, placed
//! by its anchor and turned with its rotation). A browser showing the SVG lays text out with the
//! same metrics (DejaVu Sans, or Verdana drawn to them), so the boxes hold for both files. The
//! boxes travel with the chart ([`crate::charts::Chart::text_boxes`]), and [`problems`] says
//! what does not fit: the tests draw every chart of every study kind and require none.

use plotters_backend::text_anchor::{HPos, VPos};
use plotters_backend::{
    BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingBackend, DrawingErrorKind,
};

use super::style::{HEIGHT, WIDTH};

/// The box of one text drawn on a chart, in pixels of the canvas (`x0 < x1`, `y0 < y1`).
#[derive(Debug, Clone, PartialEq)]
pub struct TextBox {
    pub text: String,
    pub x0: i32,
    pub y0: i32,
    pub x1: i32,
    pub y1: i32,
}

impl TextBox {
    /// Whether this box and `other` share more than `slack` pixels each way.
    pub fn overlaps(&self, other: &TextBox, slack: i32) -> bool {
        self.x0 + slack < other.x1
            && other.x0 + slack < self.x1
            && self.y0 + slack < other.y1
            && other.y0 + slack < self.y1
    }

    /// Whether the box lies within a canvas of `width` × `height` pixels.
    pub fn inside(&self, width: u32, height: u32) -> bool {
        self.x0 >= 0 && self.y0 >= 0 && self.x1 <= width as i32 && self.y1 <= height as i32
    }
}

/// Pixels two boxes may share: the boxes run from the font's ascender to its descender, so
/// neighbouring lines of text touch where no ink does.
pub const SLACK: i32 = 1;

/// What does not fit among `boxes` on the chart's canvas: a box outside it, or two boxes over
/// each other, each said in a line naming the texts. Empty when everything fits.
pub fn problems(boxes: &[TextBox]) -> Vec<String> {
    let mut out = Vec::new();
    for b in boxes {
        if !b.inside(WIDTH, HEIGHT) {
            out.push(format!(
                "`{}` runs off the {WIDTH}×{HEIGHT} canvas: [{}, {}]–[{}, {}]",
                b.text, b.x0, b.y0, b.x1, b.y1
            ));
        }
    }
    for (i, a) in boxes.iter().enumerate() {
        for b in &boxes[i + 1..] {
            if a.overlaps(b, SLACK) {
                out.push(format!(
                    "`{}` [{}, {}]–[{}, {}] overlaps `{}` [{}, {}]–[{}, {}]",
                    a.text, a.x0, a.y0, a.x1, a.y1, b.text, b.x0, b.y0, b.x1, b.y1
                ));
            }
        }
    }
    out
}

/// A drawing backend that draws nothing and logs the box of every text.
pub struct TextLog<'a> {
    size: (u32, u32),
    boxes: &'a mut Vec<TextBox>,
}

impl<'a> TextLog<'a> {
    /// A canvas of `size` pixels whose texts go to `boxes`.
    pub fn new(boxes: &'a mut Vec<TextBox>, size: (u32, u32)) -> TextLog<'a> {
        TextLog { size, boxes }
    }
}

/// Nothing goes wrong on a backend that draws nothing.
#[derive(Debug)]
pub struct Never;

impl std::fmt::Display for Never {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("never")
    }
}

impl std::error::Error for Never {}

type Result = std::result::Result<(), DrawingErrorKind<Never>>;

impl DrawingBackend for TextLog<'_> {
    type ErrorType = Never;

    fn get_size(&self) -> (u32, u32) {
        self.size
    }

    fn ensure_prepared(&mut self) -> Result {
        Ok(())
    }

    fn present(&mut self) -> Result {
        Ok(())
    }

    fn draw_pixel(&mut self, _: BackendCoord, _: BackendColor) -> Result {
        Ok(())
    }

    fn draw_line<S: BackendStyle>(&mut self, _: BackendCoord, _: BackendCoord, _: &S) -> Result {
        Ok(())
    }

    fn draw_rect<S: BackendStyle>(
        &mut self,
        _: BackendCoord,
        _: BackendCoord,
        _: &S,
        _: bool,
    ) -> Result {
        Ok(())
    }

    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        _: I,
        _: &S,
    ) -> Result {
        Ok(())
    }

    fn draw_circle<S: BackendStyle>(&mut self, _: BackendCoord, _: u32, _: &S, _: bool) -> Result {
        Ok(())
    }

    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        _: I,
        _: &S,
    ) -> Result {
        Ok(())
    }

    fn draw_text<T: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &T,
        pos: BackendCoord,
    ) -> Result {
        if style.color().alpha == 0.0 || text.trim().is_empty() {
            return Ok(());
        }
        let ((x0, y0), (x1, y1)) = style
            .layout_box(text)
            .map_err(|e| DrawingErrorKind::FontError(Box::new(e)))?;
        let (w, h) = (x1 - x0, y1 - y0);
        // Placed as the PNG backend places it (`raster.rs`), from the ascender to the
        // descender of the font.
        let dx = match style.anchor().h_pos {
            HPos::Left => 0,
            HPos::Right => -w,
            HPos::Center => -w / 2,
        };
        let dy = match style.anchor().v_pos {
            VPos::Top => 0,
            VPos::Center => -h / 2,
            VPos::Bottom => -h,
        };
        let (top, bottom) = super::raster::ink_rows(style.size(), h);
        let t = style.transform();
        let corners = [
            (dx, dy + top),
            (dx + w, dy + top),
            (dx, dy + bottom),
            (dx + w, dy + bottom),
        ]
        .map(|(x, y)| t.transform(x, y));
        let xs = corners.map(|c| c.0);
        let ys = corners.map(|c| c.1);
        let min = |v: [i32; 4]| v.into_iter().min().unwrap_or(0);
        let max = |v: [i32; 4]| v.into_iter().max().unwrap_or(0);
        self.boxes.push(TextBox {
            text: text.to_string(),
            x0: pos.0 + min(xs),
            y0: pos.1 + min(ys),
            x1: pos.0 + max(xs),
            y1: pos.1 + max(ys),
        });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b(text: &str, x0: i32, y0: i32, x1: i32, y1: i32) -> TextBox {
        TextBox {
            text: text.into(),
            x0,
            y0,
            x1,
            y1,
        }
    }

    #[test]
    fn boxes_that_touch_fit_and_boxes_that_cross_do_not() {
        let a = b("a", 10, 10, 50, 27);
        assert!(!a.overlaps(&b("below", 10, 27, 50, 44), SLACK));
        assert!(!a.overlaps(&b("a pixel into it", 10, 26, 50, 44), SLACK));
        assert!(a.overlaps(&b("over it", 40, 20, 90, 37), SLACK));
        assert!(problems(&[a.clone(), b("right", 60, 10, 90, 27)]).is_empty());
        let p = problems(&[a, b("off", 780, 480, 820, 497)]);
        assert_eq!(p.len(), 1);
        assert!(p[0].contains("`off` runs off"), "{p:?}");
    }
}
