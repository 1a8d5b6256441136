-- wrk script of the busy-desk scenario (bench/run.py): bench/wrk.lua, plus a count of the
-- answers the page cache gave (X-Cache: hit or stale) among all answers, printed after
-- wrk.lua's line as BENCH_HITS {"hits": N, "answers": N}.
-- Usage: wrk -t2 -c16 -d20s -s bench/wrk-desk.lua http://127.0.0.1:PORT -- urls.txt

dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "wrk.lua")

local threads = {}
local rotate_setup, report = setup, done
hits = 0
answers = 0

function setup(thread)
  rotate_setup(thread)
  table.insert(threads, thread)
end

function response(status, headers, body)
  answers = answers + 1
  local state = headers["X-Cache"] or headers["x-cache"]
  if state == "hit" or state == "stale" then hits = hits + 1 end
end

function done(summary, latency, requests)
  report(summary, latency, requests)
  local total_hits, total_answers = 0, 0
  for _, thread in ipairs(threads) do
    total_hits = total_hits + thread:get("hits")
    total_answers = total_answers + thread:get("answers")
  end
  io.write(string.format('BENCH_HITS {"hits":%d,"answers":%d}\n', total_hits, total_answers))
end
