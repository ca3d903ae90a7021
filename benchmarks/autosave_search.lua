-- POST one search-builder answer (a 10-line Ovid strategy with its concept plan) to the autosave
-- route as a signed-in learner: the answer is saved and checked, and the checks come back as HTML.
-- run.py puts the route and two form bodies (for this learner's open attempt) in the environment;
-- they are sent in turn, so that every request changes the saved answer.
wrk.method = "POST"
wrk.path = os.getenv("LIT_BENCH_AUTOSAVE_SEARCH_PATH")
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["X-CSRFToken"] = os.getenv("LIT_BENCH_CSRF_TOKEN")
local bodies = {os.getenv("LIT_BENCH_AUTOSAVE_SEARCH_BODY"), os.getenv("LIT_BENCH_AUTOSAVE_SEARCH_BODY_2")}
local n = 0

function request()
  n = n + 1
  return wrk.format(nil, nil, nil, bodies[n % 2 + 1])
end
