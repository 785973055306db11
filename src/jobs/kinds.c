/* The table from job kind to handler (runner.h): every kind this build runs, and the
 * adapters that put each bulk path of the domain on the runner. A job kind not in this
 * table is never claimed here: it waits for a daemon that knows it. */
#include <stdbool.h>
#include <stdio.h>

#include "base/time.h"
#include "domain/account.h"
#include "domain/contract.h"
#include "domain/ldap.h"
#include "domain/rmm.h"
#include "import/rmm.h"
#include "import/directory.h"
#include "import/import.h"
#include "jobs/runner.h"

/* ---- "import": customer imports from CSV (IMP-1..5, src/import/csv.c) ---- */

static int import_checkpoint(void *arg, rd_conn *c, int64_t processed, int64_t succeeded,
                             int64_t failed, rd_err *err) {
  rd_job_counts n = {.processed = processed, .succeeded = succeeded, .failed_items = failed};
  return rd_job_checkpoint(c, arg, &n, err);
}

static bool import_should_stop(void *arg) {
  return rd_job_should_stop(arg);
}

static int import_run(rd_conn *c, rd_job *job, rd_err *err) {
  rd_import_hooks h = {.arg = job, .checkpoint = import_checkpoint,
                       .should_stop = import_should_stop, .progress = job->progress,
                       .progress_arg = job->progress_arg};
  int rv = rd_import_run(c, job->id, &h, &job->result, err);
  return rv == RD_IMPORT_STOPPED ? RD_JOB_STOPPED : rv;
}

static int import_end(rd_conn *c, const rd_job *job, const char *status, rd_err *err) {
  return rd_import_end(c, job->id, status, err);
}

static const rd_job_kind import_kind = {RD_IMPORT_JOB_KIND, import_run, import_end};

/* ---- "contract_activation": requests waiting for a contract (CUST-8) ---- */

/* One transaction: the holder's pending_no_contract requests that a contract now covers
 * move to open (rd_contract_release; running it again finds nothing more to move). */
static int activation_run(rd_conn *c, rd_job *job, rd_err *err) {
  rd_stmt *s = NULL;
  json_t *payload = NULL;
  int rv = rd_sql(c, &s, err, "SELECT payload FROM jobs WHERE id = ?", "i", job->id);
  if (!rv && (rv = rd_stmt_step(s, err)) == RD_ROW)
    payload = json_loads(rd_stmt_text(s, 0), 0, NULL), rv = 0;
  if (s)
    rd_stmt_done(s);
  if (rv)
    return rv;
  json_t *customer = json_object_get(payload, "customer"), *item = json_object_get(payload, "item");
  const char *column = customer ? "customer_id" : item ? "item_id" : "organization_id";
  int64_t holder = (int64_t)json_integer_value(
      customer ? customer : item ? item : json_object_get(payload, "organization"));
  json_decref(payload);
  int64_t moved = 0;
  rv = rd_tx_begin(c, true, err);
  if (!rv)
    rv = rd_contract_release(c, job->account_id, column, holder, &moved, err);
  rd_job_counts n = {.processed = moved, .succeeded = moved};
  if (!rv)
    rv = rd_job_checkpoint(c, job, &n, err);
  if (!rv)
    rv = rd_tx_commit(c, err);
  else
    rd_tx_rollback(c);
  if (!rv)
    job->result = json_pack("{s:I}", "requests_opened", (json_int_t)moved);
  return rv;
}

static const rd_job_kind activation_kind = {RD_CONTRACT_JOB_KIND, activation_run, NULL};

/* ---- "rmm_load" and "rmm_export": RMM account synchronization (issue 15) ---- */

/* The person who asked for a sync job (its payload), for the audit, and whether it is a
 * dry run. */
static int job_caller(rd_conn *c, rd_job *job, rd_caller *who, bool *dry_run, rd_err *err) {
  rd_stmt *s = NULL;
  json_t *payload = NULL;
  int rv = rd_sql(c, &s, err, "SELECT payload FROM jobs WHERE id = ?", "i", job->id);
  if (!rv && (rv = rd_stmt_step(s, err)) == RD_ROW)
    payload = json_loads(rd_stmt_text(s, 0), 0, NULL), rv = 0;
  if (s)
    rd_stmt_done(s);
  *who = (rd_caller){.person_id = (int64_t)json_integer_value(json_object_get(payload, "person")),
                     .roles = RD_ROLE_ACCOUNT_ADMINISTRATOR};
  snprintf(who->account_id, sizeof who->account_id, "%s", job->account_id);
  const char *name = json_string_value(json_object_get(payload, "name"));
  snprintf(who->name, sizeof who->name, "%s", name ? name : "");
  *dry_run = json_is_true(json_object_get(payload, "dry_run"));
  json_decref(payload);
  return rv < 0 ? rv : 0;
}

