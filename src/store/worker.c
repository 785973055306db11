/* Background workers: see worker.h. */
#include "store/worker.h"

#include <pthread.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"
#include "base/mem.h"

typedef struct thread {
  rd_worker *w;
  pthread_t id;
  char name[128];
} thread;

struct rd_worker {
  rd_db *db;
  rd_worker_step step;
  void *arg;
  int64_t idle_ms;
  atomic_bool stop;
  pthread_mutex_t mu;
  pthread_cond_t cv;
  int n;
  thread *threads;
};

static void idle(rd_worker *w) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  int64_t ns = (int64_t)ts.tv_nsec + (w->idle_ms % 1000) * 1000000;
  ts.tv_sec += (time_t)(w->idle_ms / 1000 + ns / 1000000000);
  ts.tv_nsec = (long)(ns % 1000000000);
  pthread_mutex_lock(&w->mu);
  if (!atomic_load(&w->stop))
    pthread_cond_timedwait(&w->cv, &w->mu, &ts);
  pthread_mutex_unlock(&w->mu);
}

static void *run(void *arg) {
  thread *t = arg;
  rd_worker *w = t->w;
  while (!atomic_load(&w->stop)) {
    rd_err err;
    rd_err_clear(&err);
    rd_conn *c = NULL;
    int rv = rd_db_acquire(w->db, &c, &err);
    if (!rv)
      rv = w->step(c, w->arg, t->name, &w->stop, &err);
    if (c)
      rd_db_release(w->db, c);
    if (rv < 0)
      rd_log(RD_LOG_WARN, "%s: %s", t->name, err.message);
    if (rv <= 0)
      idle(w);
  }
  return NULL;
}

int rd_worker_start(rd_db *db, const char *kind, int threads, int64_t idle_ms,
                    rd_worker_step step, void *arg, rd_worker **out) {
  rd_worker *w = rd_calloc(1, sizeof *w);
  w->db = db;
  w->step = step;
  w->arg = arg;
  w->idle_ms = idle_ms > 0 ? idle_ms : 1;
  atomic_init(&w->stop, false);
  pthread_mutex_init(&w->mu, NULL);
  pthread_cond_init(&w->cv, NULL);
  if (threads < 1)
    threads = 1;
  w->threads = rd_calloc((size_t)threads, sizeof *w->threads);
  char host[64] = "";
  gethostname(host, sizeof host - 1);
  for (int i = 0; i < threads; i++) {
    thread *t = &w->threads[w->n];
    t->w = w;
    if (threads > 1)
      snprintf(t->name, sizeof t->name, "rolodeskd:%s:%d:%s:%d", host, (int)getpid(), kind, i);
    else
      snprintf(t->name, sizeof t->name, "rolodeskd:%s:%d:%s", host, (int)getpid(), kind);
    if (pthread_create(&t->id, NULL, run, t))
      break;
    w->n++;
  }
  if (!w->n) {
    rd_worker_stop(w);
    return RD_EINTERNAL;
  }
  *out = w;
  return 0;
}

void rd_worker_stop(rd_worker *w) {
  if (!w)
    return;
  pthread_mutex_lock(&w->mu);
  atomic_store(&w->stop, true);
  pthread_cond_broadcast(&w->cv);
  pthread_mutex_unlock(&w->mu);
  for (int i = 0; i < w->n; i++)
    pthread_join(w->threads[i].id, NULL);
  pthread_mutex_destroy(&w->mu);
  pthread_cond_destroy(&w->cv);
  rd_free(w->threads);
  rd_free(w);
}
