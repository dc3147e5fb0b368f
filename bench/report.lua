-- bench/report.lua -- wrk script for bench/writes.sh: POST /api/v1/reports.
--
-- Layer: tooling (bench/). Job: make every request a real write. The office
-- submits daily reports on behalf of people P0001..P0300 for FK_DAYS past
-- days from 2020-02-01 (default 60: 2020-02-01..2020-03-31, all under the
-- Feb 2020 policy). Request k (0, 1, 2, ... over all wrk threads) is person
-- k mod 300 on day (k div 300) mod FK_DAYS, so 300 * FK_DAYS requests (18000
-- by default) pass before a (person, day) comes back; when it does, the
-- report gets a new version (earlier versions are kept). Every request
-- carries a unique request_id, as the web page's does, so none is a replay.
--
-- Every answer is checked: each 201's request_id is kept, any other status is
-- counted (with the first such body), and done() writes the acknowledged
-- request_ids to FK_ACK_FILE, one a line, so writes.sh can check that each of
-- them is stored.
--
-- Environment (set by writes.sh):
--   FK_TOKEN    bearer token of the office login (required)
--   FK_TAG      request_id prefix, unique per wrk run ([A-Za-z0-9_.-])
--   FK_OFFSET   first k of this run (default 0), so rounds continue the sequence
--   FK_THREADS  wrk's -t (the stride between a thread's requests)
--   FK_DAYS     how many days from 2020-02-01 (default 60); the caller checks
--               that the last one is not after today
--   FK_ACK_FILE where done() writes the acknowledged request_ids
--
-- Figures the script prints (one line each, parsed by writes.sh):
--   fk-writes: status 201 N
--   fk-writes: status other N
--   fk-writes: first other: STATUS BODY

local PEOPLE = 300
local DAYS = tonumber(os.getenv("FK_DAYS") or "60") or 60

local token = os.getenv("FK_TOKEN") or ""
local tag = os.getenv("FK_TAG") or "w"
local offset = tonumber(os.getenv("FK_OFFSET") or "0") or 0
local stride = tonumber(os.getenv("FK_THREADS") or "1") or 1
local ack_file = os.getenv("FK_ACK_FILE")

if token == "" then
	error("FK_TOKEN is not set")
end
if stride < 1 then
	stride = 1
end
if DAYS < 1 then
	DAYS = 1
end

-- main state: number the threads and keep them for done()
local threads = {}

function setup(thread)
	thread:set("tid", #threads)
	table.insert(threads, thread)
end

-- thread state ------------------------------------------------------------

local dates = {}
local headers = {
	["Content-Type"] = "application/json",
	["Authorization"] = "Bearer " .. token,
}
local locations = { "home", "home", "home", "workplace", "dormitory" }

function init(args)
	-- noon, so that adding whole days never slips across a date line
	local first = os.time({ year = 2020, month = 2, day = 1, hour = 12 })
	for d = 0, DAYS - 1 do
		dates[#dates + 1] = os.date("%Y-%m-%d", first + d * 86400)
	end
	seq = 0 -- requests made by this thread
	ok = 0 -- 201s seen by this thread
	other = 0 -- anything else
	first_other = ""
	acked = {} -- request_ids answered 201
end

function request()
	local k = offset + seq * stride + tid
	seq = seq + 1
	local person = k % PEOPLE + 1
	local date = dates[math.floor(k / PEOPLE) % DAYS + 1]
	-- mostly normal readings; about 1 in 50 a first reading >= 37.3 (yellow,
	-- which also opens an alert), as a day at an institute would have
	local temp
	if k % 50 == 7 then
		temp = 37.4 + (k % 3) / 10
	else
		temp = 36.0 + (k % 13) / 10
	end
	local body = string.format(
		'{"date":"%s","person_id":"P%04d","temperature_c":%.1f,'
			.. '"region_code":"110108","location":"%s","request_id":"%s-%d"}',
		date,
		person,
		temp,
		locations[k % #locations + 1],
		tag,
		k
	)
	return wrk.format("POST", "/api/v1/reports", headers, body)
end

function response(status, hdrs, body)
	if status == 201 then
		local rid = body and string.match(body, '"request_id":"([A-Za-z0-9_.-]+)"')
		if rid then
			ok = ok + 1
			acked[ok] = rid
			return
		end
	end
	other = other + 1
	if first_other == "" then
		first_other = tostring(status) .. " " .. string.sub(tostring(body or ""), 1, 300)
	end
end

-- main state again --------------------------------------------------------

function done(summary, latency, requests)
	local total_ok, total_other, first = 0, 0, ""
	local f
	if ack_file then
		f = assert(io.open(ack_file, "w"))
	end
	for _, thread in ipairs(threads) do
		total_ok = total_ok + (thread:get("ok") or 0)
		total_other = total_other + (thread:get("other") or 0)
		local fo = thread:get("first_other") or ""
		if first == "" and fo ~= "" then
			first = fo
		end
		if f then
			local ids = thread:get("acked") or {}
			for i = 1, #ids do
				f:write(ids[i], "\n")
			end
		end
	end
	if f then
		f:close()
	end
	io.write(string.format("fk-writes: status 201 %d\n", total_ok))
	io.write(string.format("fk-writes: status other %d\n", total_other))
	if first ~= "" then
		io.write("fk-writes: first other: ", (string.gsub(first, "[\r\n]", " ")), "\n")
	end
end
