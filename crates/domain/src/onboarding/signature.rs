//! The signature a client draws (`signatureSvg`) or links (`signatureImageUrl`): the
//! practitioner's pages show both, so neither may carry script, event handlers, foreign
//! content or references to other documents.
//!
//! The SVG is read with a streaming XML parser (linear in the input, never expands
//! entities) and accepted only when it consists of drawing elements with geometry and
//! presentation attributes; anything else is refused rather than silently dropped, so what
//! is stored is exactly what was checked.

use base64::Engine;
use quick_xml::events::{BytesStart, Event};
use quick_xml::{Reader, XmlVersion};

/// Longest `signatureSvg` accepted, in bytes.
pub const MAX_SIGNATURE_SVG_BYTES: usize = 100_000;
/// Longest `https:` `signatureImageUrl`, in bytes.
pub const MAX_SIGNATURE_URL_BYTES: usize = 2_048;
/// Longest `data:image/png;base64,` `signatureImageUrl`, in bytes (about 75 KB of PNG).
pub const MAX_SIGNATURE_DATA_URL_BYTES: usize = 100_000;

/// Deepest element nesting accepted (a signature is a flat list of strokes).
const MAX_DEPTH: usize = 16;

/// Drawing elements: shapes and groups, nothing that references, embeds or scripts.
const ELEMENTS: &[&[u8]] = &[
    b"svg",
    b"g",
    b"path",
    b"line",
    b"polyline",
    b"polygon",
    b"rect",
    b"circle",
    b"ellipse",
];

/// Geometry and presentation attributes. No `href`, `xlink:href`, `on*`, `class`, `id`
/// or `xml:*`; namespace declarations are checked separately.
const ATTRIBUTES: &[&[u8]] = &[
    b"d",
    b"points",
    b"x",
    b"y",
    b"x1",
    b"y1",
    b"x2",
    b"y2",
    b"cx",
    b"cy",
    b"r",
    b"rx",
    b"ry",
    b"width",
    b"height",
    b"viewBox",
    b"preserveAspectRatio",
    b"version",
    b"transform",
    b"fill",
    b"fill-opacity",
    b"fill-rule",
    b"stroke",
    b"stroke-width",
    b"stroke-opacity",
    b"stroke-linecap",
    b"stroke-linejoin",
    b"stroke-miterlimit",
    b"stroke-dasharray",
    b"stroke-dashoffset",
    b"opacity",
    b"style",
];

/// Functions a value may call: colours and transforms (never `url(`, `expression(`, …).
const FUNCTIONS: &[&str] = &[
    "rgb",
    "rgba",
    "hsl",
    "hsla",
    "matrix",
    "translate",
    "scale",
    "rotate",
    "skewx",
    "skewy",
];

const SVG_NAMESPACE: &str = "http://www.w3.org/2000/svg";
const XLINK_NAMESPACE: &str = "http://www.w3.org/1999/xlink";
const PNG_MAGIC: &[u8] = b"\x89PNG\r\n\x1a\n";

/// Why a signature was refused (the message names the rule, never the content).
pub type Rejection = &'static str;

/// Accepts an SVG made only of drawing elements (`svg`, `g`, `path`, `line`, `polyline`,
/// `polygon`, `rect`, `circle`, `ellipse`) with geometry and presentation attributes,
/// optionally after an XML declaration, with nothing but whitespace between elements.
pub fn check_signature_svg(svg: &str) -> Result<(), Rejection> {
    if svg.len() > MAX_SIGNATURE_SVG_BYTES {
        return Err("the signature SVG is too long");
    }
    let mut reader = Reader::from_str(svg);
    let mut depth = 0usize;
    let mut root_seen = false;
    let mut first = true;
    loop {
        let event = reader
            .read_event()
            .map_err(|_| "the signature SVG is not well-formed XML")?;
        let is_first = std::mem::replace(&mut first, false);
        match event {
            Event::Decl(_) if is_first => {}
            Event::Start(element) => {
                check_element(&element, depth, root_seen)?;
                root_seen = true;
                depth += 1;
                if depth > MAX_DEPTH {
                    return Err("the signature SVG is nested too deeply");
                }
            }
            Event::Empty(element) => {
                check_element(&element, depth, root_seen)?;
                root_seen = true;
            }
            Event::End(_) => depth = depth.saturating_sub(1),
            Event::Text(text) if text.iter().all(u8::is_ascii_whitespace) => {}
            Event::Text(_) | Event::CData(_) | Event::GeneralRef(_) => {
                return Err("the signature SVG may not contain text");
            }
            Event::Comment(_) => return Err("the signature SVG may not contain comments"),
            Event::DocType(_) => {
                return Err("the signature SVG may not declare a DOCTYPE or entities");
            }
            Event::Decl(_) | Event::PI(_) => {
                return Err("the signature SVG may not contain processing instructions");
            }
            Event::Eof if root_seen && depth == 0 => return Ok(()),
            Event::Eof => return Err("the signature SVG must be one complete <svg> element"),
        }
    }
}

