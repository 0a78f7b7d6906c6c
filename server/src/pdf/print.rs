//! The fonts a PDF's print view carries: the bundled OFL faces inlined as `data:` URLs (the
//! page may fetch nothing), built once per family. The print view itself is
//! `app::cv::print`, shared with the editor's live preview.

use app::cv::print::{Face, Fonts, faces_css};
use app::cv::{CvDocument, Font};
use base64::Engine;
use std::sync::OnceLock;

/// The bytes of a bundled face (`public/fonts/`, also served at `/fonts/` for the preview).
fn bytes(face: &Face) -> &'static [u8] {
    match face.file {
        "inter-latin-400-normal.woff2" => {
            include_bytes!("../../../public/fonts/inter-latin-400-normal.woff2")
        }
        "inter-latin-700-normal.woff2" => {
            include_bytes!("../../../public/fonts/inter-latin-700-normal.woff2")
        }
        "inter-latin-ext-400-normal.woff2" => {
            include_bytes!("../../../public/fonts/inter-latin-ext-400-normal.woff2")
        }
        "inter-latin-ext-700-normal.woff2" => {
            include_bytes!("../../../public/fonts/inter-latin-ext-700-normal.woff2")
        }
        "source-serif-4-latin-400-normal.woff2" => {
            include_bytes!("../../../public/fonts/source-serif-4-latin-400-normal.woff2")
        }
        "source-serif-4-latin-700-normal.woff2" => {
            include_bytes!("../../../public/fonts/source-serif-4-latin-700-normal.woff2")
        }
        "source-serif-4-latin-ext-400-normal.woff2" => {
            include_bytes!("../../../public/fonts/source-serif-4-latin-ext-400-normal.woff2")
        }
        "source-serif-4-latin-ext-700-normal.woff2" => {
            include_bytes!("../../../public/fonts/source-serif-4-latin-ext-700-normal.woff2")
        }
        _ => &[],
    }
}

/// The inlined faces of `font`'s family, for a page that may fetch nothing.
pub fn pdf_fonts(font: Font) -> Fonts<'static> {
    static INTER: OnceLock<String> = OnceLock::new();
    static SERIF: OnceLock<String> = OnceLock::new();
    let cell = match font {
        Font::Inter => &INTER,
        Font::SourceSerif => &SERIF,
    };
    let css = cell.get_or_init(|| {
        faces_css(font.family(), |face| {
            let data = base64::engine::general_purpose::STANDARD.encode(bytes(face));
            format!("data:font/woff2;base64,{data}")
        })
    });
    Fonts { faces_css: css, csp_src: "data:" }
}

/// The print view of `doc` as the PDF renderer gets it: fonts inlined, nothing to fetch.
pub fn page(doc: &CvDocument, title: &str) -> String {
    app::cv::print::html(doc, title, pdf_fonts(doc.settings.font))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bundled_face_is_inlined() {
        for face in app::cv::print::FACES {
            assert!(bytes(face).len() > 10_000, "{} is not bundled", face.file);
        }
        for font in Font::ALL {
            let css = pdf_fonts(font).faces_css;
            assert_eq!(
                css.matches("@font-face").count(),
                4,
                "regular and bold, latin and latin-ext"
            );
            assert_eq!(css.matches("data:font/woff2;base64,").count(), 4);
            assert!(!css.contains("http"), "no font is fetched");
        }
    }
}
