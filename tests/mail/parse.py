#!/usr/bin/env python3
"""CUST-6: parses one RFC 5322 message on stdin with Python's own email package (a real
MIME parser) and prints what it understood as JSON: the decoded headers, every defect the
parser found (in the message and in each header), the content type, charset and transfer
encoding, the decoded text body, and the parsed Date. Used by tests/api/credentials_test.c
to prove the mail rolodeskd sends is well-formed, not just that our own code can read it."""
import email
import json
import sys
from email import policy

raw = sys.stdin.buffer.read()
msg = email.message_from_bytes(raw, policy=policy.default)
defects = [type(d).__name__ for d in msg.defects]
headers = {}
for name, value in msg.items():
    defects += [f"{name}: {type(d).__name__}" for d in getattr(value, "defects", ())]
    headers[name] = str(value)
date = msg["Date"]
out = {
    "headers": headers,
    "defects": defects,
    "content_type": msg.get_content_type(),
    "charset": msg.get_content_charset(),
    "transfer_encoding": msg.get("Content-Transfer-Encoding"),
    "date": date.datetime.isoformat() if date is not None and date.datetime else None,
    "to_addresses": [a.addr_spec for a in msg["To"].addresses] if msg["To"] else [],
    "to_names": [a.display_name for a in msg["To"].addresses] if msg["To"] else [],
    "from_addresses": [a.addr_spec for a in msg["From"].addresses] if msg["From"] else [],
    "body": msg.get_content() if not msg.is_multipart() else None,
    "seven_bit": all(b < 128 for b in raw),
    "crlf_only": b"\n" not in raw.replace(b"\r\n", b""),
}
json.dump(out, sys.stdout)
sys.stdout.write("\n")
