-- SPDX-License-Identifier: MIT
-- wrk script: the mixed workload of issue 14 -- nine reads in ten are
-- search_prefix calls over 1 000 distinct /24s of the bench data set
-- (contained_within_equals, chosen at random), every tenth call adds a new
-- /30 (as add_prefix.lua does). Environment as xmlrpc.lua, plus
-- PREFIXD_ADD_OFFSET (where the new /30s start).
local base = dofile((os.getenv("PREFIXD_BENCH_DIR") or "bench") .. "/xmlrpc.lua")
local n = tonumber(os.getenv("PREFIXD_ADD_OFFSET") or "0")
local i = 0

local function search(k)
  local prefix = string.format("10.%d.%d.0/24", math.floor(k / 256), k % 256)
  return base.call("search_prefix",
    "<member><name>query</name><value><struct>" ..
    "<member><name>operator</name><value><string>contained_within_equals</string></value></member>" ..
    "<member><name>val1</name><value><string>prefix</string></value></member>" ..
    "<member><name>val2</name><value><string>" .. prefix .. "</string></value></member>" ..
    "</struct></value></member>")
end

request = function()
  i = i + 1
  local body = (i % 10 == 0) and base.add_call(n + i) or search(math.random(0, 999))
  return wrk.format("POST", "/XMLRPC", nil, body)
end
