//! The per-VM event exporter as a pure state machine: a bounded queue of encoded event
//! records, batching by size and age, at most [`MAX_IN_FLIGHT`] batches out at a time,
//! one retry of a failed batch when the queue has room, and exact counters.
//!
//! The shell (`filter::export`) feeds it events (`offer`), asks it for due batches on its
//! tick (`next_batch`), hands each batch to `dispatch_http_call` (`track`) and reports the
//! outcome of the call (`complete`). No host calls here; time is passed in as milliseconds.
//!
//! # Overflow policy: the NEWEST event is dropped
//! When `queue_max` events are held (waiting, waiting for a retry, or in flight), a new
//! event is refused and counted as `dropped{reason="queue_full"}`. Why newest and not
//! oldest:
//! - an event that was accepted stays accepted: drops happen only at the door, so the
//!   collector gets everything up to the moment the queue filled and new events again once
//!   there is room, never holes punched into what was already accepted; batches that are
//!   out are never touched (dropping the oldest would have to reach into in-flight batches
//!   or make the bound soft). Arrival order is only roughly chronological (up to
//!   `MAX_IN_FLIGHT` concurrent batches, retries come later): events carry `time`;
//! - a queue fills when the collector is down or slow or under an attack burst; the start
//!   of an incident (first payloads, first client addresses) is worth more to an analyst
//!   than the thousandth repetition of the same scanner request, and the per-class attack
//!   counters still count every request;
//! - it is O(1) and never touches memory that is already accounted for.
//!
//! # Counters and their invariant
//! `emitted == sent + dropped_queue_full + dropped_collector_error + dropped_timeout + dropped_shutdown + queued`
//! holds after every operation (`queued` = events held: waiting + retry + in flight, which
//! is also the memory bound: `queued <= queue_max`). A batch that fails counts once in
//! `batches_failed_*` per failed attempt; its events count as dropped only when they are
//! given up (second failure, or first failure while the queue is full).

use std::collections::VecDeque;

use crate::config::WireFormat;

use super::wire;

/// Batches out at once per VM: enough to keep a fast collector busy, small enough not to
/// pile connections onto a slow one.
pub const MAX_IN_FLIGHT: usize = 4;

/// Why a batch failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailReason {
    /// The collector answered with a non-2xx status, refused the connection or reset it.
    CollectorError,
    /// No answer within `timeout_ms`.
    Timeout,
}

/// Events given up when the VM's root context ends (plugin reload, drain): their outcome
/// can no longer be learned, so they are counted as dropped rather than left in `queued`.
pub const SHUTDOWN: &str = "shutdown";

impl FailReason {
    /// The `reason` tag value.
    pub fn as_str(self) -> &'static str {
        match self {
            FailReason::CollectorError => "collector_error",
            FailReason::Timeout => "timeout",
        }
    }
}

/// The outcome of one HTTP call carrying a batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Sent,
    Failed(FailReason),
}

/// Slack for timer granularity when deciding that an answer-less call timed out.
const TIMEOUT_SLACK_MS: u64 = 50;

/// Classifies a call's end from the response `:status` (None: no response headers, which
/// is how Envoy reports a reset or timed-out callout) and the time it took. Envoy's own
/// timeout reply is a 504 (or no headers) arriving after `timeout_ms`; a collector's fast
/// 504 is a collector error.
pub fn classify(status: Option<u32>, elapsed_ms: u64, timeout_ms: u64) -> Outcome {
    match status {
        Some(s) if (200..300).contains(&s) => Outcome::Sent,
        Some(504) | None if elapsed_ms.saturating_add(TIMEOUT_SLACK_MS) >= timeout_ms => Outcome::Failed(FailReason::Timeout),
        _ => Outcome::Failed(FailReason::CollectorError),
    }
}

