//! The sink role's hold on a copy's headers, and its safety net.
//!
//! To read a copy's body before answering it, the sink role holds the headers. Envoy
//! keeps delivering body callbacks to a filter that holds headers only when the Wasm
//! filter sets `allow_on_headers_stop_iteration: true`; otherwise (Istio's `WasmPlugin`
//! cannot set it) the hold stops body callbacks too and the copy would hang until a
//! timeout. This watch learns, per VM, which host it runs on: the first body callback
//! under a hold proves holding works; a hold with no body callback for `HOLD_TIMEOUT_NS`
//! proves it does not, and from then on the sink answers copies at their headers. Held
//! copies that timed out are answered from the root's tick, with a note on their event.

use std::cell::RefCell;

/// How long a held copy may wait for its first body callback before the host is judged
/// not to deliver bodies under a hold.
pub const HOLD_TIMEOUT_NS: u128 = 500_000_000;
/// The tick period the sink role needs for the watch (ms).
pub const TICK_MS: u32 = 100;
/// At most this many holds are tracked; beyond it, copies are answered at their headers.
const MAX_HELD: usize = 4096;

pub const NOTE_NO_BODY: &str = "sink: body not inspected: the host stops body callbacks while headers are held (set allow_on_headers_stop_iteration: true on the Wasm filter, Envoy >= 1.35)";

#[derive(Default)]
struct State {
    /// None until observed: does the host deliver body callbacks under a hold?
    host_delivers_body: Option<bool>,
    /// Held copies waiting for their first body callback: (context id, held since ns).
    held: Vec<(u32, u128)>,
    /// Copies answered by the watch; their contexts add `NOTE_NO_BODY` when they end.
    released: Vec<u32>,
}

#[derive(Default)]
pub struct SinkWatch {
    state: RefCell<State>,
}

impl SinkWatch {
    /// Whether to hold this copy's headers (false: answer now, body uninspected).
    pub fn should_hold(&self, context_id: u32, now_ns: u128) -> bool {
        let mut s = self.state.borrow_mut();
        match s.host_delivers_body {
            Some(false) => false,
            Some(true) => true,
            None if s.held.len() >= MAX_HELD => false,
            None => {
                s.held.push((context_id, now_ns));
                true
            }
        }
    }

    /// A body callback arrived for a held copy: holding works on this host.
    pub fn body_seen(&self, context_id: u32) {
        let mut s = self.state.borrow_mut();
        s.host_delivers_body = Some(true);
        s.held.retain(|(id, _)| *id != context_id);
    }

    /// The copy ended (answered or reset): stop tracking it. Returns true when the watch
    /// had released it (its body was never delivered).
    pub fn forget(&self, context_id: u32) -> bool {
        let mut s = self.state.borrow_mut();
        s.held.retain(|(id, _)| *id != context_id);
        let before = s.released.len();
        s.released.retain(|id| *id != context_id);
        s.released.len() != before
    }

    /// Copies held too long without any body callback; judges the host and returns the
    /// context ids the caller must answer now.
    pub fn expired(&self, now_ns: u128) -> Vec<u32> {
        let mut s = self.state.borrow_mut();
        if s.host_delivers_body == Some(true) {
            s.held.clear();
            return Vec::new();
        }
        let (old, young): (Vec<_>, Vec<_>) = s.held.iter().partition(|(_, t)| now_ns.saturating_sub(*t) >= HOLD_TIMEOUT_NS);
        if old.is_empty() {
            return Vec::new();
        }
        s.host_delivers_body = Some(false);
        s.held = Vec::new();
        // Once judged, the young ones will not get bodies either: release them all.
        let ids: Vec<u32> = old.iter().chain(young.iter()).map(|(id, _)| *id).collect();
        s.released.extend(ids.iter().copied());
        if s.released.len() > MAX_HELD {
            let cut = s.released.len().saturating_sub(MAX_HELD);
            s.released.drain(..cut);
        }
        ids
    }
}
