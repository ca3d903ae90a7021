-- POST /_bench/insert: the single-row INSERT baseline for write scenarios.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["User-Agent"] = "lit-benchmark"
wrk.body = ""
