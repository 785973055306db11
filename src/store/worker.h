/* Background workers of rolodeskd: threads that repeat one step on a database connection
 * until the daemon stops them (the import jobs, the mail outbox, the attachment sweeper;
 * every later job kind). A step that did work runs again at once; one that found nothing
 * waits idle_ms, cut short by rd_worker_stop. The one copy of the thread, wait and stop
 * logic, so a new background task is a step function. */
#ifndef RD_STORE_WORKER_H
#define RD_STORE_WORKER_H

#include <stdatomic.h>
#include <stdint.h>

#include "store/store.h"

/* One step on connection c (outside any transaction): 1 when it did work, 0 when there was
 * none, negative with err set on failure (logged with the worker's name, then treated as
 * idle). name is this thread's own ("rolodeskd:<host>:<pid>:<kind>[:<n>]"), for claims and
 * leases. stop turns true when the worker is being stopped: a long step checks it and ends
 * early, leaving its work to be taken up again. */
typedef int (*rd_worker_step)(rd_conn *c, void *arg, const char *name, const atomic_bool *stop,
                              rd_err *err);

typedef struct rd_worker rd_worker;

/* Starts threads (at least 1) running step(arg) over connections of db; kind names them.
 * arg is borrowed and must outlive rd_worker_stop. *out is owned by the caller. Fails
 * (RD_EINTERNAL) only when no thread could be started. */
int rd_worker_start(rd_db *db, const char *kind, int threads, int64_t idle_ms,
                    rd_worker_step step, void *arg, rd_worker **out);
/* Sets stop, wakes idle threads, waits for every step to return, frees w (NULL: nothing). */
void rd_worker_stop(rd_worker *w);

#endif
