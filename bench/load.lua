-- wrk script for `make bench`: replays the requests of one load, in order, round robin.
-- Usage: wrk -t1 -cN -dS -s bench/load.lua URL -- <requests.lua written by bench/run.py>
-- Requests are pre-formatted once in init(), so the script costs wrk almost nothing per request.
-- done() prints one line "BENCH_JSON {...}" with counts and latency percentiles in microseconds.
local reqs = {}
local n = 0
local i = 0

function init(args)
  local spec = dofile(args[1])
  for _, r in ipairs(spec) do
    reqs[#reqs + 1] = wrk.format(r.method, r.path, r.headers, r.body)
  end
  n = #reqs
end

function request()
  i = i + 1
  if i > n then i = 1 end
  return reqs[i]
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%d,"bytes":%d,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latency_us":{"min":%d,"mean":%.1f,"p50":%d,"p90":%d,"p99":%d,"p999":%d,"max":%d}}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency.min, latency.mean, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency:percentile(99.9), latency.max))
end
