-- reads.lua — wrk script for bench/reads.py: GET paths read from a file.
--
--   wrk -s bench/reads.lua URL -- PATHS_FILE [random|seq]
--
-- Each wrk thread loads the paths (one a line, e.g. "/cases/123" or
-- "/search?q=%E7%A4%BE") and sends, for every request, either a path drawn
-- at random (`random`, the default: a spread over all of them) or the next
-- one in order from a random start (`seq`: every request a different path
-- until the list is used up, so a search never repeats and no cache can
-- serve it).  At the end it prints one line that reads.py parses:
--
--   RESULT rps=… p50_ms=… p95_ms=… p99_ms=… requests=… errors=… non2xx=…

local paths = {}
local mode = "random"
local at = 0

function init(args)
    local f = assert(io.open(args[1], "r"), "cannot open " .. tostring(args[1]))
    for line in f:lines() do
        if #line > 0 then
            paths[#paths + 1] = line
        end
    end
    f:close()
    assert(#paths > 0, "no paths in " .. args[1])
    mode = args[2] or "random"
    -- A different stream per thread and per run.
    local seed = os.time() + math.floor(os.clock() * 1e6)
    for c in tostring({}):gmatch("%x") do
        seed = seed * 16 + tonumber(c, 16)
        seed = seed % 2147483647
    end
    math.randomseed(seed)
    at = math.random(#paths)
end

function request()
    local p
    if mode == "seq" then
        at = at % #paths + 1
        p = paths[at]
    else
        p = paths[math.random(#paths)]
    end
    return wrk.format("GET", p)
end

function done(summary, latency, requests)
    local e = summary.errors
    io.write(string.format(
        "RESULT rps=%.1f p50_ms=%.3f p95_ms=%.3f p99_ms=%.3f requests=%d errors=%d non2xx=%d\n",
        summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000,
        latency:percentile(95) / 1000, latency:percentile(99) / 1000, summary.requests,
        e.connect + e.read + e.write + e.timeout, e.status))
end
