/* Password hashing with argon2id (libsodium). Parameters: 2 passes over 19 MiB, the
 * OWASP recommendation; the memory per login is bounded, which matters for the daemon's
 * RSS target (PERF-2). */
#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

#include "auth/auth.h"

enum { OPS = 2 };
#define MEM (19u * 1024 * 1024)

int rd_auth_init(void) {
  return sodium_init() < 0 ? RD_EINTERNAL : 0;
}

int rd_password_hash(const char *password, char out[128], rd_err *err) {
  _Static_assert(crypto_pwhash_STRBYTES <= 128, "hash buffer");
  if (crypto_pwhash_str_alg(out, password, strlen(password), OPS, MEM,
                            crypto_pwhash_ALG_ARGON2ID13) != 0)
    return rd_err_set(err, RD_EINTERNAL, "cannot hash password (out of memory)");
  return 0;
}

typedef struct hash_job {
  const char *const *passwords;
  char (*out)[128];
  int n;
  atomic_int next; /* the next task to take */
} hash_job;

static void *hash_worker(void *arg) {
  hash_job *j = arg;
  for (;;) {
    int i = atomic_fetch_add(&j->next, 1);
    if (i >= j->n)
      break;
    if (!j->passwords[i] || rd_password_hash(j->passwords[i], j->out[i], NULL) != 0)
      j->out[i][0] = 0;
  }
  return NULL;
}

void rd_password_hash_many(const char *const *passwords, char (*out)[128], int n, int threads) {
  enum { MAX_THREADS = 8 };
  hash_job j = {.passwords = passwords, .out = out, .n = n};
  atomic_init(&j.next, 0);
  pthread_t t[MAX_THREADS];
  int started = 0;
  if (threads > MAX_THREADS)
    threads = MAX_THREADS;
  if (threads > n)
    threads = n;
  /* The calling thread is one of the workers: threads - 1 more. */
  while (started < threads - 1 && pthread_create(&t[started], NULL, hash_worker, &j) == 0)
    started++;
  hash_worker(&j);
  for (int i = 0; i < started; i++)
    pthread_join(t[i], NULL);
}

int rd_password_threads(void) {
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n < 1 ? 1 : n > 8 ? 8 : (int)n;
}

bool rd_password_verify(const char *hash, const char *password) {
  if (!hash || !password)
    return false;
  return crypto_pwhash_str_verify(hash, password, strlen(password)) == 0;
}

const char *rd_password_dummy_hash(void) {
  static char dummy[128];
  static int once; /* racing threads compute the same kind of value: harmless */
  if (!once) {
    char pw[33];
    randombytes_buf(pw, 32);
    for (int i = 0; i < 32; i++)
      pw[i] = (char)('a' + ((unsigned char)pw[i] % 26));
    pw[32] = 0;
    char tmp[128];
    if (crypto_pwhash_str_alg(tmp, pw, 32, OPS, MEM, crypto_pwhash_ALG_ARGON2ID13) == 0) {
      memcpy(dummy, tmp, sizeof dummy);
      once = 1;
    }
  }
  return dummy;
}
