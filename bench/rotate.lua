-- wrk script: rotate over a fixed list of request paths (adapted from
-- ../shared/peers/rotate.lua, which counts every status outside 2xx as bad).
--   wrk -t2 -c16 -d10s -s bench/rotate.lua http://127.0.0.1:PORT -- PATHS_FILE [STATUS]
-- PATHS_FILE has one path (with query string) per line. STATUS: the status every
-- answer must have (e.g. 304 for a repeated request by ETag); without it, any 2xx.
-- Each wrk thread starts at a different offset so threads do not request in
-- lock-step. At the end it prints latency percentiles, bytes per request and the
-- count of answers with another status (non2xx) as one line starting with "RESULT".
local paths = {}
local counter = 1
local thread_id = 0
local threads = {}

function setup(thread)
  thread:set("thread_id", thread_id)
  thread_id = thread_id + 1
  table.insert(threads, thread)
end

function init(args)
  local file = args[1] or error("usage: -- PATHS_FILE [STATUS]")
  expect = tonumber(args[2] or "")
  for line in io.lines(file) do
    if #line > 0 then table.insert(paths, line) end
  end
  if #paths == 0 then error("no paths in " .. file) end
  counter = 1 + (thread_id * 7919) % #paths
  non2xx = 0
end

function request()
  local p = paths[counter]
  counter = counter % #paths + 1
  return wrk.format("GET", p)
end

function response(status, headers, body)
  if expect then
    if status ~= expect then non2xx = non2xx + 1 end
  elseif status < 200 or status > 299 then
    non2xx = non2xx + 1
  end
end

function done(summary, latency, requests)
  local bad = 0
  for _, t in ipairs(threads) do bad = bad + (t:get("non2xx") or 0) end
  io.write(string.format(
    "RESULT requests=%d duration_s=%.2f rps=%.1f p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f max_ms=%.2f bytes_per_req=%.0f errors=%d non2xx=%d\n",
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000,
    summary.bytes / math.max(summary.requests, 1),
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    bad))
end
