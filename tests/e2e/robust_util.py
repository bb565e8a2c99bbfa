"""Helpers for the robustness tests: raw HTTP/1.1 over a socket (for bytes http.client refuses,
1-byte chunks, pipelining), an h2c prior-knowledge client, and the VM-health checks."""
from __future__ import annotations

import re
import socket
import time

# Receiver log lines that mean a trap / VM failure (Envoy's wording for a failed callback,
# the SDK's panic hook, and VM start/load failures).
VM_FAILURE_PATTERNS = [r"Function: proxy_on_\w+ failed", r"panicked at", r"Wasm VM failed", r"failed to load",
                       r"Uncaught RuntimeError", r"wasm trap"]


def vm_failures(log_text: str) -> list[str]:
    return [line for line in log_text.splitlines() if any(re.search(p, line) for p in VM_FAILURE_PATTERNS)]


def wasm_stats(envoy) -> dict[str, int]:
    return {k: v for k, v in envoy.stats().items() if k.startswith(("wasm.", "wasm_vm.", "wasmcustom."))}


def assert_vm_healthy(envoy, active_before: int | None = None):
    """No failure line in the log, reload/failure counters at 0, the VMs still active."""
    log = envoy.log_text()
    bad = vm_failures(log)
    assert not bad, "VM failure in the receiver log:\n" + "\n".join(bad[:20])
    st = wasm_stats(envoy)
    for k, v in st.items():
        if k.endswith(("vm_reload_failure", "vm_reload", "remote_load_fetch_failures")):
            assert v == 0, f"{k} = {v}"
    if active_before is not None:
        assert st.get("wasm.envoy.wasm.runtime.v8.active") == active_before, st


def read_response(f) -> tuple[int, dict, bytes]:
    """Reads one HTTP/1.1 response (content-length or chunked) from a socket file."""
    status_line = f.readline()
    if not status_line:
        raise ConnectionError("connection closed before a response")
    status = int(status_line.split()[1])
    headers: dict[str, str] = {}
    while True:
        line = f.readline()
        if line in (b"\r\n", b"\n", b""):
            break
        k, _, v = line.decode("latin-1").partition(":")
        headers[k.strip().lower()] = v.strip()
    body = b""
    if headers.get("transfer-encoding", "").lower() == "chunked":
        while True:
            size = int(f.readline().split(b";")[0], 16)
            if size == 0:
                f.readline()
                break
            body += f.read(size)
            f.readline()
    elif "content-length" in headers:
        body = f.read(int(headers["content-length"]))
    return status, headers, body


def raw_exchange(port: int, data: bytes | list[bytes], responses: int = 1, timeout: float = 15.0,
                 pause: float = 0.0) -> list[tuple[int, dict, bytes]]:
    """Sends bytes (one send, or several with `pause` between them) and reads `responses` responses."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        for piece in (data if isinstance(data, list) else [data]):
            s.sendall(piece)
            if pause:
                time.sleep(pause)
        f = s.makefile("rb")
        return [read_response(f) for _ in range(responses)]


def h2c_requests(port: int, requests: list[tuple[str, str, list[tuple[str, str]], bytes]], authority: str = "app.example",
                 timeout: float = 15.0) -> list[tuple[int, bytes]]:
    """Sends all requests as concurrent streams on one prior-knowledge HTTP/2 connection."""
    import h2.config
    import h2.connection
    import h2.events

    conn = h2.connection.H2Connection(config=h2.config.H2Configuration(client_side=True, header_encoding=None))
    results: dict[int, list] = {}
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        conn.initiate_connection()
        s.sendall(conn.data_to_send())
        order = []
        for method, path, headers, body in requests:
            sid = conn.get_next_available_stream_id()
            order.append(sid)
            results[sid] = [0, b"", False]
            hdrs = [(":method", method), (":path", path), (":scheme", "http"), (":authority", authority)] + headers
            conn.send_headers(sid, hdrs, end_stream=not body)
            if body:
                # respect flow control: send what the window allows, the rest after WINDOW_UPDATEs
                results[sid].append(body)
        s.sendall(conn.data_to_send())
        pending = {sid: r[3] for sid, r in results.items() if len(r) > 3}

        def pump():
            for sid in list(pending):
                data = pending[sid]
                while data:
                    n = min(conn.local_flow_control_window(sid), conn.max_outbound_frame_size, len(data))
                    if n <= 0:
                        break
                    conn.send_data(sid, data[:n])
                    data = data[n:]
                pending[sid] = data
                if not data:
                    conn.end_stream(sid)
                    del pending[sid]
            s.sendall(conn.data_to_send())

        pump()
        deadline = time.time() + timeout
        while not all(r[2] for r in results.values()):
            if time.time() > deadline:
                raise TimeoutError(f"h2c: streams unfinished: {results}")
            chunk = s.recv(65536)
            if not chunk:
                break
            for ev in conn.receive_data(chunk):
                if isinstance(ev, h2.events.ResponseReceived):
                    results[ev.stream_id][0] = int(dict(ev.headers)[b":status"])
                elif isinstance(ev, h2.events.DataReceived):
                    results[ev.stream_id][1] += ev.data
                    conn.acknowledge_received_data(ev.flow_controlled_length, ev.stream_id)
                elif isinstance(ev, (h2.events.StreamEnded, h2.events.StreamReset)):
                    results[ev.stream_id][2] = True
            s.sendall(conn.data_to_send())
            if pending:
                pump()
    return [(results[sid][0], results[sid][1]) for sid in order]
