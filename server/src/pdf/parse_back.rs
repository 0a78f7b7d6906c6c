//! The parse-back check: after printing, read the PDF's text back (poppler's `pdftotext`, as
//! an applicant tracking system would read it) and compare it with the lines the document
//! prints — every line present, in order, with the same characters.
//!
//! Text is compared without whitespace (the PDF wraps lines where the page does) and without
//! case (section titles print in capitals), in Unicode's composed form (an accent read back
//! apart from its letter is the same text). A line that reads back only after compatibility
//! folding (a ligature glyph for "fi", a full-width or superscript variant) has lost
//! characters a reader would search for: it is *replaced*.

use app::cv::ParseBack;
use std::io::Write;
use std::process::{Command, Stdio};
use unicode_normalization::UnicodeNormalization;

/// The PDF's text as `pdftotext -raw` reads it: UTF-8, in the order the PDF stores it (the
/// order a parser that does no layout analysis reads), hyphens at line ends kept.
fn extract(pdf: &[u8]) -> std::io::Result<String> {
    let mut child = Command::new("pdftotext")
        .args(["-raw", "-enc", "UTF-8", "-", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    // Written from another thread: pdftotext may fill its stdout before reading all input.
    let mut stdin = child.stdin.take().expect("stdin is piped");
    let input = pdf.to_vec();
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let out = child.wait_with_output()?;
    writer.join().map_err(|_| std::io::Error::other("the pdftotext writer panicked"))??;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        return Err(std::io::Error::other(format!("pdftotext failed: {}", err.trim())));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Text as compared: no whitespace, lower case, composed (NFC).
fn exact(text: &str) -> String {
    text.nfc().filter(|c| !c.is_whitespace()).flat_map(char::to_lowercase).collect()
}

/// Text as compared after compatibility folding (NFKC: ligatures split, variants unified).
fn folded(text: &str) -> String {
    exact(&text.nfkc().collect::<String>())
}

/// Compares what was read back with the lines that were printed.
pub fn compare(read: &str, lines: &[String]) -> ParseBack {
    let (read_exact, read_folded) = (exact(read), folded(read));
    let mut report = ParseBack { lines: lines.len(), ..ParseBack::default() };
    let mut cursor = 0;
    for line in lines {
        let want = exact(line);
        if want.is_empty() {
            continue;
        }
        match read_exact[cursor..].find(&want) {
            Some(at) => cursor += at + want.len(),
            None if read_exact.contains(&want) => report.out_of_order.push(line.clone()),
            None if read_folded.contains(&folded(line)) => report.replaced.push(line.clone()),
            None => report.missing.push(line.clone()),
        }
    }
    report
}

/// Reads `pdf` back and compares it with `lines`; without `pdftotext` the report says the
/// check could not run.
pub async fn check(pdf: &[u8], lines: Vec<String>) -> ParseBack {
    let pdf = pdf.to_vec();
    let read = tokio::task::spawn_blocking(move || extract(&pdf)).await;
    match read {
        Ok(Ok(text)) => compare(&text, &lines),
        Ok(Err(e)) => ParseBack {
            lines: lines.len(),
            unavailable: Some(format!("the PDF's text could not be read back: {e}")),
            ..ParseBack::default()
        },
        Err(e) => ParseBack {
            lines: lines.len(),
            unavailable: Some(format!("the parse-back check stopped: {e}")),
            ..ParseBack::default()
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(l: &[&str]) -> Vec<String> {
        l.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn lines_read_back_in_order_whatever_the_wrapping_and_case() {
        let read = "ZOË BRANDT\nStaff Engineer\nEXPERIENCE\nCut p99 latency from 420 ms to\n35 ms at Quarry Lane.\n";
        let r = compare(
            read,
            &lines(&[
                "Zoë Brandt",
                "Experience",
                "Cut p99 latency from 420 ms to 35 ms at Quarry Lane.",
            ]),
        );
        assert!(r.passed(), "{r:?}");
        assert_eq!(r.summary(), "ok; lines=3");
    }

    #[test]
    fn a_lost_line_a_ligature_and_a_moved_line_are_reported_but_a_split_accent_is_not() {
        let read = "Skills\nEﬃcient oﬁce work\nZoe\u{308} Brandt\nSecond\nFirst\n";
        let r = compare(
            read,
            &lines(&["Efficient ofice work", "Zoë Brandt", "First", "Second", "Kept the ledger"]),
        );
        assert_eq!(r.replaced, ["Efficient ofice work"], "ligature glyphs: {r:?}");
        assert!(r.missing.contains(&"Kept the ledger".to_string()), "{r:?}");
        assert_eq!(r.out_of_order, ["Second"], "{r:?}");
        assert!(!r.passed());
        assert_eq!(r.summary(), "failed; lines=5; missing=1; replaced=1; out_of_order=1");
    }
}
