//! Plugin configuration: the JSON contract of DESIGN §3, parsed with serde and then
//! validated. Every error names the field (`real_ip.trusted_proxies[1]`) and the problem,
//! so a bad config is rejected at load with a message an operator can act on.

use serde::Deserialize;

use crate::mirror::cidr::Cidr;

/// What the receiver does with a request after inspecting it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(try_from = "String")]
pub enum Role {
    /// Inspect, then continue to the upstream (if the receiver has one).
    #[default]
    Inspect,
    /// Inspect, then answer the copy locally with `mirror.sink_status`.
    Sink,
}

impl TryFrom<String> for Role {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        match s.as_str() {
            "inspect" => Ok(Role::Inspect),
            "sink" => Ok(Role::Sink),
            _ => Err(format!("unknown role '{s}' (expected 'inspect' or 'sink')")),
        }
    }
}

impl TryFrom<String> for WireFormat {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        match s.as_str() {
            "ndjson" => Ok(WireFormat::Ndjson),
            "otlp" => Ok(WireFormat::Otlp),
            _ => Err(format!("unknown format '{s}' (expected 'ndjson' or 'otlp')")),
        }
    }
}

/// Attack classes known to the engine, in the names used by config, events and metrics.
pub const CLASS_NAMES: &[&str] = &[
    "sqli", "xss", "traversal", "rfi", "rce", "ssrf", "ssti", "nosqli", "ldapi", "xxe", "jndi",
    "crlf", "php", "java", "js", "session", "scanner", "protocol",
];

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub role: Role,
    pub mirror: MirrorConfig,
    pub real_ip: RealIpConfig,
    pub inspection: InspectionConfig,
    pub events: EventsConfig,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MirrorConfig {
    pub server_addr_header: String,
    pub server_port_header: String,
    pub strip_shadow_suffix: bool,
    pub only_mirrored: bool,
    pub sink_status: u16,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RealIpConfig {
    pub header: String,
    /// CIDRs as written in the config; parsed into `trusted` by `validate`.
    pub trusted_proxies: Vec<String>,
    pub recursive: bool,
    #[serde(skip)]
    pub trusted: Vec<Cidr>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct InspectionConfig {
    pub paranoia_level: u8,
    pub anomaly_threshold: u32,
    pub max_body_bytes: usize,
    pub max_args: usize,
    pub max_depth: usize,
    /// Class name → enabled. Classes not named are enabled.
    pub classes: std::collections::BTreeMap<String, bool>,
    pub exclusions: Vec<Exclusion>,
}

/// Drops findings: all conditions given must match (path prefix, location, class).
#[derive(Debug, Clone, Deserialize, Default, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Exclusion {
    pub path_prefix: Option<String>,
    /// Location names or prefixes: `body`, `query.id`, `header.user-agent`, `cookie`, `path`.
    pub locations: Vec<String>,
    pub classes: Vec<String>,
    /// Rule ids to drop (exact match).
    pub rules: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EventsConfig {
    pub log: bool,
    pub metrics: bool,
    pub filter_state: bool,
    pub include_benign: bool,
    pub redact_headers: Vec<String>,
    pub max_evidence_bytes: usize,
    pub http: Option<HttpSinkConfig>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(try_from = "String")]
pub enum WireFormat {
    #[default]
    Ndjson,
    Otlp,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HttpSinkConfig {
    pub cluster: String,
    pub authority: String,
    pub path: Option<String>,
    pub format: WireFormat,
    pub batch_max: usize,
    pub flush_ms: u64,
    pub queue_max: usize,
    pub timeout_ms: u64,
    pub headers: Vec<(String, String)>,
}

impl Default for MirrorConfig {
    fn default() -> Self {
        MirrorConfig {
            server_addr_header: "x-server-addr".into(),
            server_port_header: "x-server-port".into(),
            strip_shadow_suffix: true,
            only_mirrored: false,
            sink_status: 204,
        }
    }
}

impl Default for RealIpConfig {
    fn default() -> Self {
        RealIpConfig {
            header: "x-forwarded-for".into(),
            trusted_proxies: Vec::new(),
            recursive: false,
            trusted: Vec::new(),
        }
    }
}

impl Default for InspectionConfig {
    fn default() -> Self {
        InspectionConfig {
            paranoia_level: 1,
            anomaly_threshold: 5,
            max_body_bytes: 131_072,
            max_args: 512,
            max_depth: 16,
            classes: Default::default(),
            exclusions: Vec::new(),
        }
    }
}

impl InspectionConfig {
    /// Whether detection of `class` is enabled (classes not named in the config are).
    pub fn class_enabled(&self, class: &str) -> bool {
        self.classes.get(class).copied().unwrap_or(true)
    }
}

impl Default for EventsConfig {
    fn default() -> Self {
        EventsConfig {
            log: true,
            metrics: true,
            filter_state: true,
            include_benign: false,
            redact_headers: vec!["authorization".into(), "cookie".into()],
            max_evidence_bytes: 128,
            http: None,
        }
    }
}

impl Default for HttpSinkConfig {
    fn default() -> Self {
        HttpSinkConfig {
            cluster: String::new(),
            authority: "collector".into(),
            path: None,
            format: WireFormat::Ndjson,
            batch_max: 100,
            flush_ms: 1000,
            queue_max: 10_000,
            timeout_ms: 2000,
            headers: Vec::new(),
        }
    }
}

impl HttpSinkConfig {
    /// The request path: configured, or the format's conventional one.
    pub fn effective_path(&self) -> &str {
        match (&self.path, self.format) {
            (Some(p), _) => p,
            (None, WireFormat::Ndjson) => "/v1/events",
            (None, WireFormat::Otlp) => "/v1/logs",
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            role: Role::Inspect,
            mirror: MirrorConfig::default(),
            real_ip: RealIpConfig::default(),
            inspection: InspectionConfig::default(),
            events: EventsConfig::default(),
        }
    }
}

/// A rejected configuration: which field, and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub field: String,
    pub problem: String,
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.field.is_empty() {
            write!(f, "{}", self.problem)
        } else {
            write!(f, "{}: {}", self.field, self.problem)
        }
    }
}

fn err(field: impl Into<String>, problem: impl Into<String>) -> ConfigError {
    ConfigError { field: field.into(), problem: problem.into() }
}

impl Config {
    /// Parse and validate plugin configuration bytes. Empty input (or only whitespace)
    /// yields the defaults.
    pub fn parse(bytes: &[u8]) -> Result<Config, ConfigError> {
        if bytes.iter().all(|b| b.is_ascii_whitespace()) {
            let mut c = Config::default();
            c.validate()?;
            return Ok(c);
        }
        let mut de = serde_json::Deserializer::from_slice(bytes);
        let parsed: Result<Config, _> = serde_path_to_error::deserialize(&mut de);
        let mut cfg = match parsed {
            Ok(c) => c,
            Err(e) => {
                let path = e.path().to_string();
                let field = if path == "." { String::new() } else { path };
                return Err(err(field, strip_position(&e.into_inner().to_string())));
            }
        };
        if let Err(e) = de.end() {
            return Err(err("", strip_position(&e.to_string())));
        }
        cfg.validate()?;
        Ok(cfg)
    }

    fn validate(&mut self) -> Result<(), ConfigError> {
        let m = &mut self.mirror;
        m.server_addr_header = header_name("mirror.server_addr_header", &m.server_addr_header)?;
        m.server_port_header = header_name("mirror.server_port_header", &m.server_port_header)?;
        if !(200..=599).contains(&m.sink_status) {
            return Err(err("mirror.sink_status", format!("{} is not an HTTP status (200..599)", m.sink_status)));
        }
        let r = &mut self.real_ip;
        r.header = header_name("real_ip.header", &r.header)?;
        r.trusted = Vec::with_capacity(r.trusted_proxies.len());
        for (i, s) in r.trusted_proxies.iter().enumerate() {
            match Cidr::parse(s) {
                Some(c) => r.trusted.push(c),
                None => {
                    return Err(err(
                        format!("real_ip.trusted_proxies[{i}]"),
                        format!("'{s}' is not an IPv4/IPv6 address or CIDR"),
                    ))
                }
            }
        }
        let ins = &self.inspection;
        if !(1..=4).contains(&ins.paranoia_level) {
            return Err(err("inspection.paranoia_level", format!("{} is not in 1..4", ins.paranoia_level)));
        }
        if ins.anomaly_threshold == 0 {
            return Err(err("inspection.anomaly_threshold", "must be at least 1"));
        }
        if ins.max_body_bytes > 16 * 1024 * 1024 {
            return Err(err("inspection.max_body_bytes", "must be at most 16777216 (16 MiB)"));
        }
        if ins.max_args == 0 || ins.max_args > 65_536 {
            return Err(err("inspection.max_args", "must be in 1..65536"));
        }
        if ins.max_depth == 0 || ins.max_depth > 256 {
            return Err(err("inspection.max_depth", "must be in 1..256"));
        }
        for k in ins.classes.keys() {
            if !CLASS_NAMES.contains(&k.as_str()) {
                return Err(err(format!("inspection.classes.{k}"), unknown_class(k)));
            }
        }
        for (i, ex) in ins.exclusions.iter().enumerate() {
            for (j, c) in ex.classes.iter().enumerate() {
                if !CLASS_NAMES.contains(&c.as_str()) {
                    return Err(err(format!("inspection.exclusions[{i}].classes[{j}]"), unknown_class(c)));
                }
            }
            if ex.path_prefix.is_none() && ex.locations.is_empty() && ex.classes.is_empty() && ex.rules.is_empty() {
                return Err(err(format!("inspection.exclusions[{i}]"), "an exclusion must name at least one of path_prefix, locations, classes, rules"));
            }
            if let Some(p) = &ex.path_prefix {
                if !p.starts_with('/') {
                    return Err(err(format!("inspection.exclusions[{i}].path_prefix"), format!("'{p}' must start with '/'")));
                }
            }
            for (j, l) in ex.locations.iter().enumerate() {
                if !valid_location_pattern(l) {
                    return Err(err(
                        format!("inspection.exclusions[{i}].locations[{j}]"),
                        format!("'{l}' is not a location (path, query[.name], header[.name], cookie[.name], body[.field], method, uri)"),
                    ));
                }
            }
        }
        let ev = &mut self.events;
        for (i, h) in ev.redact_headers.iter_mut().enumerate() {
            *h = header_name(&format!("events.redact_headers[{i}]"), h)?;
        }
        if ev.max_evidence_bytes < 8 || ev.max_evidence_bytes > 4096 {
            return Err(err("events.max_evidence_bytes", "must be in 8..4096"));
        }
        if let Some(h) = &mut ev.http {
            if h.cluster.trim().is_empty() {
                return Err(err("events.http.cluster", "must name the Envoy cluster of the collector"));
            }
            if h.authority.trim().is_empty() {
                return Err(err("events.http.authority", "must not be empty"));
            }
            if let Some(p) = &h.path {
                if !p.starts_with('/') {
                    return Err(err("events.http.path", format!("'{p}' must start with '/'")));
                }
            }
            if h.batch_max == 0 || h.batch_max > 10_000 {
                return Err(err("events.http.batch_max", "must be in 1..10000"));
            }
            if h.queue_max < h.batch_max || h.queue_max > 1_000_000 {
                return Err(err("events.http.queue_max", "must be at least batch_max and at most 1000000"));
            }
            if h.flush_ms < 10 || h.flush_ms > 600_000 {
                return Err(err("events.http.flush_ms", "must be in 10..600000"));
            }
            if h.timeout_ms < 1 || h.timeout_ms > 600_000 {
                return Err(err("events.http.timeout_ms", "must be in 1..600000"));
            }
            for (i, (k, _)) in h.headers.iter_mut().enumerate() {
                *k = header_name(&format!("events.http.headers[{i}][0]"), k)?;
            }
        }
        Ok(())
    }
}

fn unknown_class(c: &str) -> String {
    format!("unknown attack class '{c}' (known: {})", CLASS_NAMES.join(", "))
}

/// Validates an HTTP header name (RFC 9110 token) and lower-cases it, as Envoy stores them.
fn header_name(field: &str, name: &str) -> Result<String, ConfigError> {
    let ok = !name.is_empty()
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
    if ok {
        Ok(name.to_ascii_lowercase())
    } else {
        Err(err(field, format!("'{name}' is not a valid HTTP header name")))
    }
}

fn valid_location_pattern(l: &str) -> bool {
    let head = l.split('.').next().unwrap_or("");
    matches!(head, "path" | "query" | "header" | "cookie" | "body" | "method" | "uri")
}

/// serde_json appends " at line L column C"; the field path is more useful, so drop it.
fn strip_position(msg: &str) -> String {
    match msg.rsplit_once(" at line ") {
        Some((head, _)) => head.to_string(),
        None => msg.to_string(),
    }
}

/// The VM-level configuration (`vm_config.configuration`, read in `proxy_on_vm_start`).
/// Optional; when given it is a JSON object. `plugin_version` pins the code: a VM whose
/// crate version differs refuses to start, so a stale or wrong `.wasm` is a visible VM
/// failure (with `failure_policy: FAIL_OPEN`, traffic keeps flowing without the filter).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct VmConfig {
    pub plugin_version: Option<String>,
}

