/* Mail in (CUST-9): one message through GMime 3 into an rd_mime_msg (see mime.h). GMime
 * does the MIME work (structure, RFC 2047 words, transfer encodings, charsets through
 * iconv); this file picks what the service desk uses and copies it into our own memory,
 * so that nothing of GLib outlives rd_mime_parse. */
#include "mail/mime.h"

#include <gmime/gmime.h>
#include <pthread.h>
#include <string.h>

#include "base/mem.h"

static pthread_once_t gmime_once = PTHREAD_ONCE_INIT;
static void gmime_start(void) {
  g_mime_init();
}

/* A copy of s (may be NULL) in our memory, trimmed of blanks at both ends. */
static char *dup_trim(const char *s) {
  if (!s)
    return NULL;
  s += strspn(s, " \t\r\n");
  size_t n = strlen(s);
  while (n && strchr(" \t\r\n", s[n - 1]))
    n--;
  return rd_strndup(s, n);
}

static void lower(char *s) {
  for (; s && *s; s++)
    if (*s >= 'A' && *s <= 'Z')
      *s = (char)(*s - 'A' + 'a');
}

/* s made valid UTF-8 (invalid bytes become U+FFFD) and without NULs, cut at max bytes on a
 * character boundary; a new string of ours. */
static char *utf8_copy(const char *s, size_t n, size_t max) {
  if (!s) { /* an empty part's buffer */
    s = "";
    n = 0;
  }
  gchar *valid = g_utf8_make_valid(s, (gssize)n);
  size_t len = strlen(valid); /* stops at a NUL the text had */
  if (len > max) {
    len = max;
    while (len && ((unsigned char)valid[len] & 0xC0) == 0x80)
      len--;
  }
  char *out = rd_strndup(valid, len);
  g_free(valid);
  return out;
}

/* ---- HTML as text ---- */

static const struct {
  const char *name;
  const char *text;
} ENTITIES[] = {{"amp", "&"},   {"lt", "<"},     {"gt", ">"},      {"quot", "\""},
                {"apos", "'"},  {"nbsp", " "},   {"copy", "\xc2\xa9"}, {"euro", "\xe2\x82\xac"},
                {"mdash", "\xe2\x80\x94"}, {"ndash", "\xe2\x80\x93"}, {"hellip", "\xe2\x80\xa6"}};

static void add_codepoint(rd_buf *out, unsigned long cp) {
  char u[8];
  if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
    cp = 0xFFFD;
  int n = g_unichar_to_utf8((gunichar)cp, u);
  rd_buf_add(out, u, (size_t)n);
}

/* An entity at html[0] ('&'): appends its text and returns the bytes it took (0: not one). */
static size_t entity(rd_buf *out, const char *p, size_t left) {
  size_t end = 1;
  while (end < left && end < 12 && p[end] != ';')
    end++;
  if (end >= left || p[end] != ';')
    return 0;
  if (p[1] == '#') {
    bool hex = end > 2 && (p[2] == 'x' || p[2] == 'X');
    unsigned long cp = 0;
    size_t i = hex ? 3 : 2;
    if (i == end)
      return 0;
    for (; i < end; i++) {
      int d = g_ascii_xdigit_value(p[i]);
      if (d < 0 || (!hex && d > 9))
        return 0;
      cp = cp * (hex ? 16 : 10) + (unsigned long)d;
    }
    add_codepoint(out, cp);
    return end + 1;
  }
  for (size_t i = 0; i < sizeof ENTITIES / sizeof *ENTITIES; i++)
    if (strlen(ENTITIES[i].name) == end - 1 && !strncmp(p + 1, ENTITIES[i].name, end - 1)) {
      rd_buf_adds(out, ENTITIES[i].text);
      return end + 1;
    }
  return 0;
}

/* Whether the tag at p ('<', len bytes left) is named name (case-insensitive), opening or
 * closing. */
static bool tag_is(const char *p, size_t len, const char *name) {
  size_t i = 1, n = strlen(name);
  if (i < len && p[i] == '/')
    i++;
  if (len - i < n || g_ascii_strncasecmp(p + i, name, n))
    return false;
  return i + n == len || !g_ascii_isalnum(p[i + n]);
}

static void newline(rd_buf *out) {
  while (out->len && out->data[out->len - 1] == ' ')
    out->len--;
  if (out->len >= 2 && out->data[out->len - 1] == '\n' && out->data[out->len - 2] == '\n')
    return;
  if (out->len)
    rd_buf_add(out, "\n", 1);
}

