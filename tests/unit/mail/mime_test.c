/* Unit tests of src/mail/mime.c (CUST-9): what the parser picks from a message (sender,
 * decoded subject, ids, auto-reply headers, text or HTML turned into text, charsets,
 * attachments) and the HTML-to-text converter. Whole deliveries run against real daemons
 * in tests/api/mail_in_test.c; arbitrary bytes in tests/fuzz/fuzz_mime.c. */
#include <criterion/criterion.h>
#include <string.h>

#include "mail/mime.h"

static void parse(const char *text, rd_mime_msg *m) {
  rd_err err;
  rd_err_clear(&err);
  cr_assert_eq(rd_mime_parse(text, strlen(text), m, &err), 0, "%s", err.message);
}

Test(mime, CUST9_headers_and_plain_text) {
  rd_mime_msg m;
  parse("From: \"Lee, Ann\" <Ann@Example.COM>\r\n"
        "Subject: =?iso-8859-1?q?Gr=FC=DFe?= =?utf-8?b?w6Q=?=\r\n"
        "Message-ID: <abc@x.example>\r\n"
        "In-Reply-To: <rdmail.12.zz@desk.example>\r\n"
        "References: <a@b> <rdmail.12.zz@desk.example>\r\n"
        "Auto-Submitted: Auto-Replied\r\n"
        "Precedence:  Bulk \r\n"
        "Content-Type: text/plain; charset=iso-8859-1\r\n"
        "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
        "K=F6ln\r\n",
        &m);
  cr_assert_str_eq(m.from, "ann@example.com");
  cr_assert_str_eq(m.from_name, "Lee, Ann");
  cr_assert_str_eq(m.subject, "Grüßeä");
  cr_assert_str_eq(m.message_id, "abc@x.example");
  cr_assert_str_eq(m.in_reply_to, "rdmail.12.zz@desk.example");
  cr_assert_eq(m.nrefs, 2);
  cr_assert_str_eq(m.refs[1], "rdmail.12.zz@desk.example");
  cr_assert_str_eq(m.auto_submitted, "auto-replied");
  cr_assert_str_eq(m.precedence, "bulk");
  cr_assert_str_eq(m.text, "Köln\r\n");
  cr_assert_eq(m.nparts, 0);
  rd_mime_msg_term(&m);
}

Test(mime, CUST9_html_only_and_attachment) {
  rd_mime_msg m;
  parse("From: a@b.c\r\nMIME-Version: 1.0\r\n"
        "Content-Type: multipart/mixed; boundary=B\r\n\r\n"
        "--B\r\nContent-Type: text/html; charset=koi8-r\r\n\r\n"
        "<html><head><title>t</title><style>p{}</style></head><body>"
        "<p>\xf0\xd2\xc9\xd7\xc5\xd4</p><script>x()</script><p>a&amp;b&#33;&#x263A;</p>"
        "</body></html>\r\n"
        "--B\r\nContent-Type: application/pdf; name=r.pdf\r\n"
        "Content-Disposition: attachment; filename=\"../r.pdf\"\r\n"
        "Content-Transfer-Encoding: base64\r\n\r\nJVBERi0=\r\n--B--\r\n",
        &m);
  cr_assert(m.text_from_html);
  cr_assert_str_eq(m.text, "Привет\n\na&b!☺");
  cr_assert_eq(m.nparts, 1);
  cr_assert_str_eq(m.parts[0].filename, ".._r.pdf");
  cr_assert_str_eq(m.parts[0].content_type, "application/pdf");
  cr_assert_eq(m.parts[0].len, 5);
  cr_assert(!memcmp(m.parts[0].data, "%PDF-", 5));
  rd_mime_msg_term(&m);
}

Test(mime, CUST9_no_sender_is_refused) {
  rd_mime_msg m;
  rd_err err;
  rd_err_clear(&err);
  const char *t = "Subject: x\r\nFrom: undisclosed-recipients:;\r\n\r\nhi\r\n";
  cr_assert_eq(rd_mime_parse(t, strlen(t), &m, &err), RD_EINVAL);
  cr_assert_null(m.from);
}

Test(mime, CUST9_html_text_converter) {
  rd_buf b;
  rd_buf_init(&b);
  const char *h = "  <div>one<br>two</div>\n\n<!-- c -->three &lt;4&gt; &bogus; &#0; &#xZZ;";
  rd_mime_html_text(&b, h, strlen(h));
  cr_assert_str_eq(rd_buf_cstr(&b), "one\ntwo\nthree <4> &bogus; \xef\xbf\xbd &#xZZ;");
  rd_buf_term(&b);
}

Test(mime, CUST9_forwarded_message_is_one_attachment) {
  rd_mime_msg m;
  parse("From: a@b.c\r\nMIME-Version: 1.0\r\n"
        "Content-Type: multipart/mixed; boundary=O\r\n\r\n"
        "--O\r\nContent-Type: text/plain\r\n\r\nSee below.\r\n"
        "--O\r\nContent-Type: message/rfc822\r\n\r\n"
        "From: x@y.z\r\nSubject: Old/thing\r\nMIME-Version: 1.0\r\n"
        "Content-Type: multipart/mixed; boundary=I\r\n\r\n"
        "--I\r\nContent-Type: text/plain\r\n\r\ninner text\r\n"
        "--I\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment;"
        " filename=in.pdf\r\n\r\nPDF\r\n--I--\r\n"
        "--O--\r\n",
        &m);
  cr_assert_str_eq(m.text, "See below.");
  cr_assert_eq(m.nparts, 1, "the inner parts stay inside the forwarded message");
  cr_assert_str_eq(m.parts[0].content_type, "message/rfc822");
  cr_assert_str_eq(m.parts[0].filename, "Old_thing.eml");
  cr_assert(memmem(m.parts[0].data, m.parts[0].len, "inner text", 10));
  rd_mime_msg_term(&m);
}
