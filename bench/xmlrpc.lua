-- SPDX-License-Identifier: MIT
-- wrk script: one XML-RPC call, repeated; counts fault responses.
-- Environment: PREFIXD_USER, PREFIXD_PASSWORD, PREFIXD_METHOD (default
-- version), PREFIXD_ARGS (extra struct members as XML, default none),
-- PREFIXD_AUTHORIZATION (a whole Authorization header, e.g. "Bearer TOKEN",
-- instead of basic credentials).
local user = os.getenv("PREFIXD_USER") or "admin"
local password = os.getenv("PREFIXD_PASSWORD") or ""
local method = os.getenv("PREFIXD_METHOD") or "version"
local args = os.getenv("PREFIXD_ARGS") or ""

local function b64(data)
  local chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
  return ((data:gsub(".", function(x)
    local r, b = "", x:byte()
    for i = 8, 1, -1 do r = r .. (b % 2 ^ i - b % 2 ^ (i - 1) > 0 and "1" or "0") end
    return r
  end) .. "0000"):gsub("%d%d%d?%d?%d?%d?", function(x)
    if #x < 6 then return "" end
    local c = 0
    for i = 1, 6 do c = c + (x:sub(i, i) == "1" and 2 ^ (6 - i) or 0) end
    return chars:sub(c + 1, c + 1)
  end) .. ({ "", "==", "=" })[#data % 3 + 1])
end

-- A methodCall of `name` with the auth struct and `members` (struct members as XML).
local function call(name, members)
  return "<?xml version='1.0'?><methodCall><methodName>" .. name ..
    "</methodName><params><param><value><struct><member><name>auth</name><value><struct>" ..
    "<member><name>authoritative_source</name><value><string>nipap</string></value></member>" ..
    "</struct></value></member>" .. members .. "</struct></value></param></params></methodCall>"
end

wrk.method = "POST"
wrk.path = "/XMLRPC"
wrk.headers["Content-Type"] = "text/xml"
wrk.headers["Authorization"] = os.getenv("PREFIXD_AUTHORIZATION") or
  ("Basic " .. b64(user .. ":" .. password))
wrk.body = call(method, args)

local threads = {}
function setup(thread)
  thread:set("faults", 0)
  thread:set("non200", 0)
  table.insert(threads, thread)
end

function response(status, headers, body)
  if status ~= 200 then
    non200 = non200 + 1
  elseif body:find("<name>faultCode</name>", 1, true) then
    faults = faults + 1
  end
end

function init(args)
  faults = 0
  non200 = 0
end

function done(summary, latency, requests)
  local f, n = 0, 0
  for _, t in ipairs(threads) do
    f = f + t:get("faults")
    n = n + t:get("non200")
  end
  io.write(string.format("requests: %d  faults: %d  non-200: %d  p50: %.2f ms  p99: %.2f ms\n",
    summary.requests, f, n, latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end

-- The add_prefix call of the n-th new /30 (in 10.128.0.0/9, outside the data set's /24s).
local function add_call(n, net)
  net = net or 10
  local a = 128 + math.floor(n / 16384) % 128
  local b = math.floor(n / 64) % 256
  local c = (n % 64) * 4
  return call("add_prefix",
    "<member><name>attr</name><value><struct>" ..
    "<member><name>prefix</name><value><string>" ..
    string.format("%d.%d.%d.%d/30", net, a, b, c) .. "</string></value></member>" ..
    "<member><name>type</name><value><string>assignment</string></value></member>" ..
    "<member><name>description</name><value><string>bench</string></value></member>" ..
    "</struct></value></member>")
end

return { call = call, add_call = add_call }