void rd_mime_html_text(rd_buf *out, const char *html, size_t len) {
  static const char *const BLOCKS[] = {"br", "p", "div", "li", "tr", "h1", "h2", "h3", "h4",
                                       "h5", "h6", "table", "ul", "ol", "blockquote", "pre",
                                       NULL};
  size_t start = out->len;
  for (size_t i = 0; i < len;) {
    char ch = html[i];
    if (ch == '<') {
      const char *gt = memchr(html + i, '>', len - i);
      size_t tlen = gt ? (size_t)(gt - (html + i)) : len - i;
      const char *tag = html + i;
      if (tag_is(tag, tlen, "script") || tag_is(tag, tlen, "style") ||
          tag_is(tag, tlen, "head")) {
        if (tag[1] != '/') { /* skip to the closing tag */
          const char *name = tag_is(tag, tlen, "script") ? "</script"
                             : tag_is(tag, tlen, "style") ? "</style"
                                                          : "</head";
          size_t j = i + tlen;
          while (j < len && !(html[j] == '<' && len - j >= strlen(name) &&
                              !g_ascii_strncasecmp(html + j, name, strlen(name))))
            j++;
          const char *close = j < len ? memchr(html + j, '>', len - j) : NULL;
          i = close ? (size_t)(close - html) + 1 : len;
          continue;
        }
      } else if (len - i >= 4 && !strncmp(tag, "<!--", 4)) {
        const char *endc = g_strstr_len(html + i + 4, (gssize)(len - i - 4), "-->");
        i = endc ? (size_t)(endc - html) + 3 : len;
        continue;
      } else {
        for (int b = 0; BLOCKS[b]; b++)
          if (tag_is(tag, tlen, BLOCKS[b])) {
            newline(out);
            break;
          }
      }
      i += gt ? tlen + 1 : tlen;
      continue;
    }
    if (ch == '&') {
      size_t took = entity(out, html + i, len - i);
      if (took) {
        i += took;
        continue;
      }
    }
    if (ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n') {
      if (out->len > start && out->data[out->len - 1] != ' ' && out->data[out->len - 1] != '\n')
        rd_buf_add(out, " ", 1);
      i++;
      continue;
    }
    rd_buf_add(out, &ch, 1);
    i++;
  }
  while (out->len > start && strchr(" \n", out->data[out->len - 1]))
    out->len--;
  rd_buf_cstr(out);
}

/* ---- parts ---- */

/* The decoded content of part (transfer encoding undone) in a new memory stream (the
 * caller unrefs it); text parts converted from their charset to UTF-8 when GMime knows
 * it (an unknown charset passes through and is made valid UTF-8 by the caller). */
static GMimeStream *decoded(GMimePart *part, bool text) {
  GMimeStream *mem = g_mime_stream_mem_new();
  GMimeDataWrapper *w = g_mime_part_get_content(part);
  if (!w)
    return mem;
  GMimeStream *f = g_mime_stream_filter_new(mem);
  const char *cs = text ? g_mime_object_get_content_type_parameter(GMIME_OBJECT(part), "charset")
                        : NULL;
  if (cs && g_ascii_strcasecmp(cs, "utf-8") && g_ascii_strcasecmp(cs, "us-ascii")) {
    GMimeFilter *conv = g_mime_filter_charset_new(cs, "UTF-8");
    if (conv) {
      g_mime_stream_filter_add(GMIME_STREAM_FILTER(f), conv);
      g_object_unref(conv);
    }
  }
  g_mime_data_wrapper_write_to_stream(w, f);
  g_mime_stream_flush(f);
  g_object_unref(f);
  return mem;
}

typedef struct walk {
  rd_mime_msg *m;
  char *plain, *html; /* the first text/plain and text/html bodies (ours) */
} walk;

/* A forwarded message (message/rfc822 part) as an attachment of its own: its bytes as
 * GMime writes them, named after its subject. */
