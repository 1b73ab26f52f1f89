-- SPDX-License-Identifier: MIT
-- wrk script: add_prefix with a new /30 assignment under 10.0.0.0/8 on every
-- request (10.128.0.0 upwards); counts fault responses. Environment as in
-- xmlrpc.lua: PREFIXD_USER, PREFIXD_PASSWORD.
local base = dofile((os.getenv("PREFIXD_BENCH_DIR") or "bench") .. "/xmlrpc.lua")
-- Each run starts where the previous left off (PREFIXD_ADD_OFFSET), so no
-- run repeats a prefix.
local n = tonumber(os.getenv("PREFIXD_ADD_OFFSET") or "0")

request = function()
  local a = 128 + math.floor(n / 16384) % 128
  local b = math.floor(n / 64) % 256
  local c = (n % 64) * 4
  n = n + 1
  local prefix = string.format("10.%d.%d.%d/30", a, b, c)
  local body = base.call("add_prefix",
    "<member><name>attr</name><value><struct>" ..
    "<member><name>prefix</name><value><string>" .. prefix .. "</string></value></member>" ..
    "<member><name>type</name><value><string>assignment</string></value></member>" ..
    "<member><name>description</name><value><string>bench</string></value></member>" ..
    "</struct></value></member>")
  return wrk.format("POST", "/XMLRPC", nil, body)
end