fn check_element(element: &BytesStart<'_>, depth: usize, root_seen: bool) -> Result<(), Rejection> {
    if depth == 0 && root_seen {
        return Err("the signature SVG must have a single root element");
    }
    let name = element.name();
    if depth == 0 && name.as_ref() != b"svg" {
        return Err("the signature SVG must have <svg> as its root element");
    }
    if !ELEMENTS.contains(&name.as_ref()) {
        return Err(
            "the signature SVG may contain only svg, g, path, line, polyline, polygon, rect, circle and ellipse elements",
        );
    }
    // Duplicate attributes are an error; with the allow-list checked one by one, at most
    // a few dozen attributes are ever compared, so this stays linear.
    for attribute in element.attributes() {
        let attribute =
            attribute.map_err(|_| "the signature SVG has a malformed or repeated attribute")?;
        let value = attribute
            .normalized_value(XmlVersion::Implicit1_0)
            .map_err(|_| "the signature SVG uses an unknown entity in an attribute")?;
        match attribute.key.as_ref() {
            b"xmlns" if value == SVG_NAMESPACE => {}
            b"xmlns:xlink" if value == XLINK_NAMESPACE => {}
            b"xmlns" | b"xmlns:xlink" => {
                return Err("the signature SVG declares a foreign namespace");
            }
            key if ATTRIBUTES.contains(&key) => check_value(&value, key == b"style")?,
            _ => {
                return Err(
                    "the signature SVG may carry only geometry and presentation attributes (no href, event handlers or ids)",
                );
            }
        }
    }
    Ok(())
}

/// A value is numbers, names, colours and transforms: no quotes, backslashes (CSS
/// escapes), `@`, `/`, `:` outside `style`, and only the functions in [`FUNCTIONS`].
fn check_value(value: &str, is_style: bool) -> Result<(), Rejection> {
    let allowed = |c: char| {
        c.is_ascii_alphanumeric()
            || matches!(
                c,
                ' ' | '\t' | '\n' | '\r' | '.' | ',' | '-' | '+' | '#' | '%'
            )
            || matches!(c, '(' | ')')
            || (is_style && matches!(c, ':' | ';'))
    };
    if !value.chars().all(allowed) {
        return Err(
            "the signature SVG has an attribute value with characters outside numbers, names and colours",
        );
    }
    let mut name_start = 0;
    for (at, c) in value.char_indices() {
        if c == '(' {
            let function = value[name_start..at].trim().to_ascii_lowercase();
            if !FUNCTIONS.contains(&function.as_str()) {
                return Err(
                    "the signature SVG may use only colour and transform functions (no url())",
                );
            }
        }
        if !(c.is_ascii_alphanumeric() || c == '-') {
            name_start = at + c.len_utf8();
        }
    }
    Ok(())
}

/// Accepts an `https:` URL (at most [`MAX_SIGNATURE_URL_BYTES`]) or a
/// `data:image/png;base64,` URL (at most [`MAX_SIGNATURE_DATA_URL_BYTES`]) whose bytes
/// really are a PNG.
pub fn check_signature_image_url(url: &str) -> Result<(), Rejection> {
    if let Some(data) = url.strip_prefix("data:image/png;base64,") {
        if url.len() > MAX_SIGNATURE_DATA_URL_BYTES {
            return Err("the signature image data URL is too long");
        }
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(data)
            .map_err(|_| "the signature image data URL is not valid base64")?;
        if !bytes.starts_with(PNG_MAGIC) {
            return Err("the signature image data URL does not hold a PNG image");
        }
        return Ok(());
    }
    if url.len() > MAX_SIGNATURE_URL_BYTES {
        return Err("the signature image URL is too long");
    }
    let scheme_end = url.find("://").unwrap_or(0);
    if !url[..scheme_end].eq_ignore_ascii_case("https") {
        return Err("the signature image URL must be an https: URL or a data:image/png;base64 URL");
    }
    let rest = &url[scheme_end + 3..];
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    // Printable ASCII without characters that end an HTML attribute or start markup.
    let printable = |c: char| {
        c.is_ascii_graphic()
            && !matches!(
                c,
                '"' | '\'' | '<' | '>' | '\\' | '`' | '{' | '}' | '|' | '^'
            )
    };
    if host.is_empty() || host.contains('@') || !rest.chars().all(printable) {
        return Err("the signature image URL is not a valid https: URL");
    }
    Ok(())
}

