-- votes.lua — wrk script for bench/votes.py: POST /api/v1/votes as verified voters.
--
--   wrk -s bench/votes.lua URL -- TOKENS_FILE CASES_FILE
--
-- Each request is one vote: a voter token drawn at random (Authorization:
-- Bearer) and a case of the stage drawn at random, as a JSON body.  At the
-- end it prints the line votes.py parses:
--
--   RESULT created=… other=… errors=… p50_ms=… p99_ms=… requests=…

local tokens, cases = {}, {}
created, other = 0, 0 -- globals: done() reads them from each thread
local threads = {}

local function lines(path, into)
    local f = assert(io.open(path, "r"), "cannot open " .. tostring(path))
    for line in f:lines() do
        if #line > 0 then into[#into + 1] = line end
    end
    f:close()
end

function setup(thread)
    table.insert(threads, thread)
end

function init(args)
    lines(args[1], tokens)
    lines(args[2], cases)
    math.randomseed(os.time() + math.floor(os.clock() * 1e6) + #tostring({}))
end

function request()
    local t = tokens[math.random(#tokens)]
    local c = cases[math.random(#cases)]
    return wrk.format("POST", "/api/v1/votes",
        {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. t},
        '{"case":' .. c .. '}')
end

function response(status, headers, body)
    if status == 201 then created = created + 1 else other = other + 1 end
end

function done(summary, latency, requests)
    local c, o = 0, 0
    for _, t in ipairs(threads) do
        c = c + (t:get("created") or 0)
        o = o + (t:get("other") or 0)
    end
    local e = summary.errors
    io.write(string.format("RESULT created=%d other=%d errors=%d p50_ms=%.2f p99_ms=%.2f requests=%d\n",
        c, o, e.connect + e.read + e.write + e.timeout, latency:percentile(50) / 1000,
        latency:percentile(99) / 1000, summary.requests))
end
