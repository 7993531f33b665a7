-- wrk script for the throughput runs (bench/load/wrk.ts writes the file it reads).
-- The plan file, named by AIRLOCK_WRK_PLAN: line 1 the path, line 2 the JSON body, line 3 the
-- Authorization header value (empty: none), line 4 how many answers to count before stopping,
-- line 5 the text a good answer ends with (before trailing white space), then one pre-signed DPoP proof per line (none: no DPoP
-- header). Every request takes the next proof: each proof is used once, as a real client would.
-- One wrk thread: one Lua state, so one plan. The thread stops itself after the counted answers,
-- so no request ever goes out without a fresh proof (the plan holds one per connection more), and
-- prints AIRLOCK_WRK_STOPPED: wrk's main thread sleeps out its -d duration unless sent SIGINT,
-- which bench/load/wrk.ts does then. The clock runs from the first request to the last counted
-- answer (CLOCK_MONOTONIC through LuaJIT's FFI), not over wrk's connecting or its sleep.

local ffi = require("ffi")
ffi.cdef[[
typedef struct { long tv_sec; long tv_nsec; } airlock_timespec;
int clock_gettime(int clock, airlock_timespec *ts);
]]
local timespec = ffi.new("airlock_timespec")
local function nowUs()
  ffi.C.clock_gettime(1, timespec) -- CLOCK_MONOTONIC
  return tonumber(timespec.tv_sec) * 1e6 + tonumber(timespec.tv_nsec) / 1e3
end

local path, body, authorization, limit, ending
local proofs = {}
local nextProof = 1
-- Globals: the main thread's done() reads them with thread:get.
answers = 0
bad = 0
firstBad = ""
startUs = 0
endUs = 0

function init(args)
  local file = assert(io.open(os.getenv("AIRLOCK_WRK_PLAN"), "r"))
  path = file:read("*l")
  body = file:read("*l")
  authorization = file:read("*l")
  limit = tonumber(file:read("*l"))
  ending = file:read("*l")
  for line in file:lines() do
    proofs[#proofs + 1] = line
  end
  file:close()
end

function request()
  if startUs == 0 then startUs = nowUs() end
  local headers = { ["Content-Type"] = "application/json" }
  if authorization ~= "" then headers["Authorization"] = authorization end
  if #proofs > 0 then
    headers["DPoP"] = proofs[nextProof]
    nextProof = nextProof + 1
  end
  return wrk.format("POST", path, headers, body)
end

function response(status, headers, text)
  answers = answers + 1
  if status ~= 200 or string.sub(string.gsub(text, "%s+$", ""), -#ending) ~= ending then
    bad = bad + 1
    if firstBad == "" then firstBad = status .. " " .. string.sub(text, 1, 200) end
  end
  if answers == limit then
    endUs = nowUs()
    wrk.thread:stop()
    io.write("AIRLOCK_WRK_STOPPED\n")
    io.flush()
  end
end

local threads = {}
function setup(thread)
  threads[#threads + 1] = thread
end

function done(summary, latency, requests)
  local t = threads[1]
  local first = string.gsub(t:get("firstBad") or "", '[%c"\\]', " ")
  io.write(string.format('AIRLOCK_WRK {"answers":%d,"bad":%d,"firstBad":"%s","durationUs":%d,"p50Us":%d,"p99Us":%d}\n',
    t:get("answers"), t:get("bad"), first, t:get("endUs") - t:get("startUs"), latency:percentile(50), latency:percentile(99)))
end