/* job_caller, and the RMM session of the account's settings. */
static int rmm_start(rd_conn *c, rd_job *job, rd_caller *who, bool *dry_run, rd_rmm **r,
                     rd_err *err) {
  json_t *settings = NULL;
  int rv = job_caller(c, job, who, dry_run, err);
  if (!rv)
    rv = rd_account_settings(c, job->account_id, &settings, err);
  if (!rv)
    rv = rd_rmm_open(json_object_get(settings, "rmm"), job->stop, r, err);
  json_decref(settings);
  return rv;
}

/* What the RMM did wrong is the job's failure, not a reason to queue it again. */
static int rmm_end(rd_job *job, rd_rmm *r, json_t *report, int rv, rd_err *err) {
  if (!rv && report) {
    json_object_set_new(report, "rmm_requests", json_integer(rd_rmm_requests(r)));
    job->result = json_incref(report);
  }
  rd_rmm_close(r);
  json_decref(report);
  return rv == RD_EUNAVAIL && err && err->status == 502 ? RD_EINVAL : rv;
}

/* Fetches every organization of the account's RMM first, then stores them in one
 * transaction: an RMM that is slow, down or answers garbage fails the job and changes
 * nothing here (RMM-6). A second run of an unchanged RMM updates nothing. */
static int rmm_load_run(rd_conn *c, rd_job *job, rd_err *err) {
  rd_caller who;
  rd_rmm *r = NULL;
  bool dry = false;
  json_t *orgs = NULL, *report = NULL, *changes = NULL;
  int rv = rmm_start(c, job, &who, &dry, &r, err);
  if (!rv)
    rv = rd_rmm_orgs(r, &orgs, err);
  if (!rv)
    rv = rd_tx_begin(c, true, err);
  if (!rv) {
    changes = dry ? json_array() : NULL;
    rv = rd_rmm_load_store(c, &who, orgs, changes, &report, err);
    int64_t n = (int64_t)json_integer_value(json_object_get(report, "loaded"));
    rd_job_counts counts = {.processed = n, .succeeded = n};
    if (!rv)
      rv = rd_job_checkpoint(c, job, &counts, err);
    if (!rv && !dry)
      rv = rd_tx_commit(c, err);
    else
      rd_tx_rollback(c); /* a dry run (BEYOND-1) keeps nothing but its report */
  }
  if (!rv && dry) {
    json_object_set_new(report, "dry_run", json_true());
    json_object_set(report, "changes", changes);
  }
  json_decref(changes);
  json_decref(orgs);
  return rmm_end(job, r, report, rv, err);
}

/* RMM-3: each organization waiting in rmm_push is created in the RMM (an OrgRef from its
 * name, unique among the RMM's, dotted under its parent's when the parent is mapped) and
 * mapped, one transaction each; a failure stops the job and leaves the rest queued. */
