-- photo_upload.lua - wrk script: each request uploads a distinct 4 MiB JPEG.
--
-- The photo (GRIDD_BENCH_PHOTO) gets a JPEG comment segment (FF FE) right
-- after its start marker holding a per-request counter, so every upload has
-- its own sha256 and is decoded and stored in full (the same bytes twice
-- would be deduplicated). Reports come round-robin from GRIDD_BENCH_REPORTS
-- (one id per line); the token from GRIDD_BENCH_TOKEN.
local token = os.getenv("GRIDD_BENCH_TOKEN") or error("set GRIDD_BENCH_TOKEN")
local photo_path = os.getenv("GRIDD_BENCH_PHOTO") or error("set GRIDD_BENCH_PHOTO")
local reports_path = os.getenv("GRIDD_BENCH_REPORTS") or error("set GRIDD_BENCH_REPORTS")
local threads = 0

function setup(thread)
	threads = threads + 1
	thread:set("id", threads)
end

local photo, reports, counter = nil, {}, 0

function init(args)
	local f = assert(io.open(photo_path, "rb"))
	photo = f:read("*a")
	f:close()
	for line in io.lines(reports_path) do
		if #line > 0 then reports[#reports + 1] = line end
	end
	assert(#reports > 0, "no reports")
end

function request()
	counter = counter + 1
	local tag = string.format("%04d-%010d", id, counter)   -- 15 bytes
	local comment = "\255\254" .. string.char(0, #tag + 2) .. tag
	local body = photo:sub(1, 2) .. comment .. photo:sub(3)
	local report = reports[(counter + id) % #reports + 1]
	local headers = {
		["Content-Type"] = "image/jpeg",
		["Authorization"] = "Bearer " .. token,
	}
	return wrk.format("POST", "/v1/reports/" .. report .. "/photos?kind=before", headers, body)
end
