/* The CUST-8 property test: over random contracts of one customer (types, start and end
 * dates, hours, monthly hours with any rollover day and carry-over, unpaid invoices,
 * cancellations) and random days in which time is recorded against the contract active
 * that day, invoices are paid and pending contracts are enabled, the states of
 * rd_contract_states equal those of a model that walks the calendar one day at a time
 * (the implementation jumps from period to period) and keeps its own queue.
 * Seeds: CUST8_SEEDS (at least 16). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/contract.h"

#define CUST8_SEEDS 32

static uint64_t rng;
static int pick(int n) {
  rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
  return (int)((rng >> 33) % (uint64_t)n);
}

/* Days since 1970-01-01 and back (the civil calendar). */
static long days_of(int y, int m, int d) {
  y -= m <= 2;
  long era = (y >= 0 ? y : y - 399) / 400;
  long yoe = y - era * 400;
  long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}
static void date_of(long z, char out[11]) {
  z += 719468;
  long era = (z >= 0 ? z : z - 146096) / 146097;
  long doe = z - era * 146097;
  long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  long y = yoe + era * 400, doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  long mp = (5 * doy + 2) / 153, d = doy - (153 * mp + 2) / 5 + 1, m = mp + (mp < 10 ? 3 : -9);
  snprintf(out, 11, "%04ld-%02ld-%02ld", y + (m <= 2), m, d);
}
static long day_num(const char *s) {
  int y, m, d;
  sscanf(s, "%d-%d-%d", &y, &m, &d);
  return days_of(y, m, d);
}

enum { MAXK = 6, MAXU = 120 };

typedef struct mk {
  rd_contract_terms t;
  char type[16], start[11], end[11];
  rd_contract_use uses[MAXU];
} mk;

typedef struct expect {
  const char *status, *reason;
  int64_t allowance, used;
} expect;

/* The model: one day at a time from the first period's start to today. */
static void model_monthly(const mk *k, long today, int64_t *allowance, int64_t *used) {
  long s = day_num(k->start);
  char d[11];
  date_of(s, d);
  int day = atoi(d + 8);
  /* back to the rollover day on or before the start */
  long first = s;
  while (day != k->t.rollover_day) {
    first--;
    date_of(first, d);
    day = atoi(d + 8);
  }
  long end = today > s ? today : s;
  int64_t avail = k->t.monthly_hours * 60, u = 0;
  for (long x = first; x <= end; x++) {
    date_of(x, d);
    if (x != first && atoi(d + 8) == k->t.rollover_day) {
      int64_t left = avail > u ? avail - u : 0;
      avail = k->t.monthly_hours * 60 + (k->t.carry_over ? left : 0);
      u = 0;
    }
    for (int i = 0; i < k->t.nuses; i++)
      if (!strcmp(k->uses[i].date, d))
        u += k->uses[i].minutes;
  }
  *allowance = avail;
  *used = u;
}

static void model(mk *k, int n, long today, expect *e) {
  char td[11];
  date_of(today, td);
  int first = -1;
  for (int i = 0; i < n; i++) {
    const rd_contract_terms *t = &k[i].t;
    int64_t total = 0;
    for (int j = 0; j < t->nuses; j++)
      total += t->uses[j].minutes;
    e[i] = (expect){.allowance = -1, .used = total};
    bool monthly = !strcmp(t->type, "monthly_hours");
    bool hours = !strcmp(t->type, "hours") || !strcmp(t->type, "time_limited");
    if (hours)
      e[i].allowance = t->hours * 60;
    if (monthly)
      model_monthly(&k[i], today, &e[i].allowance, &e[i].used);
    if (t->cancelled)
      e[i].status = "cancelled";
    else if (t->end && day_num(t->end) < today)
      e[i].status = "expired";
    else if (day_num(t->start) > today)
      e[i].status = "pending", e[i].reason = "start";
    else if (!t->invoice_paid)
      e[i].status = "pending", e[i].reason = "invoice";
    else if ((hours || monthly) && e[i].used >= e[i].allowance)
      e[i].status = "exhausted";
    else {
      e[i].status = "eligible";
      if (first < 0 || day_num(t->start) < day_num(k[first].t.start) ||
          (day_num(t->start) == day_num(k[first].t.start) && t->id < k[first].t.id))
        first = i;
    }
  }
  for (int i = 0; i < n; i++)
    if (!strcmp(e[i].status, "eligible")) {
      e[i].status = i == first ? "active" : "pending";
      e[i].reason = i == first ? NULL : "queue";
    }
}

