//! The prefilter: decides cheaply whether a value can hold an attack at all, so plainly
//! benign values (words, numbers, UUIDs, dates, e-mail addresses) skip decoding and the
//! costly detectors. A value is interesting when it has a character outside the benign set
//! or contains a keyword (SQL/HTML/JS/shell words attackers can use without punctuation),
//! or could be base64.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};

/// Keywords that make a punctuation-free value worth inspecting.
const KEYWORDS: &[&str] = &[
    // SQL
    "select", "union", "insert", "update", "delete", "drop", "sleep", "benchmark", "waitfor", "exec",
    "declare", "shutdown", "truncate", "having", "order by", "group by", "information_schema", "xp_",
    "procedure", "rlike", "regexp", "like", "between", "null", "true", "false", "where", "alter", "create", "table", "load_file", "outfile", "char", "pg_", "sys", "msdb", "tempdb", "mysql", "schema",
    // HTML / JS
    "script", "alert", "prompt", "confirm", "eval", "onload", "onerror", "onmouse", "onfocus", "expression",
    "document", "window", "cookie", "iframe", "svg",
];

#[derive(Debug)]
pub struct Prefilter {
    keywords: Option<AhoCorasick>,
}

impl Prefilter {
    /// Builds the keyword automaton (once per configuration), adding `extra` keywords
    /// (from the detector registry).
    pub fn new(extra: &[&str]) -> Prefilter {
        let all: Vec<&str> = KEYWORDS.iter().chain(extra.iter()).copied().collect();
        let keywords = AhoCorasickBuilder::new().ascii_case_insensitive(true).match_kind(MatchKind::LeftmostFirst).build(all).ok();
        Prefilter { keywords }
    }

    /// Whether `s` needs full inspection.
    pub fn interesting(&self, s: &str) -> bool {
        if s.len() < 2 {
            // A lone filter metacharacter (an LDAP probe in a directory field).
            return s.bytes().next().is_some_and(|c| b"()|&!".contains(&c));
        }
        let benign_chars = s.chars().all(|c| c.is_alphanumeric() || matches!(c, ' ' | '_' | '.' | ',' | '-' | '@' | ':'));
        if !benign_chars {
            return true;
        }
        if let Some(ac) = &self.keywords {
            if ac.is_match(s) {
                return true;
            }
        } else {
            return true;
        }
        // Logical operators and CASE as whole words (`1 or 1`, `x and 2`, `case 1 when 2 then 2 end`),
        // not inside names.
        if s.split(|c: char| !c.is_alphanumeric()).any(|w| ["or", "and", "xor", "not", "div", "case"].iter().any(|k| w.eq_ignore_ascii_case(k))) {
            return true;
        }
        // SQL comment truncation of a punctuation-free value (`1--`, `7 --`). Checked here
        // rather than in the automaton: a two-byte pattern of a common byte slows every search.
        if memchr::memmem::find(s.as_bytes(), b"--").is_some() {
            return true;
        }
        // Long alphanumeric tokens may be base64 of something.
        // (With `+` read as spaces when it came through a query string unescaped.)
        s.len() >= 8
            && s.bytes().all(|c| c.is_ascii_alphanumeric() || c == b' ')
            && (!s.contains(' ') || crate::decode::base64::plus_as_space(s))
            && crate::decode::base64::decode_text(s).is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skips_plain_values() {
        let p = Prefilter::new(&[]);
        for s in ["hello world", "12345", "550e8400-e29b-41d4-a716-446655440000", "2024-01-02 10:11:12", "john.doe@example.com", "Señor Muñoz", "x"] {
            assert!(!p.interesting(s), "{s}");
        }
        for s in ["1'", "<b>", "1 union select 2", "a=b", "YWxlcnQoMSk7YWxlcnQoMik=", "dW5pb25zZWxlY3Q0", "ls;id", "1 or 1", "1--", "case 1 when 2 then 3 end"] {
            assert!(p.interesting(s), "{s}");
        }
    }
}
