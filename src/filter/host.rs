//! Non-panicking access to the proxy-wasm host ABI for the calls the filter makes per
//! request. The SDK's wrappers `panic!` on unexpected statuses and on non-UTF-8 header
//! values (a trap kills the VM), so the hot-path calls are declared here directly and
//! every failure becomes an `Err` the caller turns into a note or a counter.

use std::ptr::{null, null_mut};

pub const MAP_REQUEST_HEADERS: u32 = 0;
pub const BUFFER_REQUEST_BODY: u32 = 0;
pub const BUFFER_VM_CONFIGURATION: u32 = 6;
pub const BUFFER_PLUGIN_CONFIGURATION: u32 = 7;
pub const MAP_HTTP_CALL_RESPONSE_HEADERS: u32 = 6;
pub const METRIC_COUNTER: u32 = 0;
pub const METRIC_GAUGE: u32 = 1;
pub const LOG_INFO: u32 = 2;
pub const LOG_WARN: u32 = 3;
pub const LOG_ERROR: u32 = 4;

const STATUS_OK: u32 = 0;
const STATUS_NOT_FOUND: u32 = 1;

#[link(wasm_import_module = "env")]
extern "C" {
    fn proxy_log(level: u32, message_data: *const u8, message_size: usize) -> u32;
    fn proxy_get_header_map_pairs(map_type: u32, return_map_data: *mut *mut u8, return_map_size: *mut usize) -> u32;
    fn proxy_get_buffer_bytes(buffer_type: u32, start: usize, max_size: usize, return_buffer_data: *mut *mut u8, return_buffer_size: *mut usize) -> u32;
    fn proxy_get_property(path_data: *const u8, path_size: usize, return_value_data: *mut *mut u8, return_value_size: *mut usize) -> u32;
    fn proxy_set_property(path_data: *const u8, path_size: usize, value_data: *const u8, value_size: usize) -> u32;
    fn proxy_send_local_response(
        status_code: u32,
        status_code_details_data: *const u8,
        status_code_details_size: usize,
        body_data: *const u8,
        body_size: usize,
        headers_data: *const u8,
        headers_size: usize,
        grpc_status: i32,
    ) -> u32;
    fn proxy_define_metric(metric_type: u32, name_data: *const u8, name_size: usize, return_id: *mut u32) -> u32;
    fn proxy_increment_metric(metric_id: u32, offset: i64) -> u32;
    fn proxy_get_current_time_nanoseconds(return_time: *mut u64) -> u32;
    fn proxy_set_effective_context(context_id: u32) -> u32;
    fn proxy_set_tick_period_milliseconds(period: u32) -> u32;
}

/// A host call failed with this proxy-wasm status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HostError(pub u32);

/// Takes ownership of a host-allocated buffer (allocated through the SDK's exported allocator).
fn take_buffer(ptr: *mut u8, size: usize) -> Vec<u8> {
    if ptr.is_null() || size == 0 {
        return Vec::new();
    }
    // SAFETY: the host allocated `size` bytes at `ptr` with `proxy_on_memory_allocate`
    // (the SDK's Vec-based allocator) and hands ownership to us, as the SDK itself assumes.
    unsafe { Vec::from_raw_parts(ptr, size, size) }
}

pub fn log(level: u32, msg: &str) {
    // SAFETY: pointer/length of a live &str.
    let _ = unsafe { proxy_log(level, msg.as_ptr(), msg.len()) };
}

/// All pairs of a header map; values as bytes (Envoy allows obs-text in values).
pub fn header_pairs(map_type: u32) -> Result<Vec<(String, Vec<u8>)>, HostError> {
    let mut data: *mut u8 = null_mut();
    let mut size: usize = 0;
    // SAFETY: out-pointers to locals.
    let st = unsafe { proxy_get_header_map_pairs(map_type, &mut data, &mut size) };
    if st != STATUS_OK {
        return Err(HostError(st));
    }
    Ok(crate::request::pairs::deserialize(&take_buffer(data, size)))
}

/// Up to `max` bytes of the current request body chunk, from `start`.
pub fn request_body(start: usize, max: usize) -> Result<Vec<u8>, HostError> {
    buffer(BUFFER_REQUEST_BODY, start, max)
}

