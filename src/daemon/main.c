/* rolodeskd: opens the database (applying migrations), starts the HTTP API on a thread
 * pool, and on SIGTERM or SIGINT answers new requests 503, drains requests in flight, and
 * exits. */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/api.h"
#include "api/page_cache.h"
#include "auth/auth.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/opt.h"
#include "base/str.h"
#include "domain/attachment.h"
#include "domain/mail.h"
#include "domain/search.h"
#include "jobs/runner.h"
#include "mail/outbox.h"

static void usage(FILE *out) {
  fputs("usage: rolodeskd [--db PATH|postgresql://...] [--listen HOST:PORT] [--data DIR]\n"
        "                 [--threads N] [--openapi FILE] [--web-root DIR] [--port-file FILE]\n"
        "                 [--quiet]\n"
        "                 [--job-lease SECONDS] [--job-workers N] [--attachment-grace SECONDS]\n"
        "                 [--public-url URL] [--smtp-ports LIST]\n"
        "                 [--mail-workers N] [--mail-retry SECONDS]\n"
        "                 [--max-conns-per-ip N] [--max-uploads N] [--max-import-mb N]\n"
        "                 [--cors-origin ORIGIN]... [--page-cache-mb N] [--test-clock FILE]\n"
        "       rolodeskd --help | --version\n"
        "Options take `--opt value` or `--opt=value`. The database defaults to $ROLODESK_DB.\n"
        "Exit status: 0 stopped by SIGTERM or SIGINT, 1 error, 2 usage error.\n",
        out);
}

/* Every option of rolodeskd (base/opt.h): an option missing here is refused as unknown. */
static const rd_opt OPTS[] = {
    {"db", 0, true},           {"listen", 0, true},          {"data", 0, true},
    {"openapi", 0, true},      {"web-root", 0, true},        {"port-file", 0, true},
    {"threads", 0, true},
    {"max-conns-per-ip", 0, true}, {"max-uploads", 0, true}, {"max-import-mb", 0, true},
    {"job-lease", 0, true},    {"job-workers", 0, true},     {"attachment-grace", 0, true},
    {"public-url", 0, true},   {"smtp-ports", 0, true},      {"mail-workers", 0, true},
    {"mail-retry", 0, true},   {"quiet", 0, false},          {"help", 'h', false},
    {"version", 0, false},     {"cors-origin", 0, true},     {"page-cache-mb", 0, true}, {"test-clock", 0, true},
    {NULL}};

/* HTTP threads when --threads is not given: one per core on SQLite (a request runs on the
 * daemon's CPU); four per core on PostgreSQL, where a thread waits for the server at every
 * statement (a cold list page: 2,583 req/s with 2 threads, 3,596 with 8 on 2 cores;
 * bench/RESULTS.md). */
static int default_threads(const rd_db *db, long ncpu) {
  int n = (int)(ncpu > 1 ? ncpu : 2);
  return strcmp(rd_db_backend(db), "postgresql") ? n : 4 * n;
}

static void *sample_search(void *db) {
  rd_conn *c = NULL;
  rd_err err;
  rd_err_clear(&err);
  if (!rd_db_acquire(db, &c, &err)) {
    rd_search_sample_common(c);
    rd_db_release(db, c);
  }
  return NULL;
}

