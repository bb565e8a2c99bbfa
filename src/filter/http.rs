//! One request through the filter: read headers once, resolve the mirror context, copy
//! body chunks as they stream (bounded), inspect at the end of the request, emit the event.
//! Every callback continues; only the `sink` role answers the copy locally.

use std::rc::Rc;

use proxy_wasm::traits::{Context, HttpContext};
use proxy_wasm::types::Action;

use super::host;
use super::root::Shared;
use crate::config::Role;
use crate::event::{summary_json, Event, EventInput};
use crate::export::wire;
use crate::mirror::{MirrorContext, MirrorInputs};
use crate::request::{BodyCollector, HttpRequest};

pub struct Request {
    shared: Rc<Shared>,
    /// This request's context id (the root answers held sink copies through it).
    id: u32,
    req: HttpRequest,
    /// `:authority` (or `host`).
    authority: String,
    /// A mirrored copy (decided from the headers alone; the full `MirrorContext`, which needs
    /// two property reads, is resolved only for an event).
    mirrored: bool,
    body: BodyCollector,
    request_id: Option<String>,
    notes: Vec<String>,
    /// Headers were read and the request is to be inspected.
    active: bool,
    done: bool,
}

impl Request {
    pub fn new(shared: Rc<Shared>, id: u32) -> Request {
        let limit = shared.config.inspection.max_body_bytes;
        Request {
            shared,
            id,
            req: HttpRequest::default(),
            authority: String::new(),
            mirrored: false,
            body: BodyCollector::new(limit),
            request_id: None,
            notes: Vec::new(),
            active: false,
            done: false,
        }
    }

    fn read_headers(&mut self) {
        let pairs = match host::header_pairs(host::MAP_REQUEST_HEADERS) {
            Ok(p) => p,
            Err(e) => {
                self.notes.push(format!("request headers unavailable (status {})", e.0));
                Vec::new()
            }
        };
        let cfg = &self.shared.config;
        self.req.headers.reserve(pairs.len());
        for (name, value) in pairs {
            match name.as_str() {
                ":method" => self.req.method = crate::request::text(&value).into_owned(),
                ":path" => self.req.uri = crate::request::text(&value).into_owned(),
                ":authority" => self.authority = crate::request::text(&value).into_owned(),
                n if n.starts_with(':') => {}
                _ => {
                    if name == "x-request-id" {
                        self.request_id = Some(crate::request::text(&value).into_owned());
                    }
                    self.req.headers.push((name, value));
                }
            }
        }
        if self.authority.is_empty() {
            if let Some(h) = self.req.header("host") {
                self.authority = h.into_owned();
            }
        } else if !self.req.headers.iter().any(|(n, _)| n == "host") {
            // Envoy carries Host as `:authority`; the request model (and the rules that
            // compare a Referer with the site, or count Host headers) reads it as `host`.
            self.req.headers.push(("host".to_string(), self.authority.as_bytes().to_vec()));
        }
        let has = |name: &str| self.req.headers.iter().any(|(n, _)| n == name);
        self.mirrored = crate::mirror::is_mirrored(&self.authority, has(&cfg.mirror.server_addr_header), has(&cfg.mirror.server_port_header));
    }

    /// The full mirror context (client and server of the original request), for an event.
    fn mirror_context(&self) -> MirrorContext {
        let cfg = &self.shared.config;
        let texts = |name: &str| -> Vec<String> {
            self.req.headers.iter().filter(|(n, _)| n == name).map(|(_, v)| String::from_utf8_lossy(v).into_owned()).collect()
        };
        let xff = texts(&cfg.real_ip.header);
        let saddr = texts(&cfg.mirror.server_addr_header);
        let sport = texts(&cfg.mirror.server_port_header);
        let peer = host::get_property_string(&["source", "address"]);
        let dest = host::get_property_string(&["destination", "address"]);
        let inputs = MirrorInputs {
            authority: &self.authority,
            forwarded_for: xff.iter().map(String::as_str).collect(),
            server_addr_header: saddr.first().map(String::as_str),
            server_port_header: sport.first().map(String::as_str),
            peer: peer.as_deref(),
            destination: dest.as_deref(),
        };
        MirrorContext::resolve(cfg, &inputs)
    }

