//! The PNG drawing backend: plotters' bitmap backend with text drawn by our own glyph loop.
//!
//! plotters 0.3.7 draws `ab_glyph` text with each glyph's left side bearing dropped and its
//! position rounded down to whole pixels, which makes letters visibly uneven ("Capit al").
//! Here each glyph is placed at its exact (sub-pixel) pen position with kerning, as the font
//! says, and its coverage is blended into the image. Everything else is the bitmap backend's.

use std::sync::OnceLock;

use ab_glyph::{Font, FontRef, PxScale, ScaleFont, point};
use plotters::backend::BitMapBackend;
use plotters_backend::text_anchor::{HPos, VPos};
use plotters_backend::{
    BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingBackend, DrawingErrorKind,
};

use super::style::DEJAVU_SANS;

/// A bitmap backend whose text is drawn with correct glyph placement.
pub struct PngBackend<'a> {
    inner: BitMapBackend<'a>,
}

impl<'a> PngBackend<'a> {
    /// Draw into an RGB buffer of `size` pixels.
    pub fn with_buffer(buf: &'a mut [u8], size: (u32, u32)) -> PngBackend<'a> {
        PngBackend {
            inner: BitMapBackend::with_buffer(buf, size),
        }
    }
}

/// The embedded font, parsed once.
fn font() -> Option<&'static FontRef<'static>> {
    static FONT: OnceLock<Option<FontRef<'static>>> = OnceLock::new();
    FONT.get_or_init(|| FontRef::try_from_slice(DEJAVU_SANS).ok())
        .as_ref()
}

/// Where the baseline of text of `size` pixels sits below the top of its layout box of
/// `height` pixels: the capitals are centred in the box, so that labels sit level with their
/// ticks.
fn baseline(font: &FontRef<'static>, size: f64, height: i32) -> f32 {
    let scaled = font.as_scaled(PxScale::from(size as f32));
    let cap_height = font
        .outline_glyph(scaled.scaled_glyph('H'))
        .map_or(scaled.ascent() * 0.78, |g| -g.px_bounds().min.y);
    (height as f32 + cap_height) / 2.0
}

/// The rows that text of `size` pixels laid out in a box of `height` pixels may ink, from
/// the top of the box: from the font's ascender to its descender around the baseline the PNG
/// backend draws it on (accents and descenders included).
pub(super) fn ink_rows(size: f64, height: i32) -> (i32, i32) {
    let Some(font) = font() else {
        return (0, height);
    };
    let scaled = font.as_scaled(PxScale::from(size as f32));
    let base = baseline(font, size, height);
    (
        (base - scaled.ascent()).floor() as i32,
        (base - scaled.descent()).ceil() as i32,
    )
}

type Error<'a> = DrawingErrorKind<<BitMapBackend<'a> as DrawingBackend>::ErrorType>;

impl<'a> DrawingBackend for PngBackend<'a> {
    type ErrorType = <BitMapBackend<'a> as DrawingBackend>::ErrorType;

    fn get_size(&self) -> (u32, u32) {
        self.inner.get_size()
    }

    fn ensure_prepared(&mut self) -> Result<(), Error<'a>> {
        self.inner.ensure_prepared()
    }

    fn present(&mut self) -> Result<(), Error<'a>> {
        self.inner.present()
    }

    fn draw_pixel(&mut self, point: BackendCoord, color: BackendColor) -> Result<(), Error<'a>> {
        self.inner.draw_pixel(point, color)
    }

    fn draw_line<S: BackendStyle>(
        &mut self,
        from: BackendCoord,
        to: BackendCoord,
        style: &S,
    ) -> Result<(), Error<'a>> {
        self.inner.draw_line(from, to, style)
    }

    fn draw_rect<S: BackendStyle>(
        &mut self,
        upper_left: BackendCoord,
        bottom_right: BackendCoord,
        style: &S,
        fill: bool,
    ) -> Result<(), Error<'a>> {
        self.inner.draw_rect(upper_left, bottom_right, style, fill)
    }

    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> Result<(), Error<'a>> {
        self.inner.draw_path(path, style)
    }

    fn draw_circle<S: BackendStyle>(
        &mut self,
        center: BackendCoord,
        radius: u32,
        style: &S,
        fill: bool,
    ) -> Result<(), Error<'a>> {
        self.inner.draw_circle(center, radius, style, fill)
    }

    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vert: I,
        style: &S,
    ) -> Result<(), Error<'a>> {
        self.inner.fill_polygon(vert, style)
    }

    fn blit_bitmap(
        &mut self,
        pos: BackendCoord,
        size: (u32, u32),
        src: &[u8],
    ) -> Result<(), Error<'a>> {
        self.inner.blit_bitmap(pos, size, src)
    }

    fn draw_text<T: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &T,
        pos: BackendCoord,
    ) -> Result<(), Error<'a>> {
        let color = style.color();
        if color.alpha == 0.0 {
            return Ok(());
        }
        let Some(font) = font() else {
            // Cannot happen with the embedded font; fall back to plotters' own drawing.
            return self.inner.draw_text(text, style, pos);
        };
        // The box plotters lays out with (the same estimate as for this text's neighbours).
        let ((x0, y0), (x1, y1)) = style
            .layout_box(text)
            .map_err(|e| DrawingErrorKind::FontError(Box::new(e)))?;
        let (width, height) = (x1 - x0, y1 - y0);
        let dx = match style.anchor().h_pos {
            HPos::Left => 0,
            HPos::Right => -width,
            HPos::Center => -width / 2,
        };
        let dy = match style.anchor().v_pos {
            VPos::Top => 0,
            VPos::Center => -height / 2,
            VPos::Bottom => -height,
        };
        let scale = PxScale::from(style.size() as f32);
        let scaled = font.as_scaled(scale);
        let baseline = baseline(font, style.size(), height);
        let transform = style.transform();
        let (w, h) = self.get_size();

        let mut pen = 0.0f32;
        let mut previous = None;
        let mut result = Ok(());
        for c in text.chars() {
            let id = scaled.glyph_id(c);
            if let Some(p) = previous {
                pen += scaled.kern(p, id);
            }
            previous = Some(id);
            let glyph = id.with_scale_and_position(scale, point(pen, baseline));
            pen += scaled.h_advance(id);
            let Some(outline) = font.outline_glyph(glyph) else {
                continue; // a space
            };
            let bounds = outline.px_bounds();
            outline.draw(|gx, gy, coverage| {
                if result.is_err() || coverage <= 0.0 {
                    return;
                }
                let lx = bounds.min.x as i32 + gx as i32 + dx;
                let ly = bounds.min.y as i32 + gy as i32 + dy;
                let (tx, ty) = transform.transform(lx, ly);
                let (x, y) = (pos.0 + tx, pos.1 + ty);
                if x >= 0 && y >= 0 && (x as u32) < w && (y as u32) < h {
                    result = self.inner.draw_pixel(
                        (x, y),
                        BackendColor {
                            alpha: color.alpha * f64::from(coverage.min(1.0)),
                            rgb: color.rgb,
                        },
                    );
                }
            });
            if result.is_err() {
                break;
            }
        }
        result
    }
}
