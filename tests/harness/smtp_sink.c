/* SMTP listener for tests: see smtp_sink.h. One connection at a time, which is all a
 * test's daemon opens for one request. Every write uses MSG_NOSIGNAL: a client that gave
 * up (the slow mode's whole point) must not kill the test with SIGPIPE. */
#include "harness/smtp_sink.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum { MAX_MSGS = 64 };

struct th_smtp {
  int fd, port, delay_ms, connections;
  th_smtp_mode mode;
  atomic_bool stop;
  pthread_t thread;
  pthread_mutex_t lock;
  pthread_cond_t cond;
  th_smtp_msg msgs[MAX_MSGS];
  int nmsgs;
};

static void say(int fd, const char *text) {
  ssize_t w = send(fd, text, strlen(text), MSG_NOSIGNAL);
  (void)w;
}

/* Reads one line (without CRLF) into line; false on EOF, error or stop. */
static bool read_line(th_smtp *s, int fd, char *buf, size_t *have, char *line, size_t cap) {
  for (;;) {
    char *nl = memchr(buf, '\n', *have);
    if (nl) {
      size_t n = (size_t)(nl - buf);
      size_t keep = n && buf[n - 1] == '\r' ? n - 1 : n;
      if (keep >= cap)
        keep = cap - 1;
      memcpy(line, buf, keep);
      line[keep] = 0;
      memmove(buf, nl + 1, *have - n - 1);
      *have -= n + 1;
      return true;
    }
    if (*have >= 65536 || s->stop)
      return false;
    struct pollfd p = {.fd = fd, .events = POLLIN};
    if (poll(&p, 1, 100) <= 0)
      continue;
    ssize_t r = recv(fd, buf + *have, 65536 - *have, 0);
    if (r <= 0)
      return false;
    *have += (size_t)r;
  }
}

static char *addr_of(const char *arg) {
  const char *lt = strchr(arg, '<'), *gt = lt ? strchr(lt, '>') : NULL;
  if (!lt || !gt)
    return strdup(arg);
  return strndup(lt + 1, (size_t)(gt - lt - 1));
}

static void pause_ms(th_smtp *s, int ms) {
  for (int t = 0; t < ms && !s->stop; t += 20)
    usleep(20000);
}

static void session(th_smtp *s, int fd) {
  char *buf = malloc(65536), line[4096];
  size_t have = 0;
  char *from = NULL, *rcpt = NULL;
  if (s->mode == TH_SMTP_SILENT) {
    /* Reads (and drops) whatever comes until the client gives up or the sink stops. */
    while (read_line(s, fd, buf, &have, line, sizeof line))
      ;
    free(buf);
    return;
  }
  say(fd, "220 sink.test ESMTP rolodesk test sink\r\n");
  while (read_line(s, fd, buf, &have, line, sizeof line)) {
    if (!strncasecmp(line, "EHLO", 4)) {
      say(fd, "250-sink.test\r\n250 SIZE 10485760\r\n");
    } else if (!strncasecmp(line, "HELO", 4) || !strncasecmp(line, "NOOP", 4)) {
      say(fd, "250 OK\r\n");
    } else if (!strncasecmp(line, "RSET", 4)) {
      free(from), free(rcpt);
      from = rcpt = NULL;
      say(fd, "250 OK\r\n");
    } else if (!strncasecmp(line, "MAIL FROM:", 10)) {
      free(from);
      from = addr_of(line + 10);
      say(fd, "250 OK\r\n");
    } else if (!strncasecmp(line, "RCPT TO:", 8)) {
      if (s->mode == TH_SMTP_REJECT_RCPT) {
        say(fd, "550 5.1.1 No such mailbox here\r\n");
        continue;
      }
      free(rcpt);
      rcpt = addr_of(line + 8);
      say(fd, "250 OK\r\n");
    } else if (!strncasecmp(line, "DATA", 4)) {
      if (!from || !rcpt) {
        say(fd, "503 5.5.1 MAIL and RCPT first\r\n");
        continue;
      }
      say(fd, "354 End data with <CR><LF>.<CR><LF>\r\n");
      size_t cap = 1 << 16, len = 0;
      char *data = malloc(cap);
      bool complete = false;
      while (read_line(s, fd, buf, &have, line, sizeof line)) {
        if (!strcmp(line, ".")) {
          complete = true;
          break;
        }
        const char *l = line[0] == '.' ? line + 1 : line; /* RFC 5321 4.5.2 */
        size_t n = strlen(l);
        if (len + n + 3 > cap)
          data = realloc(data, cap *= 2);
        memcpy(data + len, l, n);
        memcpy(data + len + n, "\r\n", 2);
        len += n + 2;
      }
      data[len] = 0;
      if (!complete) {
        free(data);
        break;
      }
      if (s->mode == TH_SMTP_REJECT_DATA) {
        say(fd, "550 5.7.1 Message refused\r\n");
        free(data);
        continue;
      }
      if (s->mode == TH_SMTP_SLOW)
        pause_ms(s, s->delay_ms);
      pthread_mutex_lock(&s->lock);
      if (s->nmsgs < MAX_MSGS) {
        s->msgs[s->nmsgs++] = (th_smtp_msg){strdup(from), strdup(rcpt), data};
        data = NULL;
      }
      pthread_cond_broadcast(&s->cond);
      pthread_mutex_unlock(&s->lock);
      free(data);
      say(fd, "250 OK queued\r\n");
    } else if (!strncasecmp(line, "QUIT", 4)) {
      say(fd, "221 Bye\r\n");
      break;
    } else {
      say(fd, "502 5.5.2 Command not implemented\r\n");
    }
  }
  free(from);
  free(rcpt);
  free(buf);
}

