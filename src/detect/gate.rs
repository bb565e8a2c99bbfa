//! The class gate: one pass over a decoded value decides which per-value detectors can
//! fire on it, so the engine skips the others.
//!
//! Every class declares its `Triggers` in its own module, next to its `ScanFn` (and the
//! registry pairs them): bytes, literals and cheap predicates of which the value must
//! contain at least one for any of the class's rules to match. Triggers must be a
//! *necessary* condition (a superset): a rule added to a class needs its trigger added in
//! the same place, and `registry::tests` checks every class's sample attacks still open
//! its gate. A class with no cheap necessary condition declares `Triggers::ALWAYS`.
//!
//! The gate is built once per `Engine` (one ASCII case-insensitive Aho-Corasick over all
//! classes' literals plus a byte table) and computes a class bitmask per value.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};

/// The automaton's representation (see `memory_usage`): a DFA (~1.3 MiB for every
/// class's literals) runs the per-value overlapping search in ~25 % fewer instructions than
/// the contiguous NFA, for more memory per VM; the gate runs on every decoded value.
const GATE_KIND: AhoCorasickKind = AhoCorasickKind::DFA;

use super::textscan::is_ident;
use super::Value;

/// A cheap condition on a whole value.
pub type Predicate = fn(&Value<'_>) -> bool;

/// A class's necessary conditions: its scanner runs on a value when any of them holds.
#[derive(Debug, Clone, Copy)]
pub struct Triggers {
    /// The scanner always runs (no cheap necessary condition).
    pub always: bool,
    /// Bytes (exact) whose presence anywhere in the text opens the gate.
    pub bytes: &'static [u8],
    /// Literals matched ASCII case-insensitively anywhere in the text.
    pub anywhere: &'static [&'static [&'static str]],
    /// Literals matched ASCII case-insensitively as whole words: not preceded or followed
    /// by `[A-Za-z0-9_$]` (a `.` or any other byte is a boundary).
    pub words: &'static [&'static [&'static str]],
    /// A cheap predicate on the whole value (part, name, shape) for rules that no literal
    /// of the text announces (e.g. rules keyed on the argument name).
    pub custom: Option<Predicate>,
}

impl Triggers {
    /// No cheap necessary condition: the scanner runs on every value.
    pub const ALWAYS: Triggers = Triggers { always: true, bytes: &[], anywhere: &[], words: &[], custom: None };
    /// An empty set to build from with struct update syntax.
    pub const NONE: Triggers = Triggers { always: false, bytes: &[], anywhere: &[], words: &[], custom: None };
}

/// Word-boundary byte for `Triggers::words`.
fn word_byte(b: u8) -> bool {
    is_ident(b) || b == b'$'
}

/// The prebuilt gate over a list of classes' triggers (at most 64 classes).
#[derive(Debug)]
pub struct Gate {
    /// Classes whose scanner always runs.
    always: u64,
    /// Per byte value: classes that byte triggers.
    byte_mask: [u64; 256],
    /// Per pattern of `ac`: (classes, whole word only).
    patterns: Vec<(u64, bool)>,
    ac: Option<AhoCorasick>,
    /// Classes with a custom predicate, and the predicates.
    custom: Vec<(u64, Predicate)>,
    /// Every class with a literal (used to stop the automaton early).
    literal_classes: u64,
}

impl Gate {
    /// Builds the gate for `classes` (bit `i` = entry `i`). `None` when the automaton cannot
    /// be built; the caller then runs every scanner.
    pub fn new(classes: &[&Triggers]) -> Option<Gate> {
        let mut g = Gate { always: 0, byte_mask: [0; 256], patterns: Vec::new(), ac: None, custom: Vec::new(), literal_classes: 0 };
        let mut lits: Vec<Vec<u8>> = Vec::new();
        for (i, t) in classes.iter().enumerate().take(64) {
            let bit = 1u64 << i;
            if t.always {
                g.always |= bit;
            }
            for &b in t.bytes {
                if let Some(m) = g.byte_mask.get_mut(usize::from(b)) {
                    *m |= bit;
                }
            }
            for (lists, word) in [(t.anywhere, false), (t.words, true)] {
                for lit in lists.iter().flat_map(|l| l.iter()) {
                    let key = lit.as_bytes().to_ascii_lowercase();
                    if key.is_empty() {
                        // An empty literal matches everything.
                        g.always |= bit;
                        continue;
                    }
                    g.literal_classes |= bit;
                    match lits.iter().position(|k| *k == key) {
                        Some(p) => {
                            if let Some(e) = g.patterns.get_mut(p) {
                                // Merged entries keep per-class word semantics only when
                                // they agree; otherwise the looser `anywhere` wins.
                                if e.1 != word {
                                    e.1 = false;
                                }
                                e.0 |= bit;
                            }
                        }
                        None => {
                            lits.push(key);
                            g.patterns.push((bit, word));
                        }
                    }
                }
            }
            if let Some(f) = t.custom {
                g.custom.push((bit, f));
            }
        }
        if !lits.is_empty() {
            g.ac = Some(
                AhoCorasickBuilder::new()
                    .ascii_case_insensitive(true)
                    .match_kind(MatchKind::Standard)
                    .kind(Some(GATE_KIND))
                    // Most literals share common bytes (`.`, `/`, `e`): a rare-byte
                    // prefilter restarts the automaton often and costs more than it saves.
                    .prefilter(false)
                    .build(&lits)
                    .ok()?,
            );
        }
        Some(g)
    }

    /// Heap bytes of the automaton and tables.
    pub fn memory_usage(&self) -> usize {
        self.ac.as_ref().map_or(0, AhoCorasick::memory_usage) + self.patterns.len() * 16 + self.custom.len() * 16 + 256 * 8
    }

    /// The classes (bit per entry) whose scanners can match `v`, among `enabled`.
    pub fn classes(&self, v: &Value<'_>, enabled: u64) -> u64 {
        let mut mask = self.always & enabled;
        if mask == enabled {
            return mask;
        }
        let b = v.text.as_bytes();
        for &c in b {
            mask |= self.byte_mask.get(usize::from(c)).copied().unwrap_or(0);
        }
        mask &= enabled;
        if mask & self.literal_classes != self.literal_classes & enabled {
            self.literals(b, enabled, &mut mask);
        }
        // Custom predicates last: the costliest, and only for classes still closed.
        for (bit, f) in &self.custom {
            if enabled & bit != 0 && mask & bit == 0 && f(v) {
                mask |= bit;
            }
        }
        mask
    }

    /// Adds the classes of the literals found in `b` to `mask`.
    fn literals(&self, b: &[u8], enabled: u64, mask: &mut u64) {
        if let Some(ac) = &self.ac {
            for m in ac.find_overlapping_iter(b) {
                let Some(&(bits, word)) = self.patterns.get(m.pattern().as_usize()) else { continue };
                if bits & enabled & !*mask == 0 {
                    continue;
                }
                if word {
                    let before = m.start().checked_sub(1).and_then(|i| b.get(i)).is_some_and(|&c| word_byte(c));
                    let after = b.get(m.end()).is_some_and(|&c| word_byte(c));
                    if before || after {
                        continue;
                    }
                }
                *mask |= bits & enabled;
                if *mask & self.literal_classes & enabled == self.literal_classes & enabled {
                    break;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::Part;

    const A: Triggers = Triggers { bytes: b"'", anywhere: &[&["union"]], ..Triggers::NONE };
    const B: Triggers = Triggers { words: &[&["or", "sleep"]], ..Triggers::NONE };
    const C: Triggers = Triggers { custom: Some(|v| v.name == "file"), ..Triggers::NONE };
    const D: Triggers = Triggers::ALWAYS;

    fn mask(g: &Gate, name: &str, text: &str) -> u64 {
        g.classes(&Value { part: Part::QueryValue, name, text }, 0b1111)
    }

    #[test]
    fn bytes_literals_words_custom() {
        let g = Gate::new(&[&A, &B, &C, &D]).expect("gate");
        assert_eq!(mask(&g, "q", "hello"), 0b1000);
        assert_eq!(mask(&g, "q", "it's"), 0b1001);
        assert_eq!(mask(&g, "q", "xUNIONx"), 0b1001);
        assert_eq!(mask(&g, "q", "1 OR 2"), 0b1010);
        assert_eq!(mask(&g, "q", "1.or.2"), 0b1010, "a dot is a word boundary");
        assert_eq!(mask(&g, "q", "orange for"), 0b1000, "words only whole");
        assert_eq!(mask(&g, "q", "$or"), 0b1000);
        assert_eq!(mask(&g, "file", "x"), 0b1100);
        assert_eq!(g.classes(&Value { part: Part::Path, name: "", text: "' or" }, 0b0010), 0b0010, "disabled classes stay off");
    }
}
