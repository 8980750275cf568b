-- Shared by the load scripts: counts responses by status in every wrk thread and prints one
-- machine-readable line at the end, which `cargo xtask load` parses:
--   LOADRESULT {"requests":…, "duration_us":…, "p50_us":…, "statuses":{"200":…}, …}
-- wrk runs each thread in its own Lua state; `setup` keeps a handle on each so `done` can
-- add up their `statuses` tables.

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

statuses = {}

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

local function json_counts(counts)
  local parts = {}
  for status, n in pairs(counts) do
    table.insert(parts, string.format('"%d":%d', status, n))
  end
  table.sort(parts)
  return "{" .. table.concat(parts, ",") .. "}"
end

function done(summary, latency, requests)
  local total = {}
  for _, thread in ipairs(threads) do
    local counts = thread:get("statuses") or {}
    for status, n in pairs(counts) do
      total[status] = (total[status] or 0) + n
    end
  end
  local e = summary.errors
  io.write(string.format(
    'LOADRESULT {"requests":%d,"duration_us":%d,"bytes_read":%d,' ..
    '"p50_us":%d,"p95_us":%d,"p99_us":%d,"max_us":%d,' ..
    '"connect_errors":%d,"read_errors":%d,"write_errors":%d,"timeouts":%d,' ..
    '"statuses":%s}\n',
    summary.requests, summary.duration, summary.bytes,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max,
    e.connect, e.read, e.write, e.timeout,
    json_counts(total)))
end
