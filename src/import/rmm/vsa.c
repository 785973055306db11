/* The Kaseya VSA REST API driver (rmm.h): GET /auth with Basic username:token for a session
 * token, then Bearer calls under <url>/api/v1.0/, each answer an envelope whose
 * ResponseCode must be 0. Paging by $top/$skip until TotalRecords. One call is tried up to
 * RD_RMM_TRIES times on 429, 5xx and transport errors, waiting Retry-After or 1, 2, 4 s
 * (at most RD_RMM_WAIT_MAX); a 401 gets a new session once. */
#include "import/rmm.h"

#include <curl/curl.h>
#include <pthread.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "base/log.h"
#include "base/mem.h"
#include "base/str.h"
#include "domain/rmm.h"

#define TIMEOUT_DEFAULT 30
#define ANSWER_MAX (64u << 20) /* one page of 100 records is far less */

struct rd_rmm {
  char base[RD_RMM_URL_MAX + 16]; /* <url>/api/v1.0 */
  char *username, *token, *ca_file;
  char session[512];
  long timeout, requests;
  const atomic_bool *stop;
  CURL *h;
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static void curl_init(void) {
  curl_global_init(CURL_GLOBAL_DEFAULT);
}

static const char *str(const json_t *o, const char *k) {
  const char *s = json_string_value(json_object_get(o, k));
  return s && *s ? s : NULL;
}

static int failed(rd_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int failed(rd_err *err, const char *fmt, ...) {
  char msg[RD_ERR_MSG_MAX - 32];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  rd_err_set(err, RD_EUNAVAIL, "The RMM failed: %s", msg);
  if (err)
    err->status = 502;
  return RD_EUNAVAIL;
}

int rd_rmm_open(const json_t *settings, const atomic_bool *stop, rd_rmm **out, rd_err *err) {
  const char *url = str(settings, "url"), *user = str(settings, "username"),
             *token = str(settings, "token");
  if (!url || !user || !token)
    return rd_err_field(err, "settings.rmm", "url, username and token must be set first");
  if (!rd_rmm_url_ok(url) || strlen(url) > RD_RMM_URL_MAX)
    return rd_err_field(err, "settings.rmm.url", "must be an https:// URL");
  pthread_once(&curl_once, curl_init);
  rd_rmm *r = rd_calloc(1, sizeof *r);
  size_t n = strlen(url);
  while (n && url[n - 1] == '/')
    n--;
  snprintf(r->base, sizeof r->base, "%.*s/api/v1.0", (int)n, url);
  r->username = rd_strdup(user);
  r->token = rd_strdup(token);
  r->ca_file = str(settings, "ca_file") ? rd_strdup(str(settings, "ca_file")) : NULL;
  json_t *t = json_object_get(settings, "timeout");
  r->timeout = json_is_integer(t) ? (long)json_integer_value(t) : TIMEOUT_DEFAULT;
  r->stop = stop;
  r->h = curl_easy_init();
  if (!r->h) {
    rd_rmm_close(r);
    return rd_err_set(err, RD_EINTERNAL, "Cannot start the HTTP client");
  }
  *out = r;
  return 0;
}

void rd_rmm_close(rd_rmm *r) {
  if (!r)
    return;
  if (r->h)
    curl_easy_cleanup(r->h);
  if (r->token)
    sodium_memzero(r->token, strlen(r->token));
  rd_free(r->username);
  rd_free(r->token);
  rd_free(r->ca_file);
  rd_free(r);
}

long rd_rmm_requests(const rd_rmm *r) {
  return r->requests;
}

typedef struct answer {
  rd_buf body;
  long retry_after;
  bool too_big;
} answer;

static size_t write_cb(char *p, size_t size, size_t n, void *arg) {
  answer *a = arg;
  if (a->body.len + size * n > ANSWER_MAX) {
    a->too_big = true;
    return 0;
  }
  rd_buf_add(&a->body, p, size * n);
  return size * n;
}

static size_t header_cb(char *p, size_t size, size_t n, void *arg) {
  answer *a = arg;
  size_t len = size * n;
  if (len > 12 && !strncasecmp(p, "Retry-After:", 12)) {
    long s = strtol(p + 12, NULL, 10);
    a->retry_after = s > 0 ? s : 0;
  }
  return len;
}

static int progress_cb(void *arg, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un) {
  const atomic_bool *stop = arg;
  return stop && atomic_load(stop) ? 1 : 0;
}

/* Sleeps seconds unless stop is set (checked every 100 ms). */
static bool wait_for(const rd_rmm *r, long seconds) {
  for (long i = 0; i < seconds * 10; i++) {
    if (r->stop && atomic_load(r->stop))
      return false;
    struct timespec ts = {0, 100 * 1000 * 1000};
    nanosleep(&ts, NULL);
  }
  return true;
}

/* One HTTP exchange: *status and the answer's body in a. */
static int exchange(rd_rmm *r, const char *method, const char *url, const char *auth,
                    const char *body, answer *a, long *status, rd_err *err) {
  CURL *h = r->h;
  curl_easy_reset(h);
  struct curl_slist *hs = curl_slist_append(NULL, auth);
  hs = curl_slist_append(hs, "Accept: application/json");
  if (body)
    hs = curl_slist_append(hs, "Content-Type: application/json");
  char errbuf[CURL_ERROR_SIZE] = "";
  curl_easy_setopt(h, CURLOPT_URL, url);
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, rd_rmm_http_allowed() ? "http,https" : "https");
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, r->timeout < 10 ? r->timeout : 10L);
  curl_easy_setopt(h, CURLOPT_TIMEOUT, r->timeout);
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
  if (r->ca_file)
    curl_easy_setopt(h, CURLOPT_CAINFO, r->ca_file);
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, hs);
  curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
  if (body)
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, write_cb);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, a);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, header_cb);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, a);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, progress_cb);
  curl_easy_setopt(h, CURLOPT_XFERINFODATA, (void *)r->stop);
  r->requests++;
  CURLcode cc = curl_easy_perform(h);
  curl_slist_free_all(hs);
  *status = 0;
  if (cc == CURLE_OK) {
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, status);
    return 0;
  }
  if (a->too_big)
    return failed(err, "%s answered more than 64 MiB", url);
  return failed(err, "%s (curl %d)", *errbuf ? errbuf : curl_easy_strerror(cc), (int)cc);
}

