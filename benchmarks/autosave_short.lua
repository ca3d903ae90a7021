-- POST one short-answer answer to the autosave route, in the same attempt as autosave_search.lua:
-- the fixed cost of saving an answer. Two answers are sent in turn, so every request is a real write.
wrk.method = "POST"
wrk.path = os.getenv("LIT_BENCH_AUTOSAVE_SHORT_PATH")
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["X-CSRFToken"] = os.getenv("LIT_BENCH_CSRF_TOKEN")
local bodies = {os.getenv("LIT_BENCH_AUTOSAVE_SHORT_BODY"), os.getenv("LIT_BENCH_AUTOSAVE_SHORT_BODY_2")}
local n = 0

function request()
  n = n + 1
  return wrk.format(nil, nil, nil, bodies[n % 2 + 1])
end
