//! QR codes as inline SVG, drawn on the server so the page needs no script (the `qrcode`
//! crate encodes; this module only picks segments and labels the image).
//!
//! Inline, never an `<img src>` to us: a link's QR code holds its key, which must not travel
//! back to the server in an address.

use qrcode::bits::Bits;
use qrcode::render::svg;
use qrcode::{EcLevel, QrCode, Version};

/// A QR code of `text` (byte mode), as an SVG element labelled `label` for screen readers.
pub fn svg_of_text(text: &str, label: &str) -> anyhow::Result<String> {
    let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M)?;
    Ok(render(&code, label))
}

/// A SMART Health Card's QR code: `shc:/` in byte mode and the digits in numeric mode, error
/// correction L, one chunk, the smallest version that holds it (the specification's cards fit
/// version 22; a longer card takes a larger version rather than failing).
pub fn svg_of_health_card(numeric: &str, label: &str) -> anyhow::Result<String> {
    let digits = numeric
        .strip_prefix("shc:/")
        .ok_or_else(|| anyhow::anyhow!("not a shc:/ string"))?;
    for version in 1..=40 {
        let mut bits = Bits::new(Version::Normal(version));
        let fits = bits.push_byte_data(b"shc:/").is_ok()
            && bits.push_numeric_data(digits.as_bytes()).is_ok()
            && bits.push_terminator(EcLevel::L).is_ok();
        if fits {
            let code = QrCode::with_bits(bits, EcLevel::L)?;
            return Ok(render(&code, label));
        }
    }
    anyhow::bail!("the health card is too long for one QR code")
}

fn render(code: &QrCode, label: &str) -> String {
    let drawn = code
        .render::<svg::Color>()
        .min_dimensions(240, 240)
        .quiet_zone(true)
        .dark_color(svg::Color("#000000"))
        .light_color(svg::Color("#ffffff"))
        .build();
    // Inline in HTML: without the XML declaration, and named for assistive technology.
    let element = drawn.find("<svg").map(|at| &drawn[at..]).unwrap_or(&drawn);
    let label = tera::escape_html(label);
    element.replacen(
        "<svg",
        &format!(r#"<svg role="img" aria-label="{label}" class="qr""#),
        1,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_qr_code_is_an_inline_labelled_svg() {
        let svg = svg_of_text("shlink:/eyJ1cmwiOiJodHRwczovL2EifQ", "QR code \"x\"").unwrap();
        assert!(svg.starts_with(r#"<svg role="img" aria-label="QR code &quot;x&quot;""#));
        assert!(!svg.contains("<?xml"));
        let card = svg_of_health_card("shc:/5676290952432060", "card").unwrap();
        assert!(card.starts_with("<svg"));
        assert!(svg_of_health_card("nope", "card").is_err());
    }
}