static int auth(rd_rmm *r, rd_err *err);

/* One call: method on path (with query) under the base; *result (new reference) is the
 * envelope's Result, *total its TotalRecords. Retries as the file's comment says. */
static int call(rd_rmm *r, const char *method, const char *path, json_t *in, json_t **result,
                long long *total, rd_err *err) {
  char url[RD_RMM_URL_MAX + 256], bearer[600];
  snprintf(url, sizeof url, "%s%s", r->base, path);
  char *body = in ? json_dumps(in, JSON_COMPACT) : NULL;
  bool renewed = false;
  int rv = 0;
  for (int attempt = 1;; attempt++) {
    if (!r->session[0] && (rv = auth(r, err)))
      break;
    snprintf(bearer, sizeof bearer, "Authorization: Bearer %s", r->session);
    answer a = {0};
    rd_buf_init(&a.body);
    long status = 0;
    rv = exchange(r, method, url, bearer, body, &a, &status, err);
    bool again = rv != 0 || status == 429 || status >= 500;
    if (!rv && status == 401 && !renewed) {
      renewed = true;
      r->session[0] = 0; /* the session expired: once more with a new one */
      rd_buf_term(&a.body);
      attempt--;
      continue;
    }
    if (again && attempt < RD_RMM_TRIES && !(r->stop && atomic_load(r->stop))) {
      long wait = a.retry_after ? a.retry_after : 1L << (attempt - 1);
      rd_buf_term(&a.body);
      if (wait > RD_RMM_WAIT_MAX)
        wait = RD_RMM_WAIT_MAX;
      rd_log(RD_LOG_INFO, "rmm: %s %s failed, try %d of %d in %ld s", method, path, attempt + 1,
             RD_RMM_TRIES, wait);
      if (!wait_for(r, wait))
        return failed(err, "%s: stopped", path);
      rd_err_clear(err);
      continue;
    }
    if (!rv && status != 200)
      rv = failed(err, "%s answered HTTP %ld", path, status);
    json_t *e = NULL;
    if (!rv) {
      json_error_t je;
      e = json_loadb(a.body.data ? a.body.data : "", a.body.len, 0, &je);
      json_t *code = json_object_get(e, "ResponseCode");
      if (!json_is_object(e) || !json_is_integer(code))
        rv = failed(err, "%s answered something that is not a VSA envelope", path);
      else if (json_integer_value(code) != 0)
        rv = failed(err, "%s answered ResponseCode %ld", path, (long)json_integer_value(code));
      if (rv && json_is_string(json_object_get(e, "Error")) && err)
        snprintf(err->message + strlen(err->message), sizeof err->message - strlen(err->message),
                 ": %.120s", json_string_value(json_object_get(e, "Error")));
    }
    if (!rv) {
      json_t *t = json_object_get(e, "TotalRecords");
      *total = json_is_integer(t) ? (long long)json_integer_value(t) : -1;
      *result = json_incref(json_object_get(e, "Result"));
    }
    json_decref(e);
    rd_buf_term(&a.body);
    break;
  }
  free(body);
  return rv;
}

