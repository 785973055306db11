/* Customer imports from CSV (IMP-1..5, seed 004): the template, the mapping of a file's
 * columns to person fields, and the import job that validates and stores every row with
 * the API's own rules (rd_rec_check / rd_rec_create / rd_rec_update over rd_person_type and
 * rd_org_type), in batches of one transaction each, with a per-row report.
 *
 * Life of an import: rd_import_create stores the uploaded file under the data directory,
 * reads it once (encoding, CSV syntax, mapping, row count; any problem is refused with its
 * line and column and nothing is stored) and queues a job (table jobs, kind "import").
 * The job runner (src/jobs/: rolodeskd's workers, or the CLI itself) runs it with
 * rd_import_run: the file streams through the CSV reader; each batch of rows commits
 * together with the import's resume offset, so a run killed at any moment resumes after
 * the last committed batch and creates nothing twice. Rows whose line manager appears
 * further down the file wait (result "deferred") and are decided after the main pass.
 * A dry run does all of it, rolls every batch's changes back, and keeps only the report. */
#ifndef RD_IMPORT_IMPORT_H
#define RD_IMPORT_IMPORT_H

#include <jansson.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "auth/caller.h"
#include "import/csv_read.h"
#include "store/store.h"

#define RD_IMPORT_BATCH 1000  /* rows per transaction (at most; also at most ~1 s) */
#define RD_IMPORT_JOB_KIND "import"

typedef struct rd_import_opts {
  const char *type;       /* "people" (the only one so far) */
  const char *charset;    /* NULL: UTF-8, or UTF-16 by its BOM */
  char separator;         /* 0: detect */
  bool ignore_first_line; /* the first line is a header: map columns by name */
  bool web_access;        /* customers created by the import may sign in */
  bool dry_run;           /* IMP-4: report only */
  json_t *mapping;        /* NULL, or {"<column index>": "<target>" | null} overriding */
} rd_import_opts;

/* ---- template and mapping (IMP-1) ---- */

/* The template's CSV text: one header row with every column of the seed, in its order and
 * spelling. Static. */
const char *rd_import_template_csv(void);
/* The template described: [{"column", "target", "type", "max_length", "required",
 * "description"}], and the further columns a file may have. New reference. */
json_t *rd_import_template_describe(void);

/* How a file's columns map to targets: target[i] is the target index of column i, or -1. */
typedef struct rd_import_map {
  int ncols;
  int target[RD_CSV_FIELDS_MAX];
  char header[RD_CSV_FIELDS_MAX][64]; /* the file's header names ("" when none) */
} rd_import_map;

/* The target index of a header or target name (case, spacing, punctuation and a
 * "(char 64)"-like suffix ignored; the seed's spellings such as "Postcode/ Zip"), or -1. */
int rd_import_target(const char *name);
const char *rd_import_target_name(int target);
/* Builds the mapping from the header record (NULL: the template's order) and the explicit
 * overrides (may be NULL); checks that required targets are mapped once. */
int rd_import_map_build(const rd_csv_row *header, json_t *overrides, rd_import_map *m,
                        rd_err *err);
/* {"0": "first_name", ...} for every column (null when ignored). New reference. */
json_t *rd_import_map_json(const rd_import_map *m);

/* One record turned into the pieces of a person (pure: no database). */
typedef struct rd_import_record {
  json_t *person;        /* person fields present in the record (new reference) */
  const char *username;  /* borrowed from the record; NULL when empty */
  const char *company, *department, *partner_email, *line_manager;
  int company_contact, department_contact; /* -1 empty, 0, 1 */
  const char *custom[5];
  bool blank;            /* every field empty */
} rd_import_record;
/* The username of row as rd_import_record_map maps it (NUL-terminated fields), or NULL. */
const char *rd_import_row_username(const rd_import_map *m, const rd_csv_row *row);
/* Maps the fields of row; values that cannot be mapped at all (a contact flag that is not
 * 0/1) are added to err with their column. Free with rd_import_record_term. */
int rd_import_record_map(const rd_import_map *m, const rd_csv_row *row, rd_import_record *out,
                         rd_err *err);
void rd_import_record_term(rd_import_record *r);

/* ---- the job ---- */

/* Creates an import of the caller's account from a file (fd, read to its end) or from
 * memory (data/len when fd < 0). The file is stored as <data_dir>/imports/<account>/<id>.csv.
 * worker non-NULL: the job is created claimed by that worker (the CLI runs it at once);
 * else it is queued. *id gets the import's id. Errors: 400 with line/column for an
 * unreadable file, 422 for a bad mapping, 403 for the caller's roles. */
int rd_import_create(rd_conn *c, const rd_caller *who, const char *data_dir, int fd,
                     const char *data, size_t len, const rd_import_opts *o, const char *worker,
                     int64_t *id, rd_err *err);

/* Progress of a running import, after every committed batch. */
typedef void (*rd_import_progress_fn)(void *arg, const json_t *status);

/* What runs an import (the job runner, src/jobs/) hands it; every member may be NULL. */
typedef struct rd_import_hooks {
  void *arg; /* for checkpoint and should_stop */
  /* Inside every batch's transaction, after the import's own tables are written: the
   * job's progress, lease and fencing check. Non-zero rolls the batch back and ends the
   * run with that error. */
  int (*checkpoint)(void *arg, rd_conn *c, int64_t processed, int64_t succeeded,
                    int64_t failed, rd_err *err);
  /* After every committed batch: true to stop there (rd_import_run: RD_IMPORT_STOPPED). */
  bool (*should_stop)(void *arg);
  rd_import_progress_fn progress;
  void *progress_arg;
} rd_import_hooks;

enum { RD_IMPORT_STOPPED = 1 };

/* Runs (or resumes, from its committed offset) import id to its end: 0 with *summary (new
 * reference: the counts), RD_IMPORT_STOPPED when should_stop asked after a batch, or RD_E*.
 * Does not end the job (the runner does, with rd_import_end in its transaction). Uses c
 * for the whole run, outside any transaction of the caller. */
int rd_import_run(rd_conn *c, int64_t id, const rd_import_hooks *hooks, json_t **summary,
                  rd_err *err);
/* The import's side of ending its job, inside the runner's transaction: status "done"
 * (phase done; the stored file is removed), "failed" or "cancelled" (finished_at). */
int rd_import_end(rd_conn *c, int64_t id, const char *status, rd_err *err);

/* GET /v1/imports: the account's imports in id order (oldest first), as rd_import_get
 * shows each, at most limit after id after; *more when another page follows. Administrators
 * and supervisors only (403). */
int rd_import_list(rd_conn *c, const rd_caller *who, int64_t after, int limit, json_t **out,
                   bool *more, rd_err *err);

/* {"id", "status", "dry_run", "rows", "processed", "created", "updated", "failed",
 * "deferred", "mapping", ...} of an import of the caller's account (404 otherwise). */
int rd_import_get(rd_conn *c, const rd_caller *who, int64_t id, json_t **out, rd_err *err);
/* Per-row results with line > after, ordered by line, at most limit (*more when there are
 * more); result NULL: any. */
int rd_import_rows(rd_conn *c, const rd_caller *who, int64_t id, const char *result,
                   int64_t after, int limit, json_t **out, bool *more, rd_err *err);

#endif
