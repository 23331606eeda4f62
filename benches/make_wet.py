#!/usr/bin/env python3
"""Wrap a make_corpus.py corpus (--format files) into a Common Crawl-style WET file.

Each capture becomes one `conversion` record (text/plain, WARC-Target-URI, WARC-Date,
WARC-Record-ID, WARC-Identified-Content-Language), after one `warcinfo` record, and
every record is its own gzip member, as Common Crawl writes them. The URL's host is
the capture's folder (`site-0003.example`), so sites group as the folders do.

    python3 ../shared/bench/make_corpus.py --docs 100000 --out /tmp/c100k
    python3 benches/make_wet.py /tmp/c100k/docs /tmp/c100k.warc.wet.gz

Same input, same bytes (record ids are derived from the path, dates are fixed).
"""

import gzip
import hashlib
import io
import sys
import uuid
from pathlib import Path


def record(headers, block):
    head = "WARC/1.0\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers)
    head += f"Content-Length: {len(block)}\r\n\r\n"
    return head.encode() + block + b"\r\n\r\n"


def member(data):
    buf = io.BytesIO()
    # mtime=0: the same corpus gives the same bytes.
    with gzip.GzipFile(fileobj=buf, mode="wb", compresslevel=6, mtime=0) as gz:
        gz.write(data)
    return buf.getvalue()


def record_id(name):
    return f"<urn:uuid:{uuid.UUID(bytes=hashlib.sha256(name.encode()).digest()[:16])}>"


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    docs, out = Path(sys.argv[1]), Path(sys.argv[2])
    files = sorted(p for p in docs.rglob("*.txt") if p.is_file())
    with open(out, "wb") as f:
        info = b"software: docsift benches/make_wet.py\r\nformat: WARC File Format 1.0\r\n"
        f.write(member(record([("WARC-Type", "warcinfo"), ("WARC-Record-ID", record_id("warcinfo"))], info)))
        for p in files:
            rel = p.relative_to(docs)
            site = rel.parts[0] if len(rel.parts) > 1 else "root"
            raw = p.read_bytes()
            # WET text is UTF-8; captures in other encodings are decoded first,
            # as Common Crawl's converter does.
            for enc in ("utf-8-sig", "cp1252"):
                try:
                    text = raw.decode(enc)
                    break
                except UnicodeDecodeError:
                    continue
            body = text.encode("utf-8")
            lang = "rus" if any("\u0400" <= c <= "\u04ff" for c in text[:2000]) else "eng"
            headers = [
                ("WARC-Type", "conversion"),
                ("WARC-Target-URI", f"https://site-{site}.example/{rel.stem}"),
                ("WARC-Date", "2026-11-30T00:00:00Z"),
                ("WARC-Record-ID", record_id(str(rel))),
                ("WARC-Identified-Content-Language", lang),
                ("Content-Type", "text/plain"),
            ]
            f.write(member(record(headers, body)))
    print(f"{len(files)} conversion records -> {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
