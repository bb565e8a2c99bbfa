#!/usr/bin/env python3
"""Re-encodes the payload of every payload-list request of the corpora the way evasion tools
do (nemesida waf-bypass's ENCODE option: BASE64, UTF-16 `\\u00XX` escapes, HTML-ENTITY), in
place: the parameter (query or form) or JSON value that carries the payload gets the encoded
form, everything else in the request stays as it was. Attack and benign records alike, so the
false-positive side of each decoder is measured too.

Usage: encode_variants.py CORPUS.jsonl... > variants.jsonl
Each output record keeps its label and class; `source` becomes `<source>+<encoding>`.
"""
import base64
import html
import json
import sys
from urllib.parse import parse_qsl, quote, unquote

ENCODINGS = {
    "base64": lambda v: base64.b64encode(v.encode()).decode(),
    # The tool writes hex(ord(c)) after `\\u00`: `\\u003c`, and for c > 0xff five or more digits.
    "utf16": lambda v: "".join(hex(ord(c)).replace("0x", "\\u00") for c in v),
    "html": html.escape,
}


def reencode_pairs(s, payload, enc, plus):
    """Replaces the value equal to `payload` in an urlencoded string; None if not found."""
    pairs = s.split("&")
    for i, item in enumerate(pairs):
        k, sep, v = item.partition("=")
        dec = unquote(v.replace("+", " ") if plus else v)
        if sep and dec == payload:
            pairs[i] = k + "=" + quote(enc(payload), safe="")
            return "&".join(pairs)
    return None


def reencode_json(node, payload, enc):
    if isinstance(node, dict):
        for k, v in node.items():
            if v == payload:
                node[k] = enc(payload)
                return True
            if reencode_json(v, payload, enc):
                return True
    elif isinstance(node, list):
        for i, v in enumerate(node):
            if v == payload:
                node[i] = enc(payload)
                return True
            if reencode_json(v, payload, enc):
                return True
    return False


def tool_variant(r, name, enc):
    """nemesida records (zones ARGS, BODY, COOKIE): the tool encodes each `k=v` value of the
    zone's string (or the whole string when it has no `=`), as its payload_encoding does."""
    def zone(s, split):
        if not split:
            return enc(s)
        out = []
        for item in s.split("&"):
            k, sep, v = item.partition("=")
            out.append(k + "=" + enc(v) if sep else enc(item))
        return "&".join(out)

    p = r["payload"]
    o = dict(r, id=r["id"] + "+" + name, source=r["source"] + "+" + name)
    headers = [h for h in r["headers"] if h[0].lower() not in ("cookie", "content-length")]
    if r["placement"] == "args":
        # requests sends a str `params` as the query string, requoting illegal characters.
        o["uri"] = "/?" + quote(zone(p, True), safe="=&%/:+?@!$'()*,;~-._")
        o["body"] = ""
    elif r["placement"] == "body":
        o["body"] = zone(p, True)
        headers.append(["Content-Length", str(len(o["body"].encode()))])
    else:
        cookie = next((h[1] for h in r["headers"] if h[0].lower() == "cookie"), "")
        name_, _, _ = cookie.partition("=")
        headers.append(["Cookie", name_ + "=" + zone(p, False)])
    o["headers"] = headers
    return o


def variant(r, name, enc):
    if r["source"] == "nemesida":
        if r.get("placement") in ("args", "body", "cookie") and r.get("subclass") not in ("api-json", "multipart"):
            return tool_variant(r, name, enc)
        return None
    payload = r["payload"]
    if r.get("payload_encoded"):
        payload = unquote(payload)
    place = r.get("placement")
    o = dict(r, id=r["id"] + "+" + name, source=r["source"] + "+" + name)
    if place in ("query", "args"):
        path, _, q = r["uri"].partition("?")
        new = reencode_pairs(q, payload, enc, True)
        if new is None:
            return None
        o["uri"] = path + "?" + new
    elif place in ("form", "body"):
        new = reencode_pairs(r["body"], payload, enc, True)
        if new is None:
            return None
        o["body"] = new
    elif place == "json":
        try:
            doc = json.loads(r["body"])
        except ValueError:
            return None
        if not reencode_json(doc, payload, enc):
            return None
        o["body"] = json.dumps(doc)
    else:
        return None
    if o["body"] != r["body"]:
        o["headers"] = [h if h[0].lower() != "content-length" else [h[0], str(len(o["body"].encode()))] for h in r["headers"]]
    return o


def main():
    for path in sys.argv[1:]:
        with open(path, encoding="utf-8") as f:
            for line in f:
                r = json.loads(line)
                if "payload" not in r or r.get("source") in ("fwaf",):
                    continue
                for name, enc in ENCODINGS.items():
                    o = variant(r, name, enc)
                    if o is not None:
                        print(json.dumps(o, ensure_ascii=False))


if __name__ == "__main__":
    main()
