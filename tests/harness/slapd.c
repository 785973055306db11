/* A real OpenLDAP server for the tests (slapd.h). */
#include "harness/slapd.h"

#include <criterion/criterion.h>
#include <ldap.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct th_slapd {
  char dir[128];
  char uri[64];
  pid_t pid;
};

static int free_port(void) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t n = sizeof a;
  cr_assert(fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
            getsockname(fd, (struct sockaddr *)&a, &n) == 0);
  close(fd);
  return ntohs(a.sin_port);
}

static LDAP *admin_conn(th_slapd *s) {
  LDAP *ld = NULL;
  int v3 = LDAP_VERSION3;
  cr_assert_eq(ldap_initialize(&ld, s->uri), LDAP_SUCCESS);
  ldap_set_option(ld, LDAP_OPT_PROTOCOL_VERSION, &v3);
  struct berval pw = {.bv_len = strlen(TH_LDAP_ADMIN_PW), .bv_val = TH_LDAP_ADMIN_PW};
  int rc = ldap_sasl_bind_s(ld, TH_LDAP_ADMIN_DN, LDAP_SASL_SIMPLE, &pw, NULL, NULL, NULL);
  cr_assert_eq(rc, LDAP_SUCCESS, "bind to slapd: %s", ldap_err2string(rc));
  return ld;
}

/* Adds dn with objectClass classes, uid and cn uid (when uid is set), and the
 * NULL-terminated name, value pairs of ap. */
static void add(th_slapd *s, const char *dn, const char *const *classes, const char *uid,
                va_list ap) {
  LDAPMod mods[24], *list[25];
  char *vals[24][2], *cls[8];
  int n = 0, k = 0;
  for (; classes[k] && k < 7; k++)
    cls[k] = (char *)classes[k];
  cls[k] = NULL;
  mods[n] = (LDAPMod){.mod_op = LDAP_MOD_ADD, .mod_type = "objectClass", .mod_values = cls};
  list[n] = &mods[n], n++;
  for (int i = 0; uid && i < 2; i++) {
    vals[n][0] = (char *)uid, vals[n][1] = NULL;
    mods[n] = (LDAPMod){.mod_op = LDAP_MOD_ADD, .mod_type = i ? "cn" : "uid", .mod_values = vals[n]};
    list[n] = &mods[n], n++;
  }
  const char *name;
  while ((name = va_arg(ap, const char *)) && n < 23) {
    vals[n][0] = va_arg(ap, char *), vals[n][1] = NULL;
    mods[n] = (LDAPMod){.mod_op = LDAP_MOD_ADD, .mod_type = (char *)name, .mod_values = vals[n]};
    list[n] = &mods[n], n++;
  }
  list[n] = NULL;
  LDAP *ld = admin_conn(s);
  int rc = ldap_add_ext_s(ld, dn, list, NULL, NULL);
  cr_assert_eq(rc, LDAP_SUCCESS, "add %s: %s", dn, ldap_err2string(rc));
  ldap_unbind_ext_s(ld, NULL, NULL);
}

static void add_entry(th_slapd *s, const char *dn, const char *const *classes, ...) {
  va_list ap;
  va_start(ap, classes);
  add(s, dn, classes, NULL, ap);
  va_end(ap);
}