/// Up to `max` bytes of host buffer `kind` from `start` (absent buffer: empty). Replaces the
/// SDK's `get_plugin_configuration`/`get_vm_configuration`, which panic on other statuses.
pub fn buffer(kind: u32, start: usize, max: usize) -> Result<Vec<u8>, HostError> {
    let mut data: *mut u8 = null_mut();
    let mut size: usize = 0;
    // SAFETY: out-pointers to locals.
    let st = unsafe { proxy_get_buffer_bytes(kind, start, max, &mut data, &mut size) };
    match st {
        STATUS_OK => Ok(take_buffer(data, size)),
        STATUS_NOT_FOUND => Ok(Vec::new()),
        e => Err(HostError(e)),
    }
}

fn property_path(path: &[&str]) -> Vec<u8> {
    let mut v = Vec::new();
    for (i, p) in path.iter().enumerate() {
        if i > 0 {
            v.push(0);
        }
        v.extend_from_slice(p.as_bytes());
    }
    v
}

pub fn get_property(path: &[&str]) -> Option<Vec<u8>> {
    let p = property_path(path);
    let mut data: *mut u8 = null_mut();
    let mut size: usize = 0;
    // SAFETY: pointer/length of a live Vec; out-pointers to locals.
    let st = unsafe { proxy_get_property(p.as_ptr(), p.len(), &mut data, &mut size) };
    if st == STATUS_OK {
        Some(take_buffer(data, size))
    } else {
        None
    }
}

/// A string property (e.g. `source.address`), if present and UTF-8.
pub fn get_property_string(path: &[&str]) -> Option<String> {
    get_property(path).and_then(|b| String::from_utf8(b).ok())
}

pub fn set_property(path: &[&str], value: &[u8]) -> Result<(), HostError> {
    let p = property_path(path);
    // SAFETY: pointers/lengths of live buffers.
    let st = unsafe { proxy_set_property(p.as_ptr(), p.len(), value.as_ptr(), value.len()) };
    if st == STATUS_OK {
        Ok(())
    } else {
        Err(HostError(st))
    }
}

/// Answers the request locally (sink role).
pub fn send_local_response(status: u32, headers: &[(&str, &str)], body: &[u8]) -> Result<(), HostError> {
    let h: Vec<(&str, &[u8])> = headers.iter().map(|(k, v)| (*k, v.as_bytes())).collect();
    let h = crate::request::pairs::serialize(&h);
    let details = b"mirror_waf_sink";
    let (bp, bl) = if body.is_empty() { (null(), 0) } else { (body.as_ptr(), body.len()) };
    // SAFETY: pointers/lengths of live buffers.
    let st = unsafe { proxy_send_local_response(status, details.as_ptr(), details.len(), bp, bl, h.as_ptr(), h.len(), -1) };
    if st == STATUS_OK {
        Ok(())
    } else {
        Err(HostError(st))
    }
}

pub fn define_metric(kind: u32, name: &str) -> Result<u32, HostError> {
    let mut id: u32 = 0;
    // SAFETY: pointer/length of a live &str; out-pointer to a local.
    let st = unsafe { proxy_define_metric(kind, name.as_ptr(), name.len(), &mut id) };
    if st == STATUS_OK {
        Ok(id)
    } else {
        Err(HostError(st))
    }
}

pub fn increment_metric(id: u32, by: i64) {
    // SAFETY: plain values.
    let _ = unsafe { proxy_increment_metric(id, by) };
}

pub fn now_nanos() -> u128 {
    let mut t: u64 = 0;
    // SAFETY: out-pointer to a local.
    let st = unsafe { proxy_get_current_time_nanoseconds(&mut t) };
    if st == STATUS_OK {
        u128::from(t)
    } else {
        0
    }
}

pub fn now_millis() -> u64 {
    u64::try_from(now_nanos() / 1_000_000).unwrap_or(u64::MAX)
}

/// Starts (or changes) the root context's `on_tick` timer.
pub fn set_tick_period_ms(ms: u32) -> Result<(), HostError> {
    // SAFETY: plain value.
    let st = unsafe { proxy_set_tick_period_milliseconds(ms) };
    if st == STATUS_OK {
        Ok(())
    } else {
        Err(HostError(st))
    }
}

/// Makes `context_id` the target of the following calls (used by the root to answer a
/// held request from its tick).
pub fn set_effective_context(context_id: u32) -> Result<(), HostError> {
    // SAFETY: plain value.
    let st = unsafe { proxy_set_effective_context(context_id) };
    if st == STATUS_OK {
        Ok(())
    } else {
        Err(HostError(st))
    }
}
