//! Small, bounded text helpers shared by the per-class detectors: ASCII case-insensitive
//! search, word boundaries, evidence snippets cut on char boundaries, and the `Hit`
//! constructor. Nothing here allocates more than the evidence it returns.

use super::Hit;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};

/// Builds an ASCII case-insensitive automaton over `patterns` (overlapping matches are
/// found with `find_overlapping_iter`/`find_iter` by the caller). Detectors keep theirs in
/// a `OnceLock`, built on first use.
pub fn automaton(patterns: &[&str]) -> Option<AhoCorasick> {
    AhoCorasickBuilder::new().ascii_case_insensitive(true).match_kind(MatchKind::Standard).build(patterns).ok()
}

/// The same as `automaton` as a DFA: a few times faster per byte, more memory; for small
/// pattern sets searched over many bytes.
pub fn dfa(patterns: &[&str]) -> Option<AhoCorasick> {
    AhoCorasickBuilder::new()
        .ascii_case_insensitive(true)
        .match_kind(MatchKind::Standard)
        .kind(Some(aho_corasick::AhoCorasickKind::DFA))
        .prefilter(false)
        .build(patterns)
        .ok()
}

/// First match (lowest start) of any pattern of `ac` in `hay`: (start, pattern index).
pub fn first_match(ac: Option<&AhoCorasick>, hay: &[u8]) -> Option<(usize, usize)> {
    ac?.find(hay).map(|m| (m.start(), m.pattern().as_usize()))
}

/// First offset of the constant byte string `$needle` in `$hay`, with a `memmem::Finder`
/// built once per call site (a one-shot `str::find`/`memmem::find` rebuilds its searcher
/// on every call).
macro_rules! find_lit {
    ($hay:expr, $needle:expr) => {{
        static FINDER: std::sync::OnceLock<memchr::memmem::Finder<'static>> = std::sync::OnceLock::new();
        FINDER.get_or_init(|| memchr::memmem::Finder::new($needle)).find($hay)
    }};
}
pub(crate) use find_lit;

/// Longest evidence kept in a hit (bytes, cut on a char boundary).
pub const EVIDENCE_MAX: usize = 120;

/// Finds `needle` (ASCII, compared case-insensitively) in `hay` at or after `from`.
pub fn find_ci_from(hay: &str, needle: &str, from: usize) -> Option<usize> {
    let h = hay.as_bytes();
    let n = needle.as_bytes();
    let first = *n.first()?;
    if n.len() > h.len() {
        return None;
    }
    let last_start = h.len() - n.len();
    let mut i = from;
    while i <= last_start {
        // Fast skip to the next byte matching the first needle byte (either case).
        let rest = h.get(i..=last_start)?;
        let off = memchr::memchr2(first.to_ascii_lowercase(), first.to_ascii_uppercase(), rest)?;
        i += off;
        if h.get(i..i + n.len()).is_some_and(|w| w.eq_ignore_ascii_case(n)) {
            return Some(i);
        }
        i += 1;
    }
    None
}

/// Finds `needle` case-insensitively anywhere in `hay`.
pub fn find_ci(hay: &str, needle: &str) -> Option<usize> {
    find_ci_from(hay, needle, 0)
}

pub fn contains_ci(hay: &str, needle: &str) -> bool {
    find_ci(hay, needle).is_some()
}

/// Identifier byte (`[A-Za-z0-9_]`).
pub fn is_ident(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// True when the byte before `i` is not an identifier byte (or `i` is 0).
pub fn word_start(s: &[u8], i: usize) -> bool {
    i == 0 || s.get(i - 1).is_none_or(|&b| !is_ident(b))
}

/// True when the byte at `i` is not an identifier byte (or is past the end).
pub fn word_end(s: &[u8], i: usize) -> bool {
    s.get(i).is_none_or(|&b| !is_ident(b))
}

/// Largest char boundary `<= i`.
pub fn floor_char(s: &str, i: usize) -> usize {
    let mut i = i.min(s.len());
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// The text between byte offsets `a..b` (clamped, snapped to char boundaries, at most
/// `EVIDENCE_MAX` bytes).
pub fn snippet(s: &str, a: usize, b: usize) -> String {
    let a = floor_char(s, a);
    let b = floor_char(s, b.min(a.saturating_add(EVIDENCE_MAX)));
    s.get(a..b.max(a)).unwrap_or_default().to_string()
}

/// Evidence around a match at `at`: a little context before, up to `EVIDENCE_MAX` after.
pub fn around(s: &str, at: usize) -> String {
    let a = at.saturating_sub(16);
    snippet(s, a, a.saturating_add(EVIDENCE_MAX))
}

pub fn hit(rule: &'static str, class: &'static str, score: u32, paranoia: u8, evidence: String) -> Hit {
    Hit { rule, class, score, paranoia, evidence }
}

/// Pushes `h` unless a hit with the same rule is already in `out` from this scan
/// (`since` = length of `out` before the detector ran).
pub fn push_once(out: &mut Vec<Hit>, since: usize, h: Hit) {
    if out.iter().skip(since).any(|o| o.rule == h.rule) {
        return;
    }
    out.push(h);
}

/// ASCII-lowercased copy of at most `max` bytes of `s` (cut on a char boundary).
pub fn lower_prefix(s: &str, max: usize) -> String {
    let end = floor_char(s, max);
    s.get(..end).unwrap_or_default().to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_insensitive_find() {
        assert_eq!(find_ci("abc/ETC/Passwd", "etc/passwd"), Some(4));
        assert_eq!(find_ci("abc", "abcd"), None);
        assert_eq!(find_ci("xxaXA", "xa"), Some(1));
        assert_eq!(find_ci_from("xaxa", "xa", 1), Some(2));
        assert_eq!(find_ci("", "a"), None);
    }

    #[test]
    fn snippets_respect_char_boundaries() {
        let s = "ééééé";
        assert_eq!(snippet(s, 1, 4), "éé");
        assert_eq!(snippet(s, 1, 3), "é");
        assert_eq!(snippet(s, 100, 200), "");
        let long = "a".repeat(500);
        assert_eq!(snippet(&long, 0, 500).len(), EVIDENCE_MAX);
    }

    #[test]
    fn words() {
        let s = b"a id;";
        assert!(word_start(s, 2) && word_end(s, 4));
        assert!(!word_start(s, 3));
    }
}