static void add_forwarded(walk *w, GMimeMessagePart *mp) {
  rd_mime_msg *m = w->m;
  GMimeMessage *inner = g_mime_message_part_get_message(mp);
  if (!inner)
    return;
  if (m->nparts == RD_MIME_PARTS_MAX) {
    m->parts_dropped++;
    return;
  }
  GMimeStream *s = g_mime_stream_mem_new();
  g_mime_object_write_to_stream(GMIME_OBJECT(inner), NULL, s);
  GByteArray *a = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(s));
  rd_mime_attachment *at = &m->parts[m->nparts++];
  const char *subject = g_mime_message_get_subject(inner);
  rd_buf name;
  rd_buf_init(&name);
  rd_buf_printf(&name, "%.200s.eml", subject && *subject ? subject : "forwarded message");
  at->filename = utf8_copy(name.data, name.len, 1000);
  rd_buf_term(&name);
  for (char *p = at->filename; *p; p++)
    if (*p == '/' || *p == '\\' || (unsigned char)*p < 0x20)
      *p = '_';
  at->content_type = rd_strdup("message/rfc822");
  at->len = a->len;
  at->data = rd_malloc(a->len ? a->len : 1);
  if (a->len)
    memcpy(at->data, a->data, a->len);
  g_object_unref(s);
}

static void add_attachment(walk *w, GMimePart *part) {
  rd_mime_msg *m = w->m;
  if (m->nparts == RD_MIME_PARTS_MAX) {
    m->parts_dropped++;
    return;
  }
  GMimeStream *s = decoded(part, false);
  GByteArray *a = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(s));
  rd_mime_attachment *at = &m->parts[m->nparts++];
  const char *name = g_mime_part_get_filename(part);
  at->filename = utf8_copy(name && *name ? name : "attachment", name && *name ? strlen(name) : 10,
                           1000);
  for (char *p = at->filename; *p; p++) /* no path in a file name */
    if (*p == '/' || *p == '\\' || (unsigned char)*p < 0x20)
      *p = '_';
  GMimeContentType *ct = g_mime_object_get_content_type(GMIME_OBJECT(part));
  char *mt = ct ? g_mime_content_type_get_mime_type(ct) : NULL;
  at->content_type = rd_strdup(mt ? mt : "application/octet-stream");
  lower(at->content_type);
  g_free(mt);
  at->len = a->len;
  at->data = rd_malloc(a->len ? a->len : 1);
  if (a->len)
    memcpy(at->data, a->data, a->len);
  g_object_unref(s);
}

static void visit(GMimeObject *parent, GMimeObject *part, gpointer arg) {
  (void)parent;
  walk *w = arg;
  if (GMIME_IS_MESSAGE_PART(part)) {
    add_forwarded(w, GMIME_MESSAGE_PART(part));
    return;
  }
  if (!GMIME_IS_PART(part))
    return; /* multiparts are walked into */
  GMimePart *p = GMIME_PART(part);
  GMimeContentType *ct = g_mime_object_get_content_type(part);
  bool is_text = ct && g_mime_content_type_is_type(ct, "text", "*");
  bool attached = g_mime_part_is_attachment(p) || g_mime_part_get_filename(p) || !is_text;
  if (attached) {
    add_attachment(w, p);
    return;
  }
  bool plain = g_mime_content_type_is_type(ct, "text", "plain");
  bool html = g_mime_content_type_is_type(ct, "text", "html");
  if ((plain && w->plain) || (html && w->html) || (!plain && !html)) {
    if (!plain && !html)
      add_attachment(w, p); /* text/calendar and the like: a file */
    return;
  }
  GMimeStream *s = decoded(p, true);
  GByteArray *a = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(s));
  char *t = utf8_copy((const char *)a->data, a->len, RD_MIME_TEXT_MAX);
  g_object_unref(s);
  if (plain)
    w->plain = t;
  else
    w->html = t;
}

/* The ids of a header value (In-Reply-To, References), without <>. */
static void ids(const char *value, char **out, int max, int *n) {
  if (!value)
    return;
  GMimeReferences *refs = g_mime_references_parse(NULL, value);
  int count = refs ? g_mime_references_length(refs) : 0;
  for (int i = 0; i < count && *n < max; i++) {
    const char *id = g_mime_references_get_message_id(refs, i);
    if (id && *id)
      out[(*n)++] = utf8_copy(id, strlen(id), 998);
  }
  if (refs)
    g_mime_references_free(refs);
}

/* A header's value, trimmed, lower case, valid UTF-8 (raw 8-bit bytes become U+FFFD),
 * at most 200 bytes; NULL when absent. */
static char *header(GMimeMessage *msg, const char *name) {
  const char *v = g_mime_object_get_header(GMIME_OBJECT(msg), name);
  char *t = v ? dup_trim(v) : NULL;
  char *s = t ? utf8_copy(t, strlen(t), 200) : NULL;
  rd_free(t);
  lower(s);
  return s;
}

