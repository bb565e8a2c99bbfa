//! The filter's Envoy metrics: defined once per VM (ids cached), named with Istio's tag
//! convention (`name.tag=.=value;.;`) so Prometheus shows `mirror_waf_attacks_total{class="sqli"}`
//! once the `class`/`reason` stats tags are declared (Envoy `stats_tags`, Istio `extraStatTags`).

use std::cell::RefCell;
use std::collections::HashMap;

use super::host;

/// The HTTP collector's counters (defined only when `events.http` is configured, so a
/// filter without a collector does not show a zero `events_queued`).
pub struct ExportMetrics {
    pub exported: u32,
    pub queued: u32,
    pub dropped_queue_full: u32,
    pub dropped_collector_error: u32,
    pub dropped_timeout: u32,
    pub dropped_shutdown: u32,
    pub batches_sent: u32,
    pub batches_failed_collector_error: u32,
    pub batches_failed_timeout: u32,
    pub batches_retried: u32,
}

fn tagged_counter(name: &str, tag: &str, value: &str) -> u32 {
    counter(&format!("{name}.{tag}=.={value};.;"))
}

impl ExportMetrics {
    fn define(enabled: bool) -> ExportMetrics {
        if !enabled {
            let none = u32::MAX;
            return ExportMetrics {
                exported: none,
                queued: none,
                dropped_queue_full: none,
                dropped_collector_error: none,
                dropped_timeout: none,
                dropped_shutdown: none,
                batches_sent: none,
                batches_failed_collector_error: none,
                batches_failed_timeout: none,
                batches_retried: none,
            };
        }
        ExportMetrics {
            exported: counter("events_exported_total"),
            queued: host::define_metric(host::METRIC_GAUGE, &format!("{PREFIX}events_queued")).unwrap_or(u32::MAX),
            dropped_queue_full: tagged_counter("events_dropped_total", "reason", "queue_full"),
            dropped_collector_error: tagged_counter("events_dropped_total", "reason", "collector_error"),
            dropped_timeout: tagged_counter("events_dropped_total", "reason", "timeout"),
            dropped_shutdown: tagged_counter("events_dropped_total", "reason", crate::export::queue::SHUTDOWN),
            batches_sent: counter("batches_sent_total"),
            batches_failed_collector_error: tagged_counter("batches_failed_total", "reason", "collector_error"),
            batches_failed_timeout: tagged_counter("batches_failed_total", "reason", "timeout"),
            batches_retried: counter("batches_retried_total"),
        }
    }
}

/// Counters whose ids are known at configure time, plus lazily defined tagged ones.
pub struct Metrics {
    pub requests: u32,
    pub mirrored: u32,
    pub inspected: u32,
    pub truncated: u32,
    pub events: u32,
    pub attacks_requests: u32,
    /// Notes from inspection and the shell (body parse failures, unavailable buffers...).
    pub parse_anomalies: u32,
    pub export: ExportMetrics,
    tagged: RefCell<HashMap<String, u32>>,
}

const PREFIX: &str = "mirror_waf_";

fn counter(name: &str) -> u32 {
    // An id of u32::MAX is never handed out; increments on it fail quietly.
    host::define_metric(host::METRIC_COUNTER, &format!("{PREFIX}{name}")).unwrap_or(u32::MAX)
}

impl Metrics {
    pub fn define(with_export: bool) -> Metrics {
        Metrics {
            requests: counter("requests_total"),
            mirrored: counter("mirrored_requests_total"),
            inspected: counter("inspected_requests_total"),
            truncated: counter("truncated_requests_total"),
            events: counter("events_total"),
            attacks_requests: counter("attack_requests_total"),
            parse_anomalies: counter("parse_anomalies_total"),
            export: ExportMetrics::define(with_export),
            tagged: RefCell::new(HashMap::new()),
        }
    }

    pub fn inc(&self, id: u32) {
        host::increment_metric(id, 1);
    }

    /// Adds `by` (may be negative for gauges); zero is skipped.
    pub fn add(&self, id: u32, by: i64) {
        if by != 0 && id != u32::MAX {
            host::increment_metric(id, by);
        }
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

    /// Counts a VM that refused to start (invalid `vm_config.configuration`).
    pub fn vm_start_rejected() {
        host::increment_metric(counter("vm_start_rejections_total"), 1);
    }
}
