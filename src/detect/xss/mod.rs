//! Cross-site scripting detection (placeholder; the tokenizer-based detector lands next).

use super::{Hit, Value};

/// Scans one value for XSS.
pub fn scan(_v: &Value<'_>, _out: &mut Vec<Hit>) {}