static void *serve(void *arg) {
  th_smtp *s = arg;
  while (!s->stop) {
    struct pollfd p = {.fd = s->fd, .events = POLLIN};
    if (poll(&p, 1, 100) <= 0)
      continue;
    int c = accept(s->fd, NULL, NULL);
    if (c < 0)
      continue;
    pthread_mutex_lock(&s->lock);
    s->connections++;
    pthread_mutex_unlock(&s->lock);
    session(s, c);
    close(c);
  }
  return NULL;
}

th_smtp *th_smtp_start(th_smtp_mode mode, int delay_ms) {
  th_smtp *s = calloc(1, sizeof *s);
  s->mode = mode;
  s->delay_ms = delay_ms;
  pthread_mutex_init(&s->lock, NULL);
  pthread_cond_init(&s->cond, NULL);
  s->fd = socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  setsockopt(s->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t len = sizeof a;
  if (bind(s->fd, (struct sockaddr *)&a, sizeof a) || listen(s->fd, 8) ||
      getsockname(s->fd, (struct sockaddr *)&a, &len)) {
    close(s->fd);
    free(s);
    return NULL;
  }
  s->port = ntohs(a.sin_port);
  pthread_create(&s->thread, NULL, serve, s);
  return s;
}

int th_smtp_port(th_smtp *s) {
  return s->port;
}

int th_smtp_count(th_smtp *s) {
  pthread_mutex_lock(&s->lock);
  int n = s->nmsgs;
  pthread_mutex_unlock(&s->lock);
  return n;
}

int th_smtp_connections(th_smtp *s) {
  pthread_mutex_lock(&s->lock);
  int n = s->connections;
  pthread_mutex_unlock(&s->lock);
  return n;
}

th_smtp_msg *th_smtp_wait(th_smtp *s, int n, int timeout_ms) {
  struct timespec until;
  clock_gettime(CLOCK_REALTIME, &until);
  until.tv_sec += timeout_ms / 1000;
  until.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
  if (until.tv_nsec >= 1000000000L) {
    until.tv_sec++;
    until.tv_nsec -= 1000000000L;
  }
  th_smtp_msg *out = NULL;
  pthread_mutex_lock(&s->lock);
  while (s->nmsgs <= n && pthread_cond_timedwait(&s->cond, &s->lock, &until) == 0)
    ;
  if (s->nmsgs > n) {
    out = malloc(sizeof *out);
    out->from = strdup(s->msgs[n].from);
    out->rcpt = strdup(s->msgs[n].rcpt);
    out->data = strdup(s->msgs[n].data);
  }
  pthread_mutex_unlock(&s->lock);
  return out;
}

void th_smtp_msg_free(th_smtp_msg *m) {
  if (!m)
    return;
  free(m->from);
  free(m->rcpt);
  free(m->data);
  free(m);
}

void th_smtp_stop(th_smtp *s) {
  if (!s)
    return;
  s->stop = true;
  pthread_join(s->thread, NULL);
  close(s->fd);
  for (int i = 0; i < s->nmsgs; i++) {
    free(s->msgs[i].from);
    free(s->msgs[i].rcpt);
    free(s->msgs[i].data);
  }
  pthread_mutex_destroy(&s->lock);
  pthread_cond_destroy(&s->cond);
  free(s);
}

int th_free_port(void) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t len = sizeof a;
  int port = 0;
  if (!bind(fd, (struct sockaddr *)&a, sizeof a) && !getsockname(fd, (struct sockaddr *)&a, &len))
    port = ntohs(a.sin_port);
  close(fd);
  return port;
}
