-- wrk script of the live scenario's revalidating readers (bench/run.py): bench/wrk-desk.lua,
-- and each request carries the ETag of the last answer (If-None-Match), as a browser's
-- poll with cache "no-cache" does: unchanged answers are 304s.
-- Usage: wrk -t2 -c64 -d10s -s bench/wrk-poll.lua http://127.0.0.1:PORT -- urls.txt

dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "wrk-desk.lua")

local count_answer, rotate_init = response, init
local etag = nil
local poll_paths, poll_counter = {}, 0
not_modified = 0

function init(args)
  rotate_init(args)
  for line in io.lines(args[1]) do
    if #line > 0 then poll_paths[#poll_paths + 1] = line end
  end
end

function request()
  poll_counter = poll_counter % #poll_paths + 1
  local headers = {}
  if etag then headers["If-None-Match"] = etag end
  return wrk.format(nil, poll_paths[poll_counter], headers)
end

function response(status, headers, body)
  count_answer(status, headers, body)
  if status == 304 then not_modified = not_modified + 1 end
  etag = headers["ETag"] or headers["etag"] or etag
end