th_slapd *th_slapd_start(void) {
  th_slapd *s = calloc(1, sizeof *s);
  cr_assert(s);
  snprintf(s->dir, sizeof s->dir, "/tmp/rd-slapd.XXXXXX");
  cr_assert(mkdtemp(s->dir));
  char conf[256], db[200];
  snprintf(db, sizeof db, "%s/db", s->dir);
  cr_assert_eq(mkdir(db, 0700), 0);
  snprintf(conf, sizeof conf, "%s/slapd.conf", s->dir);
  FILE *f = fopen(conf, "w");
  cr_assert(f);
  fprintf(f,
          "include /etc/ldap/schema/core.schema\n"
          "include /etc/ldap/schema/cosine.schema\n"
          "include /etc/ldap/schema/inetorgperson.schema\n"
          "modulepath /usr/lib/ldap\n"
          "moduleload back_mdb\n"
          "pidfile %s/slapd.pid\n"
          "database mdb\n"
          "maxsize 33554432\n"
          "suffix \"dc=example,dc=com\"\n"
          "rootdn \"" TH_LDAP_ADMIN_DN "\"\n"
          "rootpw " TH_LDAP_ADMIN_PW "\n"
          "directory %s\n",
          s->dir, db);
  fclose(f);
  for (int attempt = 0; attempt < 5; attempt++) {
    snprintf(s->uri, sizeof s->uri, "ldap://127.0.0.1:%d", free_port());
    char listen[80];
    snprintf(listen, sizeof listen, "%s/", s->uri);
    s->pid = fork();
    cr_assert(s->pid >= 0);
    if (s->pid == 0) {
      /* -d 0: in the foreground (no fork), so the pid is ours to stop */
      execl("/usr/sbin/slapd", "slapd", "-f", conf, "-h", listen, "-d", "0", (char *)NULL);
      _exit(127);
    }
    for (int i = 0; i < 100; i++) { /* up to 5 s */
      LDAP *ld = NULL;
      int v3 = LDAP_VERSION3, status = 0;
      if (waitpid(s->pid, &status, WNOHANG) == s->pid) {
        s->pid = 0;
        break; /* exited: the port was taken, or slapd is missing */
      }
      ldap_initialize(&ld, s->uri);
      ldap_set_option(ld, LDAP_OPT_PROTOCOL_VERSION, &v3);
      struct berval pw = {.bv_len = strlen(TH_LDAP_ADMIN_PW), .bv_val = TH_LDAP_ADMIN_PW};
      int rc = ldap_sasl_bind_s(ld, TH_LDAP_ADMIN_DN, LDAP_SASL_SIMPLE, &pw, NULL, NULL, NULL);
      ldap_unbind_ext_s(ld, NULL, NULL);
      if (rc == LDAP_SUCCESS) {
        static const char *const dc[] = {"dcObject", "organization", NULL};
        static const char *const ou[] = {"organizationalUnit", NULL};
        add_entry(s, "dc=example,dc=com", dc, "o", "Example", "dc", "example", NULL);
        add_entry(s, TH_LDAP_BASE, ou, "ou", "people", NULL);
        return s;
      }
      struct timespec ts = {0, 50 * 1000 * 1000};
      nanosleep(&ts, NULL);
    }
    if (s->pid > 0) {
      kill(s->pid, SIGKILL);
      waitpid(s->pid, NULL, 0);
      s->pid = 0;
    }
  }
  cr_assert_fail("slapd did not start (scripts/deps.sh installs Debian's slapd)");
  return NULL;
}

void th_slapd_stop(th_slapd *s) {
  if (!s)
    return;
  if (s->pid > 0) {
    kill(s->pid, SIGTERM);
    waitpid(s->pid, NULL, 0);
  }
  char cmd[200];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", s->dir);
  if (system(cmd) != 0)
    fprintf(stderr, "slapd harness: could not remove %s\n", s->dir);
  free(s);
}

const char *th_slapd_uri(const th_slapd *s) {
  return s->uri;
}

void th_ldap_add_person(th_slapd *s, const char *uid, ...) {
  static const char *const person[] = {"inetOrgPerson", NULL};
  char dn[256];
  snprintf(dn, sizeof dn, "uid=%s," TH_LDAP_BASE, uid);
  va_list ap;
  va_start(ap, uid);
  add(s, dn, person, uid, ap);
  va_end(ap);
}

void th_ldap_replace(th_slapd *s, const char *dn, const char *attr, const char *value) {
  char *vals[2] = {(char *)value, NULL};
  LDAPMod mod = {.mod_op = value ? LDAP_MOD_REPLACE : LDAP_MOD_DELETE, .mod_type = (char *)attr,
                 .mod_values = value ? vals : NULL};
  LDAPMod *list[2] = {&mod, NULL};
  LDAP *ld = admin_conn(s);
  int rc = ldap_modify_ext_s(ld, dn, list, NULL, NULL);
  cr_assert_eq(rc, LDAP_SUCCESS, "modify %s: %s", dn, ldap_err2string(rc));
  ldap_unbind_ext_s(ld, NULL, NULL);
}

void th_ldap_delete(th_slapd *s, const char *dn) {
  LDAP *ld = admin_conn(s);
  int rc = ldap_delete_ext_s(ld, dn, NULL, NULL);
  cr_assert_eq(rc, LDAP_SUCCESS, "delete %s: %s", dn, ldap_err2string(rc));
  ldap_unbind_ext_s(ld, NULL, NULL);
}