static int auth(rd_rmm *r, rd_err *err) {
  char url[RD_RMM_URL_MAX + 32], cred[1200], header[1700];
  snprintf(url, sizeof url, "%s/auth", r->base);
  int n = snprintf(cred, sizeof cred, "%s:%s", r->username, r->token);
  if (n < 0 || (size_t)n >= sizeof cred)
    return rd_err_field(err, "settings.rmm.token", "is too long");
  char b64[1700];
  sodium_bin2base64(b64, sizeof b64, (unsigned char *)cred, (size_t)n,
                    sodium_base64_VARIANT_ORIGINAL);
  sodium_memzero(cred, sizeof cred);
  snprintf(header, sizeof header, "Authorization: Basic %s", b64);
  answer a = {0};
  rd_buf_init(&a.body);
  long status = 0;
  int rv = 0;
  for (int attempt = 1;; attempt++) {
    rv = exchange(r, "GET", url, header, NULL, &a, &status, err);
    bool again = rv != 0 || status == 429 || status >= 500;
    if (!again || attempt == RD_RMM_TRIES || !wait_for(r, a.retry_after ? a.retry_after : 1))
      break;
    rd_err_clear(err);
    rd_buf_term(&a.body);
    rd_buf_init(&a.body);
    a.retry_after = 0;
  }
  sodium_memzero(header, sizeof header);
  sodium_memzero(b64, sizeof b64);
  if (!rv && status == 401)
    rv = failed(err, "/auth refused the username and token (HTTP %ld)", status);
  else if (!rv && status != 200)
    rv = failed(err, "/auth answered HTTP %ld", status);
  json_t *e = NULL;
  if (!rv) {
    e = json_loadb(a.body.data ? a.body.data : "", a.body.len, 0, NULL);
    const char *tok = json_string_value(json_object_get(json_object_get(e, "Result"), "Token"));
    if (!tok || !*tok || strlen(tok) >= sizeof r->session)
      rv = failed(err, "/auth answered no session token");
    else
      snprintf(r->session, sizeof r->session, "%s", tok);
  }
  json_decref(e);
  rd_buf_term(&a.body);
  return rv;
}

/* Every record of a paged list (path has no query yet; what names its records, for the
 * errors), checking that each has the members required (NULL-terminated). */
static int list_all(rd_rmm *r, const char *path, const char *what, const char *const *required,
                    json_t **out, rd_err *err) {
  json_t *all = json_array();
  long long total = -1;
  int rv = 0;
  for (;;) {
    char page_path[RD_RMM_URL_MAX];
    snprintf(page_path, sizeof page_path, "%s%s$top=%d&$skip=%zu", path,
             strchr(path, '?') ? "&" : "?", RD_RMM_PAGE, json_array_size(all));
    json_t *page = NULL;
    long long t = -1;
    rv = call(r, "GET", page_path, NULL, &page, &t, err);
    if (rv)
      break;
    if (!json_is_array(page)) {
      json_decref(page);
      rv = failed(err, "%s answered a Result that is not a list", path);
      break;
    }
    if (total < 0)
      total = t;
    size_t got = json_array_size(page);
    json_array_extend(all, page);
    json_decref(page);
    if (total >= 0 && (long long)json_array_size(all) >= total)
      break;
    if (!got) {
      if (total >= 0)
        rv = failed(err, "%s gave %zu of %lld %s (TotalRecords)", path, json_array_size(all),
                    total, what);
      break;
    }
  }
  size_t i;
  json_t *o;
  json_array_foreach(all, i, o) {
    if (rv)
      break;
    for (const char *const *k = required; *k; k++) {
      json_t *v = json_object_get(o, *k);
      if (!json_is_object(o) || !(json_is_string(v) || json_is_integer(v))) {
        rv = failed(err, "record %zu of %s has no %s", i, path, *k);
        break;
      }
    }
  }
  if (rv)
    json_decref(all);
  else
    *out = all;
  return rv;
}

