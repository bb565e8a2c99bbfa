//! The filter's Envoy metrics: defined once per VM (ids cached), named with Istio's tag
//! convention (`name.tag=.=value;.;`) so Prometheus shows `mirror_waf_attacks_total{class="sqli"}`
//! once the `class`/`reason` stats tags are declared (Envoy `stats_tags`, Istio `extraStatTags`).

use std::cell::RefCell;
use std::collections::HashMap;

use super::host;

/// Counters whose ids are known at configure time, plus lazily defined tagged ones.
pub struct Metrics {
    pub requests: u32,
    pub mirrored: u32,
    pub inspected: u32,
    pub truncated: u32,
    pub events: u32,
    pub attacks_requests: u32,
    tagged: RefCell<HashMap<String, u32>>,
}

const PREFIX: &str = "mirror_waf_";

fn counter(name: &str) -> u32 {
    // An id of u32::MAX is never handed out; increments on it fail quietly.
    host::define_metric(host::METRIC_COUNTER, &format!("{PREFIX}{name}")).unwrap_or(u32::MAX)
}

impl Metrics {
    pub fn define() -> Metrics {
        Metrics {
            requests: counter("requests_total"),
            mirrored: counter("mirrored_requests_total"),
            inspected: counter("inspected_requests_total"),
            truncated: counter("truncated_requests_total"),
            events: counter("events_total"),
            attacks_requests: counter("attack_requests_total"),
            tagged: RefCell::new(HashMap::new()),
        }
    }

    pub fn inc(&self, id: u32) {
        host::increment_metric(id, 1);
    }

    /// Increments `mirror_waf_<name>{<tag>="<value>"}`, defining it on first use.
    pub fn inc_tagged(&self, name: &str, tag: &str, value: &str, by: i64) {
        let full = format!("{PREFIX}{name}.{tag}=.={value};.;");
        let id = {
            let mut map = self.tagged.borrow_mut();
            match map.get(&full) {
                Some(id) => *id,
                None => {
                    let id = host::define_metric(host::METRIC_COUNTER, &full).unwrap_or(u32::MAX);
                    map.insert(full, id);
                    id
                }
            }
        };
        host::increment_metric(id, by);
    }

    /// Counts a rejected configuration (defined on the spot: no Metrics exists yet then).
    pub fn config_rejected() {
        host::increment_metric(counter("config_rejections_total"), 1);
    }
}
