use base64::Engine;

use super::*;
use crate::cpu_timing;

const PAD_OUTPUT: &str = r##"<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 300 150" width="300" height="150">
  <rect width="100%" height="100%" fill="#ffffff"/>
  <g transform="translate(0.5, 0.5) scale(1)">
    <path d="M 10 20 C 15.5 25, 30 40, 50 60 L 70 80" fill="none" stroke="rgb(0, 0, 0)" stroke-width="2.5" stroke-linecap="round"/>
    <circle cx="5" cy="5" r="1.2" fill="black"/>
    <polyline points="1,2 3,4 5,6" style="stroke: black; fill: none"/>
  </g>
</svg>"##;

#[test]
fn drawings_from_signature_pads_are_accepted() {
    assert_eq!(check_signature_svg(PAD_OUTPUT), Ok(()));
    assert_eq!(check_signature_svg("<svg/>"), Ok(()));
    assert_eq!(
        check_signature_svg(r#"<svg><line x1="0" y1="0" x2="1e2" y2="-3"></line></svg>"#),
        Ok(())
    );
}

#[test]
fn anything_beyond_drawing_is_refused() {
    for hostile in [
        r#"<svg><script>alert(1)</script></svg>"#,
        r#"<svg onload="alert(1)"/>"#,
        r#"<svg><path d="M0 0" onclick="alert(1)"/></svg>"#,
        r#"<svg><foreignObject><body xmlns="http://www.w3.org/1999/xhtml"/></foreignObject></svg>"#,
        r#"<svg><use href="http://evil.example/x.svg#a"/></svg>"#,
        r#"<svg><path xlink:href="http://evil.example/"/></svg>"#,
        r#"<svg><image href="https://evil.example/track.png"/></svg>"#,
        r#"<!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]><svg>&x;</svg>"#,
        r#"<svg><path d="&x;"/></svg>"#,
        r#"<svg style="background:url(https://evil.example/)"/>"#,
        r#"<svg style="background:u&#x72;l(https://evil.example/)"/>"#,
        r#"<svg fill="url(#a)"/>"#,
        r#"<svg style="width: expression(alert(1))"/>"#,
        r#"<svg style="background:u\72l(x)"/>"#,
        r#"<svg xmlns="http://www.w3.org/1999/xhtml"/>"#,
        r#"<svg><a><path d="M0 0"/></a></svg>"#,
        r#"<svg><style>*{}</style></svg>"#,
        r#"<svg><![CDATA[<script>alert(1)</script>]]></svg>"#,
        r#"<svg><!-- hidden --></svg>"#,
        r#"<svg><?xml-stylesheet href="x"?></svg>"#,
        r#"<svg>text</svg>"#,
        r#"<svg id="a"/>"#,
        r#"<svg:svg xmlns:svg="http://www.w3.org/2000/svg"/>"#,
        r#"<path d="M0 0"/>"#,
        r#"<svg/><svg/>"#,
        r#"<svg><g>"#,
        r#"<svg><g></svg>"#,
        r#"<svg width="1" width="2"/>"#,
        r#"<svg"#,
        "",
        "not xml",
    ] {
        assert!(check_signature_svg(hostile).is_err(), "{hostile}");
    }
    let deep = format!("<svg>{}{}</svg>", "<g>".repeat(40), "</g>".repeat(40));
    assert!(check_signature_svg(&deep).is_err());
    let long = format!("<svg>{}</svg>", " ".repeat(MAX_SIGNATURE_SVG_BYTES));
    assert!(check_signature_svg(&long).is_err());
}

#[test]
fn the_svg_check_is_linear() {
    let shape = |n: usize| {
        format!(
            "<svg>{}</svg>",
            r#"<path d="M 1 2 L 3 4" stroke="black" transform="translate(1,2)"/>"#.repeat(n)
        )
    };
    let (small, large) = (shape(140), shape(1_400));
    let ratio = cpu_timing::growth(&small, &large, 15.0, |svg| {
        std::hint::black_box(check_signature_svg(svg)).ok();
    });
    assert!(ratio <= 15.0, "x{ratio:.1}");
}

fn png_data_url(bytes: &[u8]) -> String {
    format!(
        "data:image/png;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    )
}

#[test]
fn signature_images_are_https_or_a_small_png() {
    assert_eq!(
        check_signature_image_url("https://example.com/sig.png"),
        Ok(())
    );
    assert_eq!(
        check_signature_image_url("HTTPS://cdn.example.com/a/b?c=d#e"),
        Ok(())
    );
    let png = [PNG_MAGIC, b"rest of the image"].concat();
    assert_eq!(check_signature_image_url(&png_data_url(&png)), Ok(()));
    for hostile in [
        "javascript:alert(1)".to_owned(),
        "JavaScript://%0aalert(1)".to_owned(),
        "http://example.com/sig.png".to_owned(),
        "data:text/html;base64,PHNjcmlwdD4=".to_owned(),
        "data:image/svg+xml;base64,PHN2Zy8+".to_owned(),
        "data:image/png;base64,not base64!".to_owned(),
        png_data_url(b"GIF89a not a png"),
        png_data_url(&vec![0x89; MAX_SIGNATURE_DATA_URL_BYTES]),
        "https://".to_owned(),
        "https://user@evil.example/".to_owned(),
        "https://example.com/\"><script>".to_owned(),
        "https://example.com/ space".to_owned(),
        format!(
            "https://example.com/{}",
            "a".repeat(MAX_SIGNATURE_URL_BYTES)
        ),
        "//example.com/sig.png".to_owned(),
        "nope".to_owned(),
    ] {
        assert!(check_signature_image_url(&hostile).is_err(), "{hostile}");
    }
}

proptest::proptest! {
    #[test]
    fn every_svg_the_document_states_is_accepted(
        svg in crate::validate::tests::admitted_by(&signature_svg_pattern())
    ) {
        proptest::prop_assert_eq!(check_signature_svg(&svg), Ok(()), "{}", svg);
    }

    #[test]
    fn every_image_url_the_document_states_is_accepted(
        url in crate::validate::tests::admitted_by(SIGNATURE_HTTPS_URL_PATTERN),
        data in crate::validate::tests::admitted_by(SIGNATURE_PNG_DATA_URL_PATTERN),
    ) {
        proptest::prop_assert_eq!(check_signature_image_url(&url), Ok(()), "{}", url);
        proptest::prop_assert_eq!(check_signature_image_url(&data), Ok(()), "{}", data);
    }
}

#[test]
fn the_stated_svg_form_covers_a_pad_drawing() {
    let pattern = regex::Regex::new(&signature_svg_pattern()).expect("pattern");
    let drawing = r##"<svg xmlns="http://www.w3.org/2000/svg" width="300" height="150" viewBox="0 0 300 150">
  <path d="M 10 20 C 15.5 25, 30 40, 50 60 L 70 80" fill="none" stroke="#000" stroke-width="2.5"/>
  <g stroke="black"><circle cx="5" cy="5" r="1.2"/></g>
</svg>"##;
    assert!(pattern.is_match(drawing));
    assert_eq!(check_signature_svg(drawing), Ok(()));
    assert!(!pattern.is_match(""));
}
