//! The QR code printed next to the number, as an SVG document (the `qrcode` crate's SVG
//! renderer; no raster image, no image crate).
//!
//! Error-correction level M (15 %) survives a printed page with a stamp or a fold, and keeps
//! a 60-character URL at version 4 (33 modules), large enough to scan from 25 mm. The quiet
//! zone (4 modules) is part of the SVG, so the template must not crop it.

use qrcode::render::svg;
use qrcode::{EcLevel, QrCode};

use crate::error::RenderError;

/// The QR code of `payload` as an SVG document.
///
/// ```
/// let svg = tdc_certificate::qr_svg("https://tdc.example.vn/v/AbC123").unwrap();
/// assert!(svg.contains("<svg"));
/// ```
pub fn qr_svg(payload: &str) -> Result<String, RenderError> {
    let code = QrCode::with_error_correction_level(payload.as_bytes(), EcLevel::M)
        .map_err(|err| RenderError::QrCode(err.to_string()))?;
    Ok(code
        .render::<svg::Color<'_>>()
        .quiet_zone(true)
        .module_dimensions(8, 8)
        .dark_color(svg::Color("#000000"))
        .light_color(svg::Color("#ffffff"))
        .build())
}

/// The QR code of `payload` as an SVG group of squares placed at (`x`, `y`) with side `size`
/// (user units, quiet zone included), to draw inside another SVG such as a sample label.
///
/// ```
/// let g = tdc_certificate::qr::qr_svg_group("M26-0117", 2.0, 2.0, 20.0).unwrap();
/// assert!(g.starts_with("<g") && g.contains("<rect"));
/// ```
pub fn qr_svg_group(payload: &str, x: f64, y: f64, size: f64) -> Result<String, RenderError> {
    use std::fmt::Write as _;
    let code = QrCode::with_error_correction_level(payload.as_bytes(), EcLevel::M)
        .map_err(|err| RenderError::QrCode(err.to_string()))?;
    let width = code.width();
    let modules = code.to_colors();
    // Four modules of quiet zone on each side.
    #[allow(clippy::cast_precision_loss)]
    let cell = size / (width + 8) as f64;
    let mut out = format!(
        "<g><rect x=\"{x}\" y=\"{y}\" width=\"{size}\" height=\"{size}\" fill=\"#ffffff\"/>"
    );
    for (i, color) in modules.iter().enumerate() {
        if *color == qrcode::Color::Dark {
            #[allow(clippy::cast_precision_loss)]
            let (cx, cy) = ((i % width + 4) as f64, (i / width + 4) as f64);
            let _ = write!(
                out,
                "<rect x=\"{:.3}\" y=\"{:.3}\" width=\"{cell:.3}\" height=\"{cell:.3}\" fill=\"#000000\"/>",
                x + cx * cell,
                y + cy * cell
            );
        }
    }
    out.push_str("</g>");
    Ok(out)
}
