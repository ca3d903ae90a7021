-- POST one search-builder answer (a 10-line Ovid strategy with its concept plan) to the autosave
-- route as a signed-in learner: the answer is saved and checked, and the checks come back as HTML.
-- run.py puts the route and the form body (for this learner's open attempt) in the environment.
wrk.method = "POST"
wrk.path = os.getenv("LIT_BENCH_AUTOSAVE_SEARCH_PATH")
wrk.body = os.getenv("LIT_BENCH_AUTOSAVE_SEARCH_BODY")
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["X-CSRFToken"] = os.getenv("LIT_BENCH_CSRF_TOKEN")