static int rmm_export_run(rd_conn *c, rd_job *job, rd_err *err) {
  rd_caller who;
  rd_rmm *r = NULL;
  json_t *orgs = NULL, *taken = json_object();
  int64_t after = 0, exported = 0;
  bool dry = false; /* exports have no dry run: they are chosen one by one */
  int rv = rmm_start(c, job, &who, &dry, &r, err);
  if (!rv)
    rv = rd_rmm_orgs(r, &orgs, err); /* the OrgRefs in use */
  size_t i;
  json_t *o;
  json_array_foreach(orgs, i, o) {
    const char *ref = json_string_value(json_object_get(o, "OrgRef"));
    if (ref)
      json_object_set_new(taken, ref, json_true());
  }
  json_decref(orgs);
  while (!rv) {
    int64_t org = 0;
    json_t *next = NULL, *created = NULL;
    char stale[RD_TIME_LEN];
    rd_time_in(-(int64_t)rd_job_lease_s, stale); /* claims older than the lease are stale */
    rv = rd_tx_begin(c, true, err);
    if (!rv &&
        !(rv = rd_rmm_export_next(c, job->account_id, job->worker, stale, after, &org, &next, err)))
      rv = rd_tx_commit(c, err);
    else if (!rv)
      rd_tx_rollback(c);
    if (rv || !org)
      break;
    after = org;
    const char *parent_id = json_string_value(json_object_get(next, "parent_rmm_id"));
    const char *rmm_id = json_string_value(json_object_get(next, "rmm_id"));
    if (rmm_id) { /* mapped: a rename */
      json_t *body = json_pack("{s:O}", "OrgName", json_object_get(next, "name"));
      rv = rd_rmm_org_update(r, rmm_id, body, &created, err);
      json_decref(body);
    } else {
      char *ref = rd_rmm_ref_for(json_string_value(json_object_get(next, "name")),
                                 json_string_value(json_object_get(next, "parent_ref")), taken);
      json_t *body = json_pack("{s:O,s:s,s:s?}", "OrgName", json_object_get(next, "name"),
                               "OrgRef", ref, "ParentOrgId", parent_id);
      free(ref);
      rv = rd_rmm_org_create(r, body, &created, err);
      json_decref(body);
    }
    json_decref(next);
    if (!rv)
      rv = rd_tx_begin(c, true, err);
    if (!rv) {
      rv = rd_rmm_export_done(c, &who, org, created, err);
      exported++;
      rd_job_counts counts = {.processed = exported, .succeeded = exported};
      if (!rv)
        rv = rd_job_checkpoint(c, job, &counts, err);
      if (!rv)
        rv = rd_tx_commit(c, err);
      else
        rd_tx_rollback(c);
    }
    json_decref(created);
    if (!rv && rd_job_should_stop(job))
      rv = RD_JOB_STOPPED;
  }
  json_decref(taken);
  json_t *report = rv ? NULL : json_pack("{s:I}", "exported", (json_int_t)exported);
  return rmm_end(job, r, report, rv, err);
}

/* RMM-4/5/6: the organizations loaded first (their own transaction), then the agents page
 * by page, each page one transaction with the checkpoint; a job resumed after a crash goes
 * on from the agents its committed pages covered. A dry run does it all in one transaction
 * that is rolled back. A failing RMM fails the job; what earlier pages committed stays and
 * a new sync goes over it without changing it again. */
static int rmm_sync_run(rd_conn *c, rd_job *job, rd_err *err) {
  rd_caller who;
  rd_rmm *r = NULL;
  rd_rmm_sync *y = NULL;
  bool dry = false;
  json_t *orgs = NULL, *report = NULL;
  int64_t done = 0;
  int rv = rmm_start(c, job, &who, &dry, &r, err);
  int64_t other = 0; /* one sync of an account at a time: a scheduled one waits a minute */
  if (!rv)
    rv = rd_sql_int64(c, &other, err,
                      "SELECT COUNT(*) FROM jobs WHERE account_id = ? AND kind = ? AND status ="
                      " 'running' AND id <> ?",
                      "tti", job->account_id, RD_RMM_SYNC_JOB_KIND, job->id);
  if (rv > 0)
    rv = 0;
  if (!rv && other) {
    char at[RD_TIME_LEN];
    rd_time_in(60, at);
    rv = rd_sql_exec(c, NULL, err, "UPDATE jobs SET run_at = ? WHERE id = ?", "ti", at, job->id);
    rd_rmm_close(r);
    return rv ? rv : rd_err_set(err, RD_EUNAVAIL, "Another sync of the account is running");
  }
  if (!rv) /* a resumed job goes on after what it committed */
    rv = rd_sql_int64(c, &done, err, "SELECT processed FROM jobs WHERE id = ?", "i", job->id);
  if (rv > 0)
    rv = 0;
  if (!rv)
    rv = rd_rmm_orgs(r, &orgs, err);
  if (!rv)
    rv = rd_tx_begin(c, true, err);
  if (!rv) {
    rv = rd_rmm_load_store(c, &who, orgs, NULL, &report, err);
    json_decref(report);
    report = NULL;
    if (!rv)
      rv = rd_rmm_sync_begin(c, &who, dry, &y, err);
    if (!rv && !dry)
      rv = rd_tx_commit(c, err);
    else if (rv)
      rd_tx_rollback(c);
  }
  json_decref(orgs);
  long long total = -1;
  while (!rv) {
    json_t *page = NULL;
    long long t = -1;
    rv = rd_rmm_agents_page(r, (long long)done, &page, &t, err);
    if (rv)
      break;
    if (total < 0)
      total = t;
    size_t got = json_array_size(page);
    if (!got) {
      json_decref(page);
      if (done < total)
        rv = rd_err_set(err, RD_EINVAL, "The RMM failed: /assetmgmt/agents gave %lld of %lld"
                        " agents (TotalRecords)", (long long)done, total);
      break;
    }
    if (!dry)
      rv = rd_tx_begin(c, true, err);
    if (!rv)
      rv = rd_rmm_sync_agents(c, y, page, err);
    json_decref(page);
    done += (int64_t)got;
    rd_job_counts counts = {.processed = done, .succeeded = done};
    if (!rv && !dry)
      rv = rd_job_checkpoint(c, job, &counts, err);
    if (!dry) {
      if (!rv)
        rv = rd_tx_commit(c, err);
      else
        rd_tx_rollback(c);
    }
    if (!rv && total >= 0 && done >= total)
      break;
    if (!rv && !dry && rd_job_should_stop(job))
      rv = RD_JOB_STOPPED;
  }
  if (dry && c->in_tx)
    rd_tx_rollback(c); /* a dry run (BEYOND-1) keeps nothing but its report */
  if (!rv)
    report = rd_rmm_sync_report(y);
  rd_rmm_sync_free(y);
  return rmm_end(job, r, report, rv, err);
}

