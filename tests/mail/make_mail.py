#!/usr/bin/python3
"""Writes one test mail for the CUST-9 mail-in tests (tests/api/mail_in_test.c, the fuzz
corpus, bench/mail_in.sh) with Python's own mail library (stdlib `email`), so that the
messages rolodesk parses were written by a real MIME implementation, not by us.

usage: make_mail.py --from ADDR [--name NAME] [--subject S] [--body TEXT] [--charset CS]
                    [--html] [--alternative] [--attach-size N] [--attach-type T]
                    [--attach-name F] [--header "Name: value"]... [--message-id ID]
                    [--in-reply-to ID] [--count N [--senders K] [--attach-every N]]
The message goes to stdout as bytes (CRLF line ends, as an MTA hands it over). --count N
writes N messages, each preceded by a line "#<length>" (bench/mail_in.sh)."""
import argparse
import sys
from email.header import Header
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formataddr, make_msgid


def build(a, seq=None):
    m = EmailMessage(policy=SMTP)
    frm = a.sender
    if seq is not None and a.senders:
        frm = a.sender.replace("@", "%d@" % (seq % a.senders), 1)
    m["From"] = formataddr((a.name, frm)) if a.name else frm
    m["To"] = "desk@service.example"
    subject = a.subject if seq is None else "%s %d" % (a.subject, seq)
    raw = a.encode_subject or a.raw_subject
    m["Subject"] = "SUBJECT-PLACEHOLDER" if raw else subject
    m["Message-ID"] = a.message_id or make_msgid(domain="customer.example")
    if a.in_reply_to:
        m["In-Reply-To"] = a.in_reply_to
        m["References"] = a.in_reply_to
    for h in a.header:
        k, v = h.split(":", 1)
        m[k.strip()] = v.strip()
    cs = a.charset or "utf-8"
    html = "<html><head><style>p {color: red}</style></head><body><p>%s</p>" \
           "<p>Second&nbsp;line &amp; more</p></body></html>" % a.body
    if a.html:
        m.set_content(html, subtype="html", charset=cs)
    elif a.alternative:
        m.set_content(a.body, charset=cs)
        m.add_alternative(html, subtype="html", charset=cs)
    else:
        m.set_content(a.body, charset=cs, cte=a.cte) if a.cte else m.set_content(a.body, charset=cs)
    if a.attach_size and (seq is None or not a.attach_every or seq % a.attach_every == 0):
        maintype, subtype = a.attach_type.split("/", 1)
        data = bytes((i * 7 + 3) % 256 for i in range(min(a.attach_size, 4096)))
        data = (data * (a.attach_size // len(data) + 1))[: a.attach_size]
        m.add_attachment(data, maintype=maintype, subtype=subtype, filename=a.attach_name)
    raw = m.as_bytes()
    if a.encode_subject or a.raw_subject:
        # RFC 2047 encoded-words in the named charset, written as they are (the policy
        # would re-encode them in UTF-8), or a header value given as it is to be written
        words = a.raw_subject or Header(subject, a.encode_subject).encode(linesep="\r\n")
        raw = raw.replace(b"SUBJECT-PLACEHOLDER", words.encode("ascii"), 1)
    return raw


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--from", dest="sender", required=True)
    p.add_argument("--name", default=None)
    p.add_argument("--subject", default="Printer broken")
    p.add_argument("--encode-subject", default=None, help="charset for an RFC 2047 subject")
    p.add_argument("--raw-subject", default=None, help="the Subject value, written as given")
    p.add_argument("--body", default="The printer on floor 2 is broken.")
    p.add_argument("--charset", default=None)
    p.add_argument("--cte", default=None)
    p.add_argument("--html", action="store_true")
    p.add_argument("--alternative", action="store_true")
    p.add_argument("--attach-size", type=int, default=0)
    p.add_argument("--attach-type", default="application/pdf")
    p.add_argument("--attach-name", default="report.pdf")
    p.add_argument("--header", action="append", default=[])
    p.add_argument("--message-id", default=None)
    p.add_argument("--in-reply-to", default=None)
    p.add_argument("--count", type=int, default=0)
    p.add_argument("--senders", type=int, default=0,
                   help="with --count: message i comes from <local><i %% senders>@<domain>")
    p.add_argument("--attach-every", type=int, default=0,
                   help="with --count: every n-th message carries the attachment")
    p.add_argument("--escapes", action="store_true",
                   help="decode backslash escapes (\\x85, \\u2028) in --body")
    a = p.parse_args()
    if a.escapes:
        a.body = a.body.encode("ascii").decode("unicode_escape")
    out = sys.stdout.buffer
    if not a.count:
        out.write(build(a))
        return
    for i in range(a.count):
        b = build(a, i)
        out.write(b"#%d\n" % len(b))
        out.write(b)


if __name__ == "__main__":
    main()