static void make(mk *k, int64_t id, long base) {
  static const char *const types[] = {"subscription", "time_limited", "hours", "monthly_hours"};
  memset(k, 0, sizeof *k);
  snprintf(k->type, sizeof k->type, "%s", types[pick(4)]);
  long start = base + pick(120) - 30;
  date_of(start, k->start);
  bool needs_end = !strcmp(k->type, "subscription") || !strcmp(k->type, "time_limited");
  if (needs_end || pick(3) == 0)
    date_of(start + 1 + pick(200), k->end);
  k->t = (rd_contract_terms){.id = id, .type = k->type, .start = k->start,
                             .end = k->end[0] ? k->end : NULL, .hours = 1 + pick(6),
                             .monthly_hours = 1 + pick(4), .rollover_day = 1 + pick(28),
                             .carry_over = pick(2), .invoice_paid = pick(4) != 0,
                             .cancelled = pick(10) == 0, .uses = k->uses};
}

static void check(mk *k, int n, long today, int seed, int step) {
  rd_contract_terms t[MAXK];
  rd_contract_state s[MAXK];
  expect e[MAXK];
  char td[11];
  date_of(today, td);
  for (int i = 0; i < n; i++)
    t[i] = k[i].t;
  rd_contract_states(t, n, td, s);
  model(k, n, today, e);
  for (int i = 0; i < n; i++) {
    cr_assert_str_eq(s[i].status, e[i].status, "seed %d step %d %s: contract %d (%s from %s)",
                     seed, step, td, i, k[i].type, k[i].start);
    cr_assert(s[i].pending_reason == e[i].reason ||
                  (s[i].pending_reason && e[i].reason && !strcmp(s[i].pending_reason, e[i].reason)),
              "seed %d step %d: reason %s, model %s", seed, step, s[i].pending_reason, e[i].reason);
    cr_assert_eq(s[i].allowance, e[i].allowance, "seed %d step %d %s: contract %d (%s) allowance",
                 seed, step, td, i, k[i].type);
    cr_assert_eq(s[i].used, e[i].used, "seed %d step %d %s: contract %d (%s) used", seed, step,
                 td, i, k[i].type);
  }
}

static void run_seed(int seed) {
  static mk k[MAXK];
  rng = (uint64_t)seed * 0x9E3779B97F4A7C15ULL + 7;
  long today = days_of(2027, 1, 1) + pick(60);
  int n = 1 + pick(MAXK);
  for (int i = 0; i < n; i++)
    make(&k[i], 100 + i, today);
  for (int step = 0; step < 150; step++) {
    check(k, n, today, seed, step);
    expect e[MAXK];
    model(k, n, today, e);
    int action = pick(10);
    int i = pick(n);
    if (action < 5) { /* time recorded today against the active contract, if any */
      for (int j = 0; j < n; j++)
        if (!strcmp(e[j].status, "active") && k[j].t.nuses < MAXU) {
          rd_contract_use *u = &k[j].uses[k[j].t.nuses++];
          date_of(today, u->date);
          u->minutes = 15 + pick(120);
        }
    } else if (action == 5) { /* an invoice is paid */
      k[i].t.invoice_paid = true;
    } else if (action == 6 && !strcmp(e[i].status, "pending") && !strcmp(e[i].reason, "start")) {
      bool active = false; /* enable: only when nothing else is active */
      for (int j = 0; j < n; j++)
        active |= !strcmp(e[j].status, "active");
      if (!active)
        date_of(today, k[i].start);
    } else { /* days pass */
      today += 1 + pick(action == 9 ? 40 : 6);
    }
  }
}

Test(contract_state, CUST8_states_match_a_day_by_day_model) {
  for (int seed = 1; seed <= CUST8_SEEDS; seed++)
    run_seed(seed);
}