    /// Inspects what was collected and emits. Idempotent.
    fn finish(&mut self) {
        if self.done || !self.active {
            return;
        }
        self.done = true;
        let shared = Rc::clone(&self.shared);
        let cfg = &shared.config;
        let m = &shared.metrics;
        self.body.finish_into(&mut self.req);
        let ins = shared.engine.inspect(&self.req);
        m.inc(m.inspected);
        m.add(m.parse_anomalies, i64::try_from(ins.notes.len().saturating_add(self.notes.len())).unwrap_or(i64::MAX));
        if ins.truncated {
            m.inc(m.truncated);
        }
        if ins.attack {
            m.inc(m.attacks_requests);
        }
        // `events.metrics: false` turns off the per-class event metrics; the request and
        // export counters stay (they are how a lost event would show).
        if ins.attack && cfg.events.metrics {
            for class in &ins.classes {
                m.inc_tagged("attacks_total", "class", class, 1);
            }
            for f in &ins.findings {
                m.inc_tagged("findings_total", "class", f.class, 1);
            }
        }
        if cfg.events.filter_state {
            let _ = host::set_property(&["mirror_waf.event"], summary_json(&ins).as_bytes());
        }
        if !(ins.attack || cfg.events.include_benign) {
            return;
        }
        let mirror = &self.mirror_context();
        let time_unix_nanos = host::now_nanos();
        let event = Event::build(
            &EventInput {
                time_unix_nanos,
                request_id: self.request_id.clone(),
                mirror,
                request: &self.req,
                inspection: &ins,
                paranoia_level: cfg.inspection.paranoia_level,
                extra_notes: &self.notes,
            },
            &cfg.events,
        );
        let json = event.to_json();
        m.inc(m.events);
        if let Some(x) = &shared.export {
            x.offer(m, wire::encode_record(x.format(), &event, &json, time_unix_nanos));
        }
        if cfg.events.log {
            host::log(host::LOG_INFO, &json);
        }
    }

    /// In the sink role, answers the copy once it has been inspected.
    fn answer_if_sink(&mut self) -> Action {
        if self.shared.config.role != Role::Sink {
            return Action::Continue;
        }
        let status = u32::from(self.shared.config.mirror.sink_status);
        match host::send_local_response(status, &[("x-mirror-waf", "sink")], b"") {
            Ok(()) => Action::Pause,
            Err(e) => {
                host::log(host::LOG_WARN, &format!("mirror-waf: sink response failed (status {})", e.0));
                Action::Continue
            }
        }
    }
}

impl Context for Request {}

impl HttpContext for Request {
    fn on_http_request_headers(&mut self, _num_headers: usize, end_of_stream: bool) -> Action {
        self.read_headers();
        let m = &self.shared.metrics;
        m.inc(m.requests);
        let mirrored = self.mirrored;
        if mirrored {
            m.inc(m.mirrored);
        }
        if self.shared.config.mirror.only_mirrored && !mirrored {
            return Action::Continue;
        }
        self.active = true;
        if end_of_stream {
            self.finish();
            return self.answer_if_sink();
        }
        // The sink role holds the copy (nobody waits for it) until the body is inspected;
        // the inspect role never holds anything. Holding headers while body callbacks still
        // arrive needs the Wasm filter's `allow_on_headers_stop_iteration: true` (Envoy >= 1.35);
        // without it Envoy stops body callbacks too (see README, "sink role and bodies").
        if self.shared.config.role == Role::Sink {
            if self.shared.sink.should_hold(self.id, host::now_nanos()) {
                return Action::Pause;
            }
            self.notes.push(super::sink::NOTE_NO_BODY.to_string());
            self.finish();
            return self.answer_if_sink();
        }
        Action::Continue
    }

    fn on_http_request_body(&mut self, body_size: usize, end_of_stream: bool) -> Action {
        if !self.active || self.done {
            return Action::Continue;
        }
        let sink = self.shared.config.role == Role::Sink;
        if sink {
            self.shared.sink.body_seen(self.id);
        }
        // Continue hands each chunk on, so the buffer holds just this chunk; in the sink
        // role chunks accumulate, so only the bytes past those already copied are new.
        let start = if sink { usize::try_from(self.body.total()).unwrap_or(usize::MAX) } else { 0 };
        let new_bytes = if sink { body_size.saturating_sub(start) } else { body_size };
        let want = self.body.wants().min(new_bytes);
        if want > 0 {
            match host::request_body(start, want) {
                Ok(chunk) => self.body.push_vec(chunk, new_bytes),
                Err(e) => {
                    self.notes.push(format!("request body unavailable (status {})", e.0));
                    self.body.push(&[], new_bytes);
                }
            }
        } else {
            self.body.push(&[], new_bytes);
        }
        if sink {
            // Enough to inspect: answer now rather than buffering the rest of the copy.
            if end_of_stream || self.body.is_full() {
                self.finish();
                return self.answer_if_sink();
            }
            return Action::Pause;
        }
        if end_of_stream {
            self.finish();
        }
        Action::Continue
    }

    fn on_http_request_trailers(&mut self, _num_trailers: usize) -> Action {
        self.finish();
        if self.done && self.shared.config.role == Role::Sink {
            return self.answer_if_sink();
        }
        Action::Continue
    }

    fn on_log(&mut self) {
        if self.shared.config.role == Role::Sink && self.shared.sink.forget(self.id) && !self.done {
            self.notes.push(super::sink::NOTE_NO_BODY.to_string());
            self.finish();
        }
        if self.active && !self.done {
            self.notes.push("request ended before its body was complete".to_string());
            self.finish();
        }
    }
}
