-- wrk script of the benchmark (bench/run.py): rotate over a file of URL paths, one per
-- line, each thread starting at its own offset, and print the results as one JSON line.
-- Usage: wrk -t2 -c16 -d10s -s bench/wrk.lua http://127.0.0.1:PORT -- urls.txt

local thread_count = 0

function setup(thread)
  thread:set("id", thread_count)
  thread_count = thread_count + 1
end

local paths = {}
local counter = 0

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

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%d,"bytes":%d,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latency_us":{"min":%d,"mean":%.1f,"max":%d,"stdev":%.1f,' ..
    '"p50":%d,"p75":%d,"p90":%d,"p99":%d,"p999":%d}}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency.min, latency.mean, latency.max, latency.stdev,
    latency:percentile(50), latency:percentile(75), latency:percentile(90),
    latency:percentile(99), latency:percentile(99.9)))
end
