-- POST /session/keepalive as a signed-in learner: a form post's fixed cost (session, user, CSRF).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["X-CSRFToken"] = os.getenv("LIT_BENCH_CSRF_TOKEN")
wrk.body = ""
