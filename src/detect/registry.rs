//! The detector registry: which per-value (`ScanFn`) and request-level (`RequestScanFn`)
//! detectors the engine runs, keyed by attack class (see `config::CLASS_NAMES`). A class
//! disabled in the config skips its entries. Add a detector by adding a line here.

use super::{sqli, xss, RequestScanFn, ScanFn};

/// Per-value detectors, run on every decoded variant of every extracted value.
pub static VALUE_SCANNERS: &[(&str, ScanFn)] = &[("sqli", sqli::scan), ("xss", xss::scan)];

/// Request-level detectors, run once per request on the whole `HttpRequest`.
pub static REQUEST_SCANNERS: &[(&str, RequestScanFn)] = &[];

/// Extra prefilter keywords: words that make a punctuation-free value worth inspecting for
/// the classes registered here (the engine's own SQL/HTML/JS words are built in).
pub static PREFILTER_KEYWORDS: &[&str] = &[];