int rd_rmm_orgs(rd_rmm *r, json_t **out, rd_err *err) {
  static const char *const REQUIRED[] = {"OrgId", "OrgName", NULL};
  return list_all(r, "/system/orgs", "organizations", REQUIRED, out, err);
}

int rd_rmm_groups(rd_rmm *r, const char *org, json_t **out, rd_err *err) {
  static const char *const REQUIRED[] = {"MachineGroupId", "MachineGroupName", NULL};
  char path[160];
  rd_buf esc;
  rd_buf_init(&esc);
  for (const char *p = org; *p; p++) /* an OrgId is digits; anything else is escaped */
    if ((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z'))
      rd_buf_add(&esc, p, 1);
    else
      rd_buf_printf(&esc, "%%%02X", (unsigned char)*p);
  rd_buf_add(&esc, "", 1);
  snprintf(path, sizeof path, "/system/orgs/%.100s/machinegroups", esc.data);
  rd_buf_term(&esc);
  return list_all(r, path, "machine groups", REQUIRED, out, err);
}

int rd_rmm_agents_page(rd_rmm *r, long long skip, json_t **page, long long *total, rd_err *err) {
  char path[96];
  snprintf(path, sizeof path, "/assetmgmt/agents?$orderby=AgentId&$top=%d&$skip=%lld",
           RD_RMM_PAGE, skip);
  int rv = call(r, "GET", path, NULL, page, total, err);
  if (!rv && !json_is_array(*page)) {
    json_decref(*page);
    rv = failed(err, "/assetmgmt/agents answered a Result that is not a list");
  }
  return rv;
}

int rd_rmm_agent(rd_rmm *r, const char *agent_id, json_t **out, rd_err *err) {
  char path[160];
  long long total = 0;
  json_t *page = NULL;
  bool digits = *agent_id && strspn(agent_id, "0123456789") == strlen(agent_id);
  if (!digits || strlen(agent_id) > 40)
    return rd_err_field(err, "source_id", "is not an AgentId");
  snprintf(path, sizeof path, "/assetmgmt/agents?$filter=AgentId%%20eq%%20%s", agent_id);
  int rv = call(r, "GET", path, NULL, &page, &total, err);
  *out = NULL;
  if (!rv && json_is_array(page) && json_array_size(page) == 1)
    *out = json_incref(json_array_get(page, 0));
  json_decref(page);
  return rv;
}

int rd_rmm_agents(rd_rmm *r, json_t **out, rd_err *err) {
  static const char *const REQUIRED[] = {"AgentId", "OrgId", NULL};
  return list_all(r, "/assetmgmt/agents", "agents", REQUIRED, out, err);
}

int rd_rmm_org_update(rd_rmm *r, const char *rmm_id, json_t *fields, json_t **out, rd_err *err) {
  char path[96];
  if (!*rmm_id || strspn(rmm_id, "0123456789") != strlen(rmm_id) || strlen(rmm_id) > 40)
    return failed(err, "organization key %.40s is not an OrgId", rmm_id);
  snprintf(path, sizeof path, "/system/orgs/%s", rmm_id);
  json_t *result = NULL;
  long long total = 0;
  int rv = call(r, "PUT", path, fields, &result, &total, err);
  if (!rv && !json_is_object(result)) {
    json_decref(result);
    rv = failed(err, "%s answered no organization", path);
  }
  if (!rv)
    *out = result;
  return rv;
}

int rd_rmm_org_create(rd_rmm *r, json_t *org, json_t **out, rd_err *err) {
  json_t *result = NULL;
  long long total = 0;
  int rv = call(r, "POST", "/system/orgs", org, &result, &total, err);
  if (!rv && !json_is_object(result)) {
    json_decref(result);
    rv = failed(err, "/system/orgs answered no organization");
  }
  if (!rv)
    *out = result;
  return rv;
}