int rd_mime_parse(const char *data, size_t len, rd_mime_msg *out, rd_err *err) {
  pthread_once(&gmime_once, gmime_start);
  rd_mime_msg m;
  memset(&m, 0, sizeof m);
  memset(out, 0, sizeof *out);
  int rv = 0;
  GMimeStream *stream = g_mime_stream_mem_new_with_buffer(data, len);
  GMimeParser *parser = g_mime_parser_new_with_stream(stream);
  GMimeMessage *msg = g_mime_parser_construct_message(parser, NULL);
  walk w = {.m = &m};
  if (!msg) {
    rv = rd_err_set(err, RD_EINVAL, "Not an RFC 5322 message");
    goto out;
  }
  InternetAddressList *from = g_mime_message_get_from(msg);
  int nfrom = from ? internet_address_list_length(from) : 0;
  for (int i = 0; i < nfrom && !m.from; i++) {
    InternetAddress *ia = internet_address_list_get_address(from, i);
    if (!INTERNET_ADDRESS_IS_MAILBOX(ia))
      continue;
    const char *addr = internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(ia));
    if (!addr || !strchr(addr, '@'))
      continue;
    m.from = utf8_copy(addr, strlen(addr), 254);
    lower(m.from);
    const char *name = internet_address_get_name(ia);
    m.from_name = name && *name ? utf8_copy(name, strlen(name), 200) : NULL;
  }
  if (!m.from) {
    rv = rd_err_field(err, "from", "the message has no sender address (From:)");
    goto out;
  }
  const char *subject = g_mime_message_get_subject(msg);
  m.subject = utf8_copy(subject ? subject : "", subject ? strlen(subject) : 0, 4000);
  for (char *p = m.subject; *p; p++) /* a folded subject is one line */
    if (*p == '\r' || *p == '\n' || *p == '\t')
      *p = ' ';
  const char *mid = g_mime_message_get_message_id(msg);
  m.message_id = mid && *mid ? utf8_copy(mid, strlen(mid), 998) : NULL;
  char *irt[1] = {NULL};
  int nirt = 0;
  ids(g_mime_object_get_header(GMIME_OBJECT(msg), "In-Reply-To"), irt, 1, &nirt);
  m.in_reply_to = irt[0];
  ids(g_mime_object_get_header(GMIME_OBJECT(msg), "References"), m.refs, RD_MIME_REFS_MAX,
      &m.nrefs);
  m.auto_submitted = header(msg, "Auto-Submitted");
  m.precedence = header(msg, "Precedence");
  char *rp = header(msg, "Return-Path");
  GMimeObject *body = g_mime_message_get_mime_part(msg);
  GMimeContentType *top = body ? g_mime_object_get_content_type(body) : NULL;
  m.bounce = (rp && !strcmp(rp, "<>")) || (top && g_mime_content_type_is_type(top, "multipart",
                                                                               "report"));
  rd_free(rp);
  if (body && GMIME_IS_PART(body))
    visit(NULL, body, &w);
  else if (body)
    g_mime_message_foreach(msg, visit, &w);
  if (w.plain) {
    m.text = w.plain;
    w.plain = NULL;
  } else if (w.html) {
    rd_buf b;
    rd_buf_init(&b);
    rd_mime_html_text(&b, w.html, strlen(w.html));
    m.text = rd_strdup(b.len ? rd_buf_cstr(&b) : "");
    rd_buf_term(&b);
    m.text_from_html = true;
  } else {
    m.text = rd_strdup("");
  }
out:
  rd_free(w.plain);
  rd_free(w.html);
  if (msg)
    g_object_unref(msg);
  g_object_unref(parser);
  g_object_unref(stream);
  if (rv)
    rd_mime_msg_term(&m);
  else
    *out = m;
  return rv;
}

void rd_mime_msg_term(rd_mime_msg *m) {
  rd_free(m->from);
  rd_free(m->from_name);
  rd_free(m->subject);
  rd_free(m->message_id);
  rd_free(m->in_reply_to);
  for (int i = 0; i < m->nrefs; i++)
    rd_free(m->refs[i]);
  rd_free(m->auto_submitted);
  rd_free(m->precedence);
  rd_free(m->text);
  for (int i = 0; i < m->nparts; i++) {
    rd_free(m->parts[i].filename);
    rd_free(m->parts[i].content_type);
    rd_free(m->parts[i].data);
  }
  memset(m, 0, sizeof *m);
}
