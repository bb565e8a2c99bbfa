#!/usr/bin/env python3
"""Moves the payload of payload-list requests (a deterministic quarter of them) to the other
places a request carries attacker input: a cookie, a custom header, a nested JSON value, a
JSON key, an XML element, a multipart field, a path segment, a query-argument name and the
query of a Referer URL. Attack and benign records alike (benign payloads measure the cost).

Usage: placement_variants.py CORPUS.jsonl... > variants.jsonl
Each output record keeps its label and class; `source` becomes `<source>@<place>`.
"""
import json
import sys
import zlib
from urllib.parse import quote, unquote
from xml.sax.saxutils import escape

PLACES = ["cookie", "header", "jsonnest", "jsonkey", "xml", "multipart", "path", "qkey", "referer"]
BASE_HEADERS = [["Host", "example.com"], ["User-Agent", "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0"], ["Accept", "*/*"]]


def place(r, where, p):
    o = dict(r, id=r["id"] + "@" + where, source=r["source"] + "@" + where, method="GET", uri="/app/item", body="")
    hs = [list(h) for h in BASE_HEADERS]
    if where == "cookie":
        hs.append(["Cookie", "session=abc123; pref=" + quote(p, safe="")])
    elif where == "header":
        hs.append(["X-Custom-Data", p.replace("\r", " ").replace("\n", " ")])
    elif where in ("jsonnest", "jsonkey"):
        doc = {"data": {"items": [{"note": p}]}} if where == "jsonnest" else {p: "1"}
        o.update(method="POST", body=json.dumps(doc))
        hs.append(["Content-Type", "application/json"])
    elif where == "xml":
        o.update(method="POST", body='<?xml version="1.0"?><req><note>' + escape(p) + "</note></req>")
        hs.append(["Content-Type", "application/xml"])
    elif where == "multipart":
        b = "----x7MA4YWxk"
        o.update(method="POST", body="--" + b + '\r\nContent-Disposition: form-data; name="note"\r\n\r\n' + p + "\r\n--" + b + "--\r\n")
        hs.append(["Content-Type", "multipart/form-data; boundary=" + b])
    elif where == "path":
        o["uri"] = "/app/" + quote(p, safe="") + "/view"
    elif where == "qkey":
        o["uri"] = "/app/item?" + quote(p, safe="") + "=1"
    elif where == "referer":
        hs.append(["Referer", "https://example.com/search?q=" + quote(p, safe="")])
    if o["body"]:
        hs.append(["Content-Length", str(len(o["body"].encode()))])
    o["headers"] = hs
    return o


def main():
    for path in sys.argv[1:]:
        with open(path, encoding="utf-8") as f:
            for line in f:
                r = json.loads(line)
                if "payload" not in r or r["source"] in ("fwaf", "nemesida") or r["class"] == "other":
                    continue
                if zlib.crc32(r["id"].encode()) % 4:
                    continue
                p = unquote(r["payload"]) if r.get("payload_encoded") else r["payload"]
                for where in PLACES:
                    print(json.dumps(place(r, where, p), ensure_ascii=False))


if __name__ == "__main__":
    main()
