-- POST one short-answer answer to the autosave route, in the same attempt as autosave_search.lua:
-- the fixed cost of saving an answer, to compare the search builder's checks with.
wrk.method = "POST"
wrk.path = os.getenv("LIT_BENCH_AUTOSAVE_SHORT_PATH")
wrk.body = os.getenv("LIT_BENCH_AUTOSAVE_SHORT_BODY")
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["X-CSRFToken"] = os.getenv("LIT_BENCH_CSRF_TOKEN")
