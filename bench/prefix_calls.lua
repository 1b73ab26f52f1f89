-- SPDX-License-Identifier: MIT
-- wrk script for the write calls of bench/run_xmlrpc.sh and bench/write_path.sh
-- (PREFIXD_CALL):
--   add       add_prefix, a new /30 assignment per request: NET.a.b.c/30 from
--             NET.128.0.0 upwards, the n-th request the n-th /30
--   pool      add_prefix from pool PREFIXD_POOL (family 4, the pool's length
--             and type); the answers' prefixes are written to
--             PREFIXD_RESULTS (one per line) when set, for a duplicate check
--   edit      edit_prefix of the n-th /30 (a new description)
--   remove    remove_prefix of the n-th /30
-- n starts at PREFIXD_ADD_OFFSET, so an edit or remove run that starts where
-- an add run started finds the prefixes it added; NET is PREFIXD_ADD_NET
-- (default 10). Counts fault responses (xmlrpc.lua).
local base = dofile((os.getenv("PREFIXD_BENCH_DIR") or "bench") .. "/xmlrpc.lua")
local base_response = response  -- xmlrpc.lua's fault counter
local n = tonumber(os.getenv("PREFIXD_ADD_OFFSET") or "0")
local net = tonumber(os.getenv("PREFIXD_ADD_NET") or "10")
local kind = os.getenv("PREFIXD_CALL") or "add"
local pool = os.getenv("PREFIXD_POOL") or "bench"
local results = os.getenv("PREFIXD_RESULTS")

local function member(name, value)
  return "<member><name>" .. name .. "</name><value>" .. value .. "</value></member>"
end
local function str(s) return "<string>" .. s .. "</string>" end

local function nth_prefix(i)
  return string.format("%d.%d.%d.%d/30", net, 128 + math.floor(i / 16384) % 128,
    math.floor(i / 64) % 256, (i % 64) * 4)
end

request = function()
  local prefix = nth_prefix(n)
  n = n + 1
  local body
  if kind == "add" then
    body = base.call("add_prefix", member("attr", "<struct>" .. member("prefix", str(prefix)) ..
      member("type", str("assignment")) .. member("description", str("bench")) .. "</struct>"))
  elseif kind == "pool" then
    body = base.call("add_prefix",
      member("attr", "<struct>" .. member("description", str("bench")) .. "</struct>") ..
      member("args", "<struct>" .. member("from-pool", "<struct>" .. member("name", str(pool)) ..
        "</struct>") .. member("family", "<int>4</int>") .. "</struct>"))
  elseif kind == "edit" then
    body = base.call("edit_prefix",
      member("prefix", "<struct>" .. member("prefix", str(prefix)) .. member("vrf_id", "<int>0</int>") ..
        "</struct>") ..
      member("attr", "<struct>" .. member("description", str("edited " .. n)) .. "</struct>"))
  else
    body = base.call("remove_prefix",
      member("prefix", "<struct>" .. member("prefix", str(prefix)) .. member("vrf_id", "<int>0</int>") ..
        "</struct>"))
  end
  return wrk.format("POST", "/XMLRPC", nil, body)
end

local file
response = function(status, headers, body)
  base_response(status, headers, body)
  if results and kind == "pool" then
    local p = body:match("<name>prefix</name><value><string>([^<]+)</string>")
    if p then
      file = file or io.open(results .. "." .. tostring(math.random(1, 1e9)), "a")
      file:write(p, "\n")
      file:flush()
    end
  end
end
