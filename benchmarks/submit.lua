-- POST /attempts/<id>/submit, each request for a different prepared attempt (see submissions.py).
-- Reads the file named by LIT_BENCH_SUBMISSIONS: attempt id, session cookie, CSRF token per line.
-- wrk runs several times (warm-up, rounds); <file>.offset carries on where the last run stopped.
local rows = {}
local n = 0
local offset_file = os.getenv("LIT_BENCH_SUBMISSIONS") .. ".offset"

local function read_offset()
  local f = io.open(offset_file, "r")
  if not f then return 0 end
  local value = tonumber(f:read("*l")) or 0
  f:close()
  return value
end

function init(args)
  for line in io.lines(os.getenv("LIT_BENCH_SUBMISSIONS")) do
    local id, cookie, token = line:match("^(%d+)\t([^\t]+)\t([^\t]+)$")
    if id then table.insert(rows, {id, cookie, token}) end
  end
  n = read_offset()
end

function request()
  n = n + 1
  local row = rows[((n - 1) % #rows) + 1]
  return wrk.format("POST", "/attempts/" .. row[1] .. "/submit", {
    ["Cookie"] = "session=" .. row[2],
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["User-Agent"] = "lit-benchmark",
    ["Connection"] = "close",  -- as run.py's -H: explicit headers here replace wrk.headers
  }, "csrf_token=" .. row[3])
end

function done(summary, latency, requests)
  -- requests still in flight when the run stopped were sent too: skip past them with a margin
  local offset = read_offset() + summary.requests + 64  -- read before "w" empties the file
  local f = io.open(offset_file, "w")
  f:write(tostring(offset) .. "\n")
  f:close()
end
