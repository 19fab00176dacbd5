-- report_ingest.lua - wrk script: each request files a new report.
--
-- A fresh Idempotency-Key per request (thread number + counter + a random
-- run prefix), a random point in worker1's three demo cells (116.4000 -
-- 116.4036 E, 39.9100 - 39.9109 N), observed a minute ago. The access token
-- comes from GRIDD_BENCH_TOKEN.
local token = os.getenv("GRIDD_BENCH_TOKEN") or error("set GRIDD_BENCH_TOKEN")
local threads = 0

function setup(thread)
	threads = threads + 1
	thread:set("id", threads)
end

local counter = 0
local prefix

function init(args)
	math.randomseed(os.time() * 1000 + id)
	prefix = string.format("bench-%d-%d-%d", os.time(), id, math.random(1, 1000000000))
end

function request()
	counter = counter + 1
	local lon = 116.4 + math.random(0, 35999) / 10000000
	local lat = 39.91 + math.random(0, 8999) / 10000000
	local observed = os.date("!%Y-%m-%dT%H:%M:%S+00:00", os.time() - 60)
	local body = string.format(
		'{"category":"event:0102","location":{"type":"Point","coordinates":[%.7f,%.7f]},' ..
		'"description":"路边垃圾桶满溢,垃圾散落 bench","accuracy_m":8.0,"observed_at":"%s"}',
		lon, lat, observed)
	local headers = {
		["Content-Type"] = "application/json",
		["Authorization"] = "Bearer " .. token,
		["Idempotency-Key"] = prefix .. "-" .. counter,
	}
	return wrk.format("POST", nil, headers, body)
end