static const rd_job_kind rmm_load_kind = {RD_RMM_LOAD_JOB_KIND, rmm_load_run, NULL};
/* RMM-6: the next scheduled sync waits one interval from now (none when switched off). */
static int rmm_sync_end(rd_conn *c, const rd_job *job, const char *status, rd_err *err) {
  rd_caller who = {.roles = RD_ROLE_ACCOUNT_ADMINISTRATOR};
  snprintf(who.account_id, sizeof who.account_id, "%s", job->account_id);
  return rd_rmm_schedule(c, &who, err);
}

static const rd_job_kind rmm_sync_kind = {RD_RMM_SYNC_JOB_KIND, rmm_sync_run, rmm_sync_end};
/* Whatever the job claimed and did not create goes back to the queue. */
static int rmm_export_end(rd_conn *c, const rd_job *job, const char *status, rd_err *err) {
  return rd_rmm_export_release(c, job->worker, err);
}

static const rd_job_kind rmm_export_kind = {RD_RMM_EXPORT_JOB_KIND, rmm_export_run,
                                            rmm_export_end};

/* ---- "ldap_sync": directory sync (LDAP-1) ---- */

/* Every entry of the directory first, then stored in one transaction: a directory that
 * is down or refuses the bind fails the job and changes nothing. */
static int ldap_sync_run(rd_conn *c, rd_job *job, rd_err *err) {
  rd_caller who;
  bool dry = false;
  json_t *settings = NULL, *entries = NULL, *report = NULL;
  rd_ldap *l = NULL;
  int rv = job_caller(c, job, &who, &dry, err);
  if (!rv)
    rv = rd_account_settings(c, job->account_id, &settings, err);
  if (!rv)
    rv = rd_ldap_open(json_object_get(settings, "ldap"), &l, err);
  if (!rv)
    rv = rd_ldap_search(l, NULL, NULL, &entries, err);
  rd_ldap_close(l);
  json_decref(settings);
  if (!rv)
    rv = rd_ldap_sync_store(c, &who, entries, dry, &report, err);
  json_decref(entries);
  if (!rv)
    job->result = report;
  /* what the directory did wrong is the job's failure, not a reason to queue it again */
  return rv == RD_EUNAVAIL && err && err->status == 502 ? RD_EINVAL : rv;
}

/* LDAP-1: the next scheduled sync waits one interval from now (none when switched off). */
static int ldap_sync_end(rd_conn *c, const rd_job *job, const char *status, rd_err *err) {
  rd_caller who = {.roles = RD_ROLE_ACCOUNT_ADMINISTRATOR};
  snprintf(who.account_id, sizeof who.account_id, "%s", job->account_id);
  return rd_ldap_schedule(c, &who, err);
}

static const rd_job_kind ldap_sync_kind = {RD_LDAP_SYNC_JOB_KIND, ldap_sync_run, ldap_sync_end};

/* ---- the table ---- */

const rd_job_kind *const rd_job_kinds[] = {&import_kind, &activation_kind, &rmm_load_kind,
                                        &rmm_export_kind, &rmm_sync_kind, &ldap_sync_kind,
                                        NULL};
