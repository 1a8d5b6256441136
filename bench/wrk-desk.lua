-- wrk script of the busy-desk scenario (bench/run.py): bench/wrk.lua, plus a count of the
-- answers the page cache gave (X-Cache: hit or stale) among all answers.
-- Usage: wrk -t2 -c16 -d20s -s bench/wrk-desk.lua http://127.0.0.1:PORT -- urls.txt

local threads = {}
local thread_count = 0

function setup(thread)
  thread:set("id", thread_count)
  thread_count = thread_count + 1
  table.insert(threads, thread)
end

local paths = {}
local counter = 0
hits = 0
answers = 0

function init(args)
  local file = assert(io.open(args[1], "r"), "cannot open the URL list " .. tostring(args[1]))
  for line in file:lines() do
    if #line > 0 then paths[#paths + 1] = line end
  end
  file:close()
  assert(#paths > 0, "the URL list is empty")
  counter = (id or 0) * math.floor(#paths / 2)
end

function request()
  counter = counter % #paths + 1
  return wrk.format(nil, paths[counter])
end

function response(status, headers, body)
  answers = answers + 1
  local state = headers["X-Cache"] or headers["x-cache"]
  if state == "hit" or state == "stale" then hits = hits + 1 end
end

function done(summary, latency, requests)
  local total_hits, total_answers = 0, 0
  for _, thread in ipairs(threads) do
    total_hits = total_hits + thread:get("hits")
    total_answers = total_answers + thread:get("answers")
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%d,"bytes":%d,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latency_us":{"min":%d,"mean":%.1f,"max":%d,"stdev":%.1f,' ..
    '"p50":%d,"p75":%d,"p90":%d,"p99":%d,"p999":%d},"hits":%d,"answers":%d}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency.min, latency.mean, latency.max, latency.stdev,
    latency:percentile(50), latency:percentile(75), latency:percentile(90),
    latency:percentile(99), latency:percentile(99.9), total_hits, total_answers))
end