/// garde rule for `signatureSvg`.
pub fn signature_svg_rule(value: &Option<String>, _ctx: &()) -> garde::Result {
    value.as_deref().map_or(Ok(()), |svg| {
        check_signature_svg(svg).map_err(garde::Error::new)
    })
}

/// garde rule for `signatureImageUrl`.
pub fn signature_image_url_rule(value: &Option<String>, _ctx: &()) -> garde::Result {
    value.as_deref().map_or(Ok(()), |url| {
        check_signature_image_url(url).map_err(garde::Error::new)
    })
}

/// Whitespace between elements (XML's, which [`check_signature_svg`] allows as text).
const XML_SPACE: &str = r"[ \t\n\r]";

/// An attribute value of the stated form: numbers, names, `#` colours and percentages.
const STATED_VALUE: &str = r"[A-Za-z0-9 .,#%+\-]{0,64}";

/// The attributes the stated form gives each element, in a fixed order, each at most once
/// (the checker accepts any order; a repeated attribute is malformed XML).
const STATED_SVG_ATTRIBUTES: &[&str] = &[
    "version",
    "width",
    "height",
    "viewBox",
    "fill",
    "stroke",
    "stroke-width",
];
const STATED_SHAPE_ATTRIBUTES: &[&str] = &[
    "d",
    "points",
    "x",
    "y",
    "x1",
    "y1",
    "x2",
    "y2",
    "cx",
    "cy",
    "r",
    "rx",
    "ry",
    "width",
    "height",
    "fill",
    "stroke",
    "stroke-width",
    "stroke-linecap",
    "stroke-linejoin",
    "opacity",
];
const STATED_GROUP_ATTRIBUTES: &[&str] = &["fill", "stroke", "stroke-width"];

fn stated_attributes(names: &[&str]) -> String {
    names
        .iter()
        .map(|name| format!(r#"(?: {name}="{STATED_VALUE}")?"#))
        .collect()
}

/// The form of `signatureSvg` the OpenAPI document states: an `<svg>` root holding
/// shapes and one level of groups, double-quoted attributes in a fixed order. Every text
/// it admits is accepted by [`check_signature_svg`] (a test generates them); the checker
/// also accepts other orders, single quotes, an XML declaration, deeper groups, `style`
/// and `transform`, which the document's description names.
pub fn signature_svg_pattern() -> String {
    let shape = format!(
        "<(?:path|line|polyline|polygon|rect|circle|ellipse){} ?/>",
        stated_attributes(STATED_SHAPE_ATTRIBUTES)
    );
    let group = format!(
        "<g{}>(?:{XML_SPACE}|{shape})*</g>",
        stated_attributes(STATED_GROUP_ATTRIBUTES)
    );
    format!(
        r#"^{XML_SPACE}*<svg(?: xmlns="http://www\.w3\.org/2000/svg")?{}(?: ?/>|>(?:{XML_SPACE}|{shape}|{group})*</svg>){XML_SPACE}*$"#,
        stated_attributes(STATED_SVG_ATTRIBUTES)
    )
}

/// The `https:` URLs [`check_signature_image_url`] accepts (up to its length limit), as a
/// pattern: printable ASCII without quotes, `<>\\`{}|^`, and a host without `@`.
pub const SIGNATURE_HTTPS_URL_PATTERN: &str = r"^[hH][tT][tT][pP][sS]://[!$%&()*+,\-.0-9:;=A-Z\[\]_a-z~]+(?:[/?#][!#$%&()*+,\-./0-9:;=?@A-Z\[\]_a-z~]*)?$";

/// The `data:` URLs the document states: canonical base64 (no padding but the 8-byte
/// case) of bytes starting with the PNG signature (`iVBORw0KGgo` is its encoding).
pub const SIGNATURE_PNG_DATA_URL_PATTERN: &str =
    r"^data:image/png;base64,iVBORw0KGg(?:o=|[o-r][A-Za-z0-9+/](?:[A-Za-z0-9+/]{4})*)$";

#[cfg(test)]
mod tests;