int main(int argc, char **argv) {
  const char *db_uri = getenv("ROLODESK_DB"), *listen = "127.0.0.1:8080", *data = NULL;
  const char *openapi = NULL, *port_file = NULL, *public_url_arg = NULL, *web_root = NULL;
  int threads = 0, job_workers = 1;
  rd_outbox_opts mail = {0};
  int max_conns_per_ip = RD_HTTP_CONNS_PER_IP, max_uploads = RD_HTTP_UPLOADS;
  size_t import_body_max = RD_UPLOAD_BODY_MAX;
  const char *lease = getenv("ROLODESK_JOB_LEASE"); /* default of --job-lease */
  int64_t lease_s = 0;
  if (lease && rd_parse_i64(lease, &lease_s) && lease_s > 0 && lease_s <= 86400)
    rd_job_lease_s = (int)lease_s;
  bool quiet = false;
  const char *cors_origins[RD_CORS_ORIGINS_MAX]; /* issue 12: --cors-origin, repeatable */
  int ncors_origins = 0;
  size_t page_cache_mb = RD_PAGE_CACHE_MB_DEFAULT; /* issue 12: 0 turns the page cache off */
  int64_t attachment_grace_s = RD_ATTACHMENT_GRACE_S;
  rd_opt_parser opt;
  rd_opt_init(&opt, argc, argv, OPTS, false);
  const char *a = NULL, *v = NULL;
  int k;
  while ((k = rd_opt_next(&opt, &a, &v)) != RD_OPT_END) {
    int64_t n = 0;
    if (k == RD_OPT_ERROR) {
      fprintf(stderr, "rolodeskd: %s (see rolodeskd --help)\n", opt.error);
      return 2;
    }
    if (k == RD_OPT_ARG) {
      fprintf(stderr, "rolodeskd: unexpected argument '%s' (see rolodeskd --help)\n", v);
      return 2;
    }
    if (!strcmp(a, "--help")) {
      usage(stdout);
      return 0;
    }
    if (!strcmp(a, "--version")) {
      puts("rolodeskd " RD_VERSION);
      return 0;
    }
    if (!strcmp(a, "--quiet"))
      quiet = true;
    else if (!strcmp(a, "--db"))
      db_uri = v;
    else if (!strcmp(a, "--listen"))
      listen = v;
    else if (!strcmp(a, "--data"))
      data = v;
    else if (!strcmp(a, "--openapi"))
      openapi = v;
    else if (!strcmp(a, "--web-root"))
      web_root = v; /* issue 16: the built web UI */
    else if (!strcmp(a, "--port-file"))
      port_file = v;
    else if (!strcmp(a, "--threads") && rd_parse_i64(v, &n) && n > 0 && n <= 256)
      threads = (int)n;
    else if (!strcmp(a, "--max-conns-per-ip") && rd_parse_i64(v, &n) && n > 0 && n <= 65535)
      max_conns_per_ip = (int)n;
    else if (!strcmp(a, "--max-uploads") && rd_parse_i64(v, &n) && n > 0 && n <= 4096)
      max_uploads = (int)n;
    else if (!strcmp(a, "--max-import-mb") && rd_parse_i64(v, &n) && n > 0 && n <= 4096)
      import_body_max = (size_t)n << 20; /* CSV files for POST /v1/imports (spooled to disk) */
    else if (!strcmp(a, "--job-lease") && rd_parse_i64(v, &n) && n > 0 && n <= 86400)
      rd_job_lease_s = (int)n; /* background jobs: see store.h */
    else if (!strcmp(a, "--job-workers") && rd_parse_i64(v, &n) && n >= 0 && n <= 16)
      job_workers = (int)n; /* issue 11: 0 runs no jobs here (they wait for another daemon) */
    else if (!strcmp(a, "--attachment-grace") && rd_parse_i64(v, &n) && n > 0 && n <= 31536000)
      attachment_grace_s = n; /* issue 10: unreferenced uploads live this long */
    else if (!strcmp(a, "--cors-origin") && ncors_origins < RD_CORS_ORIGINS_MAX && v[0] &&
             strcmp(v, "*") && !strchr(v, ','))
      cors_origins[ncors_origins++] = v; /* an exact origin: scheme://host[:port] */
    else if (!strcmp(a, "--page-cache-mb") && rd_parse_i64(v, &n) && n >= 0 &&
             n <= RD_PAGE_CACHE_MB_MAX)
      page_cache_mb = (size_t)n; /* issue 12: rendered list pages kept, at most this much */
    else if (!strcmp(a, "--test-clock"))
      rd_date_test_clock(v); /* tests only: today's date from a file (base/time.h) */
    else if (!strcmp(a, "--public-url"))
      public_url_arg = v; /* ACC-8: checked below */
    else if (!strcmp(a, "--smtp-ports") && rd_mail_ports_set(v) == 0)
      ; /* ACC-8: the ports settings.smtp.port may name */
    else if (!strcmp(a, "--mail-workers") && rd_parse_i64(v, &n) && n > 0 && n <= 16)
      mail.workers = (int)n;
    else if (!strcmp(a, "--mail-retry") && rd_parse_i64(v, &n) && n > 0 && n <= 3600)
      mail.retry_s = (int)n; /* the first retry's delay; tests shorten it */
    else {
      fprintf(stderr, "rolodeskd: invalid value '%s' for %s (see rolodeskd --help)\n",
              v ? v : "", a);
      return 2;
    }
  }
  if (!db_uri) {
    fputs("rolodeskd: no database: pass --db or set ROLODESK_DB\n", stderr);
    return 2;
  }
  char host[64];
  int64_t port = 0;
  const char *colon = strrchr(listen, ':');
  if (!colon || (size_t)(colon - listen) >= sizeof host || !rd_parse_i64(colon + 1, &port) ||
      port < 0 || port > 65535) {
    fputs("rolodeskd: --listen wants HOST:PORT\n", stderr);
    return 2;
  }
  memcpy(host, listen, (size_t)(colon - listen));
  host[colon - listen] = 0;
  char public_url[RD_PUBLIC_URL_MAX + 1] = "";
  rd_err uerr;
  rd_err_clear(&uerr);
  if (public_url_arg && rd_mail_public_url(public_url_arg, public_url, &uerr)) {
    fprintf(stderr, "rolodeskd: %s\n", uerr.message);
    return 2;
  }
  /* ACC-8: without --public-url, links start with the address we listen on; never with
   * what a request says. A port of 0 is known once bound (below). */
  if (!public_url[0] && port)
    snprintf(public_url, sizeof public_url, "http://%s:%lld", host, (long long)port);
  char default_data[1024];
  if (!data) {
    bool pg = !strncmp(db_uri, "postgres", 8);
    snprintf(default_data, sizeof default_data, "%s", pg ? "rolodesk-data" : db_uri);
    if (!pg)
      strncat(default_data, ".data", sizeof default_data - strlen(default_data) - 1);
    data = default_data;
  }
  if (!openapi)
    openapi = access("docs/openapi.json", R_OK) == 0 ? "docs/openapi.json"
                                                     : RD_SOURCE_DIR "/docs/openapi.json";
  /* Issue 16: the UI as `make` builds it (web/dist), when there is one. */
  if (!web_root)
    web_root = access("web/dist/index.html", R_OK) == 0 ? "web/dist"
                                                        : RD_SOURCE_DIR "/web/dist";
  if (rd_auth_init()) {
    fputs("rolodeskd: cannot initialize libsodium\n", stderr);
    return 1;
  }
  /* Signals go to the thread that waits for them, not to MHD's workers. */
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, NULL);
  signal(SIGPIPE, SIG_IGN);

  rd_err err;
  rd_err_clear(&err);
  rd_db *db = NULL;
  if (rd_db_open(db_uri, true, &db, &err)) {
    fprintf(stderr, "rolodeskd: %s\n", err.message);
    return 1;
  }
  /* CUST-4: search rows of people that predate migration 006 are filled once. */
  rd_conn *conn = NULL;
  int64_t filled = 0;
  int brv = rd_db_acquire(db, &conn, &err);
  if (!brv)
    brv = rd_search_backfill(conn, &filled, &err);
  rd_db_release(db, conn);
  if (brv) {
    fprintf(stderr, "rolodeskd: search backfill: %s\n", err.message);
    rd_db_free(db);
    return 1;
  }
  if (filled)
    rd_log(RD_LOG_INFO, "search: indexed %lld people", (long long)filled);
  /* Issue 12: the first sample of the common trigrams is taken beside the start, not by
   * the first search (0.5 s on a cold file of a million people). */
  pthread_t sampler;
  bool sampling = !pthread_create(&sampler, NULL, sample_search, db);
  rd_api api = {.db = db, .data_dir = data, .openapi_path = openapi, .public_url = public_url,
                .import_body_max = import_body_max, .cors_origins = cors_origins,
                .ncors_origins = ncors_origins,
                .page_cache = rd_page_cache_new(page_cache_mb << 20), .web_root = web_root};
  rd_http_app app = rd_api_app(&api);
  long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
  char spool_dir[1100]; /* issue 10: upload bodies are spooled here, not kept in memory */
  snprintf(spool_dir, sizeof spool_dir, "%s/spool", data);
  rd_http_config cfg = {.host = host, .port = (int)port,
                        .threads = threads ? threads : default_threads(db, ncpu),
                        .quiet = quiet, .spool_dir = spool_dir,
                        .max_conns_per_ip = max_conns_per_ip, .max_uploads = max_uploads};
  rd_http_server *srv = NULL;
  if (rd_http_start(&cfg, &app, &srv)) {
    rd_page_cache_free(api.page_cache);
    rd_db_free(db);
    return 1;
  }
  /* Issue 11: the job runner claims and runs jobs of the kinds it knows (imports, IMP-3),
   * also those of dead daemons. */
  rd_runner *runner = NULL;
  if (job_workers > 0 && rd_runner_start(db, data, job_workers, &runner))
    rd_log(RD_LOG_ERROR, "cannot start the job runner");
  /* Issue 10: removes uploads no record refers to once older than the grace period. */
  rd_attachment_sweeper *sweeper = NULL;
  if (rd_attachment_sweeper_start(db, data, attachment_grace_s, &sweeper))
    rd_log(RD_LOG_ERROR, "cannot start the attachment sweeper");
  int bound = rd_http_port(srv);
  /* --listen HOST:0: the port bound, before the port file tells anyone where we are. */
  if (!public_url[0])
    snprintf(public_url, sizeof public_url, "http://%s:%d", host, bound);
  mail.public_url = public_url;
  rd_outbox *outbox = NULL;
  if (rd_outbox_start(db, &mail, &outbox))
    rd_log(RD_LOG_ERROR, "cannot start the mail outbox workers");
  rd_log(RD_LOG_INFO, "rolodeskd listening on http://%s:%d (%s, %d threads)", host, bound,
         rd_db_backend(db), cfg.threads);
  if (port_file) {
    char tmp[1100];
    snprintf(tmp, sizeof tmp, "%s.tmp", port_file);
    FILE *f = fopen(tmp, "w");
    if (f) {
      fprintf(f, "%d\n", bound);
      fclose(f);
      rename(tmp, port_file);
    }
  }
  int sig = 0;
  sigwait(&set, &sig);
  rd_log(RD_LOG_INFO, "signal %d: draining requests in flight", sig);
  rd_http_stop(srv, 10000);
  rd_runner_stop(runner); /* after its batch; the job is queued again */
  rd_attachment_sweeper_stop(sweeper);
  rd_outbox_stop(outbox);         /* a message being sent is queued again */
  if (sampling)
    pthread_join(sampler, NULL);
  rd_page_cache_free(api.page_cache);
  rd_db_free(db);
  rd_log(RD_LOG_INFO, "rolodeskd stopped");
  return 0;
}
