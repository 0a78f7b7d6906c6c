//! The ATS panel's arithmetic: which of the posting's keywords the CV text contains, matched
//! on word boundaries the way the pipeline matches them.

use serde::{Deserialize, Serialize};

/// Lower-case word tokens; keeps `+`, `#`, `.`, `/` and `-` inside words (c++, node.js, ci/cd).
pub fn words(text: &str) -> Vec<String> {
    text.to_lowercase()
        .split(|c: char| !(c.is_alphanumeric() || matches!(c, '+' | '#' | '.' | '/' | '-')))
        .map(|w| w.trim_matches(|c: char| matches!(c, '.' | '-' | '/')))
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

/// True when `phrase` (one or more words) occurs in `text_words` on word boundaries.
pub fn contains_phrase(text_words: &[String], phrase: &str) -> bool {
    let needle = words(phrase);
    !needle.is_empty() && text_words.windows(needle.len()).any(|w| w == needle.as_slice())
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct Coverage {
    pub found: Vec<String>,
    pub missing: Vec<String>,
}

impl Coverage {
    pub fn percent(&self) -> u8 {
        let total = self.found.len() + self.missing.len();
        (100 * self.found.len()).checked_div(total).unwrap_or(0) as u8
    }
}

/// Splits `keywords` (in their order, duplicates ignored) into found and missing in `text`.
pub fn coverage(keywords: &[String], text: &str) -> Coverage {
    let text_words = words(text);
    let mut out = Coverage::default();
    let mut seen: Vec<String> = Vec::new();
    for k in keywords {
        let key = k.to_lowercase();
        if key.trim().is_empty() || seen.contains(&key) {
            continue;
        }
        seen.push(key);
        if contains_phrase(&text_words, k) {
            out.found.push(k.clone());
        } else {
            out.missing.push(k.clone());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keywords_match_on_word_boundaries() {
        let kw: Vec<String> =
            ["Rust", "Go", "CI/CD", "event sourcing", "rust"].map(String::from).to_vec();
        let c = coverage(&kw, "Built event sourcing in Rust; ran CI/CD. Goals met.");
        assert_eq!(c.found, ["Rust", "CI/CD", "event sourcing"]);
        assert_eq!(c.missing, ["Go"]);
        assert_eq!(c.percent(), 75);
    }
}