/// Monotonic counters (except `queued`, the current number of held events).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counters {
    /// Events offered to the exporter.
    pub emitted: u64,
    /// Events in batches the collector accepted (2xx).
    pub sent: u64,
    pub dropped_queue_full: u64,
    pub dropped_collector_error: u64,
    pub dropped_timeout: u64,
    pub dropped_shutdown: u64,
    /// Events held now (waiting + awaiting retry + in flight); never above `queue_max`.
    pub queued: u64,
    pub batches_sent: u64,
    pub batches_failed_collector_error: u64,
    pub batches_failed_timeout: u64,
    pub batches_retried: u64,
}

impl Counters {
    pub fn dropped(&self) -> u64 {
        self.dropped_queue_full + self.dropped_collector_error + self.dropped_timeout + self.dropped_shutdown
    }

    /// `emitted == sent + dropped + queued`.
    pub fn balanced(&self) -> bool {
        self.emitted == self.sent + self.dropped() + self.queued
    }
}

/// A batch ready to go: the encoded HTTP body and how many events it carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Batch {
    pub body: String,
    pub events: usize,
    /// 0 for the first attempt, 1 for the retry.
    pub attempt: u8,
    /// When it was handed out (for timeout classification).
    pub sent_at_ms: u64,
    /// A retry is not sent before this time.
    retry_at_ms: u64,
}

/// Sizing of an exporter (from `events.http`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub batch_max: usize,
    pub queue_max: usize,
    pub flush_ms: u64,
}

struct Waiting {
    at_ms: u64,
    record: String,
}

/// One VM's exporter.
pub struct Exporter {
    limits: Limits,
    format: WireFormat,
    waiting: VecDeque<Waiting>,
    retry: VecDeque<Batch>,
    /// (token, batch); at most `MAX_IN_FLIGHT`.
    in_flight: Vec<(u32, Batch)>,
    /// Batches handed out by `next_batch` and not yet tracked or completed.
    handed_out: usize,
    held: usize,
    /// After `abandon`: every offer is dropped as `shutdown`.
    closed: bool,
    c: Counters,
}

impl Exporter {
    pub fn new(limits: Limits, format: WireFormat) -> Exporter {
        let limits = Limits { batch_max: limits.batch_max.max(1), queue_max: limits.queue_max.max(1), flush_ms: limits.flush_ms };
        Exporter {
            limits,
            format,
            waiting: VecDeque::new(),
            retry: VecDeque::new(),
            in_flight: Vec::new(),
            handed_out: 0,
            held: 0,
            closed: false,
            c: Counters::default(),
        }
    }

    pub fn counters(&self) -> Counters {
        Counters { queued: self.held as u64, ..self.c }
    }

    pub fn format(&self) -> WireFormat {
        self.format
    }

    /// Accepts one encoded record (see `wire::encode_record`), or drops it when the queue
    /// is full. Returns whether it was accepted. O(1); never waits.
    pub fn offer(&mut self, now_ms: u64, record: String) -> bool {
        self.c.emitted += 1;
        if self.closed {
            self.c.dropped_shutdown += 1;
            return false;
        }
        if self.held >= self.limits.queue_max {
            self.c.dropped_queue_full += 1;
            return false;
        }
        self.waiting.push_back(Waiting { at_ms: now_ms, record });
        self.held += 1;
        true
    }

    fn out(&self) -> usize {
        self.in_flight.len() + self.handed_out
    }

    /// Whether a full batch is waiting (the shell may flush before the next timer).
    pub fn full_batch_waiting(&self) -> bool {
        self.waiting.len() >= self.limits.batch_max
    }

