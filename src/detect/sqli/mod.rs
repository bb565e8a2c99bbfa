//! SQL injection detection (placeholder; the lexer-based detector lands next).

use super::{Hit, Value};

/// Scans one value for SQL injection.
pub fn scan(_v: &Value<'_>, _out: &mut Vec<Hit>) {}
