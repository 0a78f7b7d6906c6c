//! The PDF's document information (title, author): Chromium writes the page title but no
//! author, so the renderer's output gets an incremental update — a new `Info` dictionary, an
//! `xref` section for it and a trailer pointing back at the original one. The printed bytes
//! stay as Chromium wrote them.

use chrono::Utc;
use std::io::Write;

/// A PDF text string: UTF-16BE with a byte-order mark, in hex (no escaping to get wrong).
fn text_string(text: &str) -> String {
    let mut out = String::from("<FEFF");
    for unit in text.encode_utf16() {
        out.push_str(&format!("{unit:04X}"));
    }
    out.push('>');
    out
}

/// The number after `key` in the last trailer (`/Size 173`, `/Root 160 0 R` → "160 0 R").
fn trailer_value<'a>(trailer: &'a str, key: &str) -> Option<&'a str> {
    let rest = &trailer[trailer.find(key)? + key.len()..];
    let end = rest.find(['/', '>']).unwrap_or(rest.len());
    Some(rest[..end].trim()).filter(|v| !v.is_empty())
}

/// `pdf` with `title` and `author` as its document information; unchanged when it does not end
/// in the classic trailer Chromium writes.
pub fn with_info(pdf: Vec<u8>, title: &str, author: &str) -> Vec<u8> {
    let tail_start = pdf.len().saturating_sub(1024);
    let tail = String::from_utf8_lossy(&pdf[tail_start..]).into_owned();
    let (Some(t), Some(sx)) = (tail.rfind("trailer"), tail.rfind("startxref")) else {
        return pdf;
    };
    let trailer = &tail[t..sx];
    let prev = tail[sx + "startxref".len()..].split_whitespace().next().unwrap_or_default();
    let (Some(size), Some(root)) = (
        trailer_value(trailer, "/Size").and_then(|s| s.parse::<u64>().ok()),
        trailer_value(trailer, "/Root"),
    ) else {
        return pdf;
    };
    if prev.parse::<u64>().is_err() {
        return pdf;
    }
    let root = root.to_string();
    let now = Utc::now().format("D:%Y%m%d%H%M%S+00'00'");
    let mut out = pdf;
    if !out.ends_with(b"\n") {
        out.push(b'\n');
    }
    let object_at = out.len();
    let _ = write!(
        out,
        "{size} 0 obj\n<</Title {} /Author {} /Creator (jobintel) /Producer (Chromium via jobintel) /CreationDate ({now}) /ModDate ({now})>>\nendobj\n",
        text_string(title),
        text_string(author),
    );
    let xref_at = out.len();
    let _ = write!(
        out,
        "xref\n{size} 1\n{object_at:010} 00000 n \ntrailer\n<</Size {} /Root {root} /Info {size} 0 R /Prev {prev}>>\nstartxref\n{xref_at}\n%%EOF\n",
        size + 1,
    );
    out
}

/// The number of pages of a PDF as Chromium writes it: the `/Count` of its page tree's root
/// (the largest of the `/Type /Pages` dictionaries'); `None` when there is none to read.
pub fn page_count(pdf: &[u8]) -> Option<u32> {
    let text = String::from_utf8_lossy(pdf);
    let mut most = None;
    for key in ["/Type /Pages", "/Type/Pages"] {
        for (at, _) in text.match_indices(key) {
            let start = text[..at].rfind("<<").unwrap_or(0);
            let end = text[at..].find("endobj").map_or(text.len(), |e| at + e);
            let dict = &text[start..end];
            let count = dict.find("/Count").and_then(|c| {
                let digits = dict[c + "/Count".len()..].trim_start();
                let n = digits.find(|ch: char| !ch.is_ascii_digit()).unwrap_or(digits.len());
                digits[..n].parse::<u32>().ok()
            });
            most = most.max(count);
        }
    }
    most
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_count_is_the_page_tree_roots() {
        let pdf = b"%PDF-1.4\n2 0 obj\n<</Type /Pages\n/Kids [3 0 R 4 0 R]\n/Count 2>>\nendobj\n3 0 obj\n<</Type /Page /Parent 2 0 R>>\nendobj\n";
        assert_eq!(page_count(pdf), Some(2));
        assert_eq!(page_count(b"<</Type/Pages/Count 12/Kids[]>>endobj"), Some(12));
        assert_eq!(page_count(b"<</Type /Page>>"), None);
    }

    #[test]
    fn text_strings_are_utf16_hex() {
        assert_eq!(text_string("Zoë"), "<FEFF005A006F00EB>");
        assert_eq!(text_string("(a)"), "<FEFF002800610029>");
    }

    #[test]
    fn the_update_points_back_at_the_original_trailer() {
        let pdf = b"%PDF-1.4\n1 0 obj\n<</Title (x)>>\nendobj\nxref\n0 2\n0000000000 65535 f \n0000000009 00000 n \ntrailer\n<</Size 2\n/Root 1 0 R\n/Info 1 0 R>>\nstartxref\n38\n%%EOF".to_vec();
        let out = String::from_utf8(with_info(pdf.clone(), "T", "A")).unwrap();
        assert!(out.starts_with(std::str::from_utf8(&pdf).unwrap()), "the original bytes stay");
        assert!(out.contains("2 0 obj\n<</Title <FEFF0054> /Author <FEFF0041>"));
        assert!(out.contains("<</Size 3 /Root 1 0 R /Info 2 0 R /Prev 38>>"));
        assert_eq!(with_info(b"not a pdf".to_vec(), "T", "A"), b"not a pdf");
    }
}
