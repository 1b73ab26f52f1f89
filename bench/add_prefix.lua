-- SPDX-License-Identifier: MIT
-- wrk script: add_prefix with a new /30 assignment under 10.0.0.0/8 on every
-- request (10.128.0.0 upwards); counts fault responses. Environment as in
-- xmlrpc.lua: PREFIXD_USER, PREFIXD_PASSWORD.
local base = dofile((os.getenv("PREFIXD_BENCH_DIR") or "bench") .. "/xmlrpc.lua")
-- Each run starts where the previous left off (PREFIXD_ADD_OFFSET), so no
-- run repeats a prefix.
local n = tonumber(os.getenv("PREFIXD_ADD_OFFSET") or "0")

request = function()
  local body = base.add_call(n)
  n = n + 1
  return wrk.format("POST", "/XMLRPC", nil, body)
end