    /// The next batch to send now, if any: a retry that is due, else a full batch, else the
    /// waiting events when the oldest has waited `flush_ms`. The caller must pass it to
    /// `track` (dispatched) or `complete_untracked` (dispatch failed).
    pub fn next_batch(&mut self, now_ms: u64) -> Option<Batch> {
        if self.out() >= MAX_IN_FLIGHT {
            return None;
        }
        if self.retry.front().is_some_and(|b| now_ms >= b.retry_at_ms) {
            if let Some(mut b) = self.retry.pop_front() {
                b.attempt = 1;
                b.sent_at_ms = now_ms;
                self.c.batches_retried += 1;
                self.handed_out += 1;
                return Some(b);
            }
        }
        let oldest_due = self.waiting.front().is_some_and(|w| now_ms.saturating_sub(w.at_ms) >= self.limits.flush_ms);
        if !(self.full_batch_waiting() || oldest_due) {
            return None;
        }
        let n = self.waiting.len().min(self.limits.batch_max);
        let records: Vec<String> = self.waiting.drain(..n).map(|w| w.record).collect();
        let body = wire::envelope(self.format, &records);
        self.handed_out += 1;
        Some(Batch { body, events: n, attempt: 0, sent_at_ms: now_ms, retry_at_ms: 0 })
    }

    /// The batch was dispatched; its outcome will arrive with `token`.
    pub fn track(&mut self, token: u32, batch: Batch) {
        self.handed_out = self.handed_out.saturating_sub(1);
        self.in_flight.push((token, batch));
    }

    /// The batch could not even be dispatched (unknown cluster, bad headers...).
    pub fn complete_untracked(&mut self, batch: Batch, reason: FailReason, now_ms: u64) {
        self.handed_out = self.handed_out.saturating_sub(1);
        self.resolve(batch, Outcome::Failed(reason), now_ms);
    }

    /// The root context is going away: everything held (waiting, awaiting retry, in flight,
    /// whose answers will never arrive) is counted as dropped with reason `shutdown`.
    pub fn abandon(&mut self) {
        self.c.dropped_shutdown += self.held as u64;
        self.held = 0;
        self.waiting.clear();
        self.retry.clear();
        self.in_flight.clear();
        self.handed_out = 0;
        self.closed = true;
    }

    /// Whether `token` is a call of this exporter.
    pub fn is_tracked(&self, token: u32) -> bool {
        self.in_flight.iter().any(|(t, _)| *t == token)
    }

    /// The call `token` ended. Returns the batch's send time, or None for an unknown token.
    pub fn complete(&mut self, token: u32, outcome: Outcome, now_ms: u64) -> Option<u64> {
        let i = self.in_flight.iter().position(|(t, _)| *t == token)?;
        let (_, batch) = self.in_flight.swap_remove(i);
        let at = batch.sent_at_ms;
        self.resolve(batch, outcome, now_ms);
        Some(at)
    }

    /// Send time of the in-flight call `token`.
    pub fn sent_at(&self, token: u32) -> Option<u64> {
        self.in_flight.iter().find(|(t, _)| *t == token).map(|(_, b)| b.sent_at_ms)
    }

