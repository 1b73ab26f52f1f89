-- SPDX-License-Identifier: MIT
-- wrk script: add_prefix with a new /30 assignment on every request, under
-- NET.0.0.0/8 (PREFIXD_ADD_NET, default 10) from NET.128.0.0 upwards; counts
-- fault responses. Environment as in xmlrpc.lua: PREFIXD_USER,
-- PREFIXD_PASSWORD.
local base = dofile((os.getenv("PREFIXD_BENCH_DIR") or "bench") .. "/xmlrpc.lua")
-- Each run starts where the previous left off (PREFIXD_ADD_OFFSET), so no
-- run repeats a prefix.
local n = tonumber(os.getenv("PREFIXD_ADD_OFFSET") or "0")
local net = tonumber(os.getenv("PREFIXD_ADD_NET") or "10")

request = function()
  local body = base.add_call(n, net)
  n = n + 1
  return wrk.format("POST", "/XMLRPC", nil, body)
end
