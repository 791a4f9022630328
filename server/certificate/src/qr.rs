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