impl VmConfig {
    /// Parses and checks the VM configuration against this build's version (`running`).
    /// Empty input (or only whitespace) is the default.
    pub fn parse(bytes: &[u8], running: &str) -> Result<VmConfig, ConfigError> {
        if bytes.iter().all(|b| b.is_ascii_whitespace()) {
            return Ok(VmConfig::default());
        }
        let mut de = serde_json::Deserializer::from_slice(bytes);
        let vm: VmConfig = match serde_path_to_error::deserialize(&mut de) {
            Ok(v) => v,
            Err(e) => {
                let path = e.path().to_string();
                let field = if path == "." { String::new() } else { format!("vm_config.{path}") };
                return Err(err(field, strip_position(&e.into_inner().to_string())));
            }
        };
        if let Err(e) = de.end() {
            return Err(err("", strip_position(&e.to_string())));
        }
        if let Some(want) = &vm.plugin_version {
            if want != running {
                return Err(err("vm_config.plugin_version", format!("'{want}' requested but this module is {running}")));
            }
        }
        Ok(vm)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn vm_config() {
        use super::VmConfig;
        assert_eq!(VmConfig::parse(b"", "1.2.3").unwrap(), VmConfig::default());
        assert_eq!(VmConfig::parse(br#"{"plugin_version":"1.2.3"}"#, "1.2.3").unwrap().plugin_version.as_deref(), Some("1.2.3"));
        let e = VmConfig::parse(br#"{"plugin_version":"9.9.9"}"#, "1.2.3").unwrap_err().to_string();
        assert_eq!(e, "vm_config.plugin_version: '9.9.9' requested but this module is 1.2.3");
        let e = VmConfig::parse(br#"{"plugin_versoin":"1"}"#, "1.2.3").unwrap_err().to_string();
        assert!(e.starts_with("vm_config.plugin_versoin: unknown field"), "{e}");
        assert!(VmConfig::parse(b"not json", "1.2.3").is_err());
        assert!(VmConfig::parse(b"{} {}", "1.2.3").is_err());
    }

    use super::*;

    fn rejects(json: &str, field: &str, needle: &str) {
        match Config::parse(json.as_bytes()) {
            Ok(_) => panic!("accepted: {json}"),
            Err(e) => {
                assert_eq!(e.field, field, "{json} -> {e}");
                assert!(e.problem.contains(needle), "{json} -> {e}");
            }
        }
    }

    #[test]
    fn empty_is_defaults() {
        let c = Config::parse(b"").unwrap();
        assert_eq!(c.role, Role::Inspect);
        assert_eq!(c.mirror.server_addr_header, "x-server-addr");
        assert_eq!(c.inspection.max_body_bytes, 131072);
        assert!(c.events.log);
        let c = Config::parse(b"{}").unwrap();
        assert_eq!(c.mirror.sink_status, 204);
    }

    #[test]
    fn full_design_example_is_accepted() {
        let j = r#"{
          "role": "sink",
          "mirror": { "server_addr_header": "X-Server-Addr", "server_port_header": "x-server-port",
                      "strip_shadow_suffix": true, "only_mirrored": false, "sink_status": 204 },
          "real_ip": { "header": "x-forwarded-for", "trusted_proxies": ["222.222.222.22/32", "fd00::/8", "10.0.0.1"], "recursive": false },
          "inspection": { "paranoia_level": 1, "anomaly_threshold": 5, "max_body_bytes": 131072,
                          "max_args": 512, "max_depth": 16, "classes": { "sqli": true, "xss": false },
                          "exclusions": [ { "path_prefix": "/upload", "locations": ["body"], "classes": ["xss"] } ] },
          "events": { "log": true, "metrics": true, "filter_state": true, "include_benign": false,
                      "redact_headers": ["authorization", "cookie"], "max_evidence_bytes": 128,
                      "http": { "cluster": "mirror-waf-collector", "authority": "collector", "path": "/v1/events",
                                "format": "ndjson", "batch_max": 100, "flush_ms": 1000, "queue_max": 10000,
                                "timeout_ms": 2000, "headers": [["authorization", "Bearer x"]] } }
        }"#;
        let c = Config::parse(j.as_bytes()).unwrap();
        assert_eq!(c.role, Role::Sink);
        assert_eq!(c.mirror.server_addr_header, "x-server-addr");
        assert_eq!(c.real_ip.trusted.len(), 3);
        assert!(!c.inspection.class_enabled("xss"));
        assert!(c.inspection.class_enabled("rce"));
        assert_eq!(c.events.http.as_ref().unwrap().batch_max, 100);
    }

    #[test]
    fn errors_name_the_field() {
        rejects(r#"{"rol": "sink"}"#, "rol", "unknown field `rol`");
        rejects(r#"{"role": "block"}"#, "role", "unknown role 'block'");
        rejects(r#"{"role": 3}"#, "role", "invalid type: integer `3`, expected a string");
        rejects(r#"{"mirror": {"sink_status": "204"}}"#, "mirror.sink_status", "invalid type");
        rejects(r#"{"mirror": {"sink_status": 99}}"#, "mirror.sink_status", "not an HTTP status");
        rejects(r#"{"mirror": {"server_addr_header": "x server"}}"#, "mirror.server_addr_header", "not a valid HTTP header name");
        rejects(r#"{"real_ip": {"trusted_proxies": ["10.0.0.0/8", "10.0.0.0/33"]}}"#, "real_ip.trusted_proxies[1]", "not an IPv4/IPv6");
        rejects(r#"{"real_ip": {"trusted_proxies": ["nope"]}}"#, "real_ip.trusted_proxies[0]", "'nope'");
        rejects(r#"{"real_ip": {"recursive": 1}}"#, "real_ip.recursive", "invalid type");
        rejects(r#"{"inspection": {"paranoia_level": 5}}"#, "inspection.paranoia_level", "not in 1..4");
        rejects(r#"{"inspection": {"classes": {"sqlinj": true}}}"#, "inspection.classes.sqlinj", "unknown attack class");
        rejects(r#"{"inspection": {"exclusions": [{"classes": ["xs"]}]}}"#, "inspection.exclusions[0].classes[0]", "unknown attack class");
        rejects(r#"{"inspection": {"exclusions": [{"locations": ["bogus"]}]}}"#, "inspection.exclusions[0].locations[0]", "not a location");
        rejects(r#"{"inspection": {"exclusions": [{"extra": 1}]}}"#, "inspection.exclusions[0].extra", "unknown field `extra`");
        rejects(r#"{"events": {"http": {"cluster": ""}}}"#, "events.http.cluster", "must name");
        rejects(r#"{"events": {"http": {"cluster": "c", "format": "xml"}}}"#, "events.http.format", "unknown format 'xml'");
        rejects(r#"{"events": {"http": {"cluster": "c", "batch_max": 100, "queue_max": 10}}}"#, "events.http.queue_max", "at least batch_max");
        rejects(r#"{"role": "sink"} trailing"#, "", "trailing");
        rejects(r#"not json"#, "", "expected");
    }
}