    fn resolve(&mut self, mut batch: Batch, outcome: Outcome, now_ms: u64) {
        let n = batch.events;
        match outcome {
            Outcome::Sent => {
                self.c.sent += n as u64;
                self.c.batches_sent += 1;
                self.held = self.held.saturating_sub(n);
            }
            Outcome::Failed(reason) => {
                match reason {
                    FailReason::CollectorError => self.c.batches_failed_collector_error += 1,
                    FailReason::Timeout => self.c.batches_failed_timeout += 1,
                }
                // Retry once, and only while the queue has room for fresh events: under
                // pressure a failed batch gives way to new ones instead of holding the slots.
                if batch.attempt == 0 && self.held < self.limits.queue_max {
                    batch.retry_at_ms = now_ms.saturating_add(self.limits.flush_ms);
                    self.retry.push_back(batch);
                    return;
                }
                match reason {
                    FailReason::CollectorError => self.c.dropped_collector_error += n as u64,
                    FailReason::Timeout => self.c.dropped_timeout += n as u64,
                }
                self.held = self.held.saturating_sub(n);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ex(batch_max: usize, queue_max: usize) -> Exporter {
        Exporter::new(Limits { batch_max, queue_max, flush_ms: 100 }, WireFormat::Ndjson)
    }

    fn offer_n(e: &mut Exporter, now: u64, n: usize) {
        for i in 0..n {
            e.offer(now, format!("{{\"n\":{i}}}"));
        }
    }

    #[test]
    fn batches_by_size_then_by_age() {
        let mut e = ex(3, 100);
        offer_n(&mut e, 0, 7);
        let b1 = e.next_batch(1).unwrap();
        assert_eq!(b1.events, 3);
        assert_eq!(b1.body, "{\"n\":0}\n{\"n\":1}\n{\"n\":2}\n");
        let b2 = e.next_batch(1).unwrap();
        assert_eq!(b2.events, 3);
        // one left, not old enough
        assert!(e.next_batch(50).is_none());
        let b3 = e.next_batch(100).unwrap();
        assert_eq!(b3.events, 1);
        for (t, b) in [(1, b1), (2, b2), (3, b3)] {
            e.track(t, b);
        }
        for t in [2, 1, 3] {
            assert!(e.complete(t, Outcome::Sent, 120).is_some());
        }
        let c = e.counters();
        assert_eq!((c.emitted, c.sent, c.queued, c.batches_sent), (7, 7, 0, 3));
        assert!(c.balanced());
        assert!(e.complete(9, Outcome::Sent, 130).is_none());
    }

    #[test]
    fn queue_full_drops_newest_and_keeps_order() {
        let mut e = ex(2, 4);
        for i in 0..6 {
            e.offer(0, format!("{i}"));
        }
        let c = e.counters();
        assert_eq!((c.emitted, c.queued, c.dropped_queue_full), (6, 4, 2));
        let b = e.next_batch(0).unwrap();
        assert_eq!(b.body, "0\n1\n");
        e.track(1, b);
        // in-flight events still count against the bound
        assert!(!e.offer(0, "x".into()));
        e.complete(1, Outcome::Sent, 1);
        assert!(e.offer(0, "6".into()));
        let b = e.next_batch(0).unwrap();
        assert_eq!(b.body, "2\n3\n");
        assert!(e.counters().balanced());
    }

    #[test]
    fn failed_batch_is_retried_once_then_dropped() {
        let mut e = ex(2, 10);
        offer_n(&mut e, 0, 2);
        let b = e.next_batch(0).unwrap();
        let body = b.body.clone();
        e.track(7, b);
        e.complete(7, Outcome::Failed(FailReason::CollectorError), 10);
        assert_eq!(e.counters().queued, 2);
        // not before flush_ms has passed
        assert!(e.next_batch(50).is_none());
        let r = e.next_batch(110).unwrap();
        assert_eq!((r.attempt, r.body.as_str(), r.events), (1, body.as_str(), 2));
        e.track(8, r);
        e.complete(8, Outcome::Failed(FailReason::CollectorError), 120);
        let c = e.counters();
        assert_eq!((c.batches_failed_collector_error, c.batches_retried, c.dropped_collector_error, c.queued), (2, 1, 2, 0));
        assert!(c.balanced());
        assert!(e.next_batch(1000).is_none());
    }

    #[test]
    fn retry_succeeds() {
        let mut e = ex(1, 10);
        offer_n(&mut e, 0, 1);
        let b = e.next_batch(0).unwrap();
        e.track(1, b);
        e.complete(1, Outcome::Failed(FailReason::Timeout), 0);
        let r = e.next_batch(200).unwrap();
        e.track(2, r);
        e.complete(2, Outcome::Sent, 200);
        let c = e.counters();
        assert_eq!((c.sent, c.batches_failed_timeout, c.dropped_timeout), (1, 1, 0));
        assert!(c.balanced());
    }

    #[test]
    fn no_retry_when_queue_is_full() {
        let mut e = ex(2, 4);
        offer_n(&mut e, 0, 4);
        let b = e.next_batch(0).unwrap();
        e.track(1, b);
        e.complete(1, Outcome::Failed(FailReason::Timeout), 0);
        let c = e.counters();
        assert_eq!((c.dropped_timeout, c.queued, c.batches_retried), (2, 2, 0));
        assert!(c.balanced());
    }

    #[test]
    fn dispatch_failure_counts_and_in_flight_is_capped() {
        let mut e = ex(1, 100);
        offer_n(&mut e, 0, 10);
        let mut out = Vec::new();
        while let Some(b) = e.next_batch(0) {
            out.push(b);
        }
        assert_eq!(out.len(), MAX_IN_FLIGHT);
        let first = out.remove(0);
        e.complete_untracked(first, FailReason::CollectorError, 0);
        for (i, b) in out.into_iter().enumerate() {
            e.track(i as u32, b);
        }
        assert!(e.next_batch(0).is_some());
        assert!(e.counters().balanced());
    }

    /// A long random run: the invariant and the bound hold after every step.
    #[test]
    fn invariant_under_random_operations() {
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut rnd = move |m: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % m
        };
        let mut e = ex(5, 40);
        let mut next_token = 0u32;
        let mut now = 0u64;
        let mut open: Vec<u32> = Vec::new();
        for _ in 0..20_000 {
            now += rnd(20);
            match rnd(4) {
                0 | 1 => {
                    e.offer(now, "r".into());
                }
                2 => {
                    if let Some(b) = e.next_batch(now) {
                        if rnd(10) == 0 {
                            e.complete_untracked(b, FailReason::CollectorError, now);
                        } else {
                            next_token += 1;
                            e.track(next_token, b);
                            open.push(next_token);
                        }
                    }
                }
                _ => {
                    if !open.is_empty() {
                        let t = open.swap_remove(rnd(open.len() as u64) as usize);
                        let o = match rnd(3) {
                            0 => Outcome::Failed(FailReason::CollectorError),
                            1 => Outcome::Failed(FailReason::Timeout),
                            _ => Outcome::Sent,
                        };
                        assert!(e.complete(t, o, now).is_some());
                    }
                }
            }
            let c = e.counters();
            assert!(c.balanced(), "{c:?}");
            assert!(c.queued <= 40);
        }
        let c = e.counters();
        assert!(c.sent > 0 && c.dropped_queue_full > 0 && c.dropped_timeout > 0 && c.dropped_collector_error > 0, "{c:?}");
    }

    #[test]
    fn abandon_counts_everything_held() {
        let mut e = ex(2, 10);
        offer_n(&mut e, 0, 5);
        let b = e.next_batch(0).unwrap();
        e.track(1, b);
        e.abandon();
        let c = e.counters();
        assert_eq!((c.dropped_shutdown, c.queued), (5, 0));
        assert!(c.balanced());
        assert!(e.complete(1, Outcome::Sent, 1).is_none());
        assert!(e.next_batch(10_000).is_none());
        // a request still holding the old configuration: counted, not queued
        assert!(!e.offer(20_000, "late".into()));
        let c = e.counters();
        assert_eq!((c.dropped_shutdown, c.queued, c.emitted), (6, 0, 6));
    }

    #[test]
    fn classify_outcomes() {
        assert_eq!(classify(Some(200), 5, 1000), Outcome::Sent);
        assert_eq!(classify(Some(204), 5, 1000), Outcome::Sent);
        assert_eq!(classify(Some(500), 5, 1000), Outcome::Failed(FailReason::CollectorError));
        assert_eq!(classify(Some(503), 5, 1000), Outcome::Failed(FailReason::CollectorError));
        assert_eq!(classify(Some(504), 5, 1000), Outcome::Failed(FailReason::CollectorError));
        assert_eq!(classify(Some(504), 1000, 1000), Outcome::Failed(FailReason::Timeout));
        assert_eq!(classify(None, 999, 1000), Outcome::Failed(FailReason::Timeout));
        assert_eq!(classify(None, 3, 1000), Outcome::Failed(FailReason::CollectorError));
    }
}
