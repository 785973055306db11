/* The VSA-shaped RMM of the tests (vsa_double.h). */
#include "harness/vsa_double.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BODY_MAX (1 << 20)

struct th_vsa {
  struct MHD_Daemon *mhd;
  pthread_mutex_t mu;
  char user[128], secret[128], token[64], url[64];
  int port, requests, auths, tokens, next_id;
  th_vsa_fault fault;
  int count, delay_ms;
  json_t *orgs;   /* array, in OrgId order of creation */
  json_t *groups; /* array of machine groups (with OrgId) */
  json_t *agents; /* array */
};

typedef struct body {
  char *data;
  size_t len;
  bool too_big;
} body;

static enum MHD_Result answer(struct MHD_Connection *conn, unsigned status, const char *text,
                              const char *header, const char *value) {
  struct MHD_Response *r =
      MHD_create_response_from_buffer(strlen(text), (void *)text, MHD_RESPMEM_MUST_COPY);
  MHD_add_response_header(r, "Content-Type", "application/json; charset=utf-8");
  if (header)
    MHD_add_response_header(r, header, value);
  enum MHD_Result rv = MHD_queue_response(conn, status, r);
  MHD_destroy_response(r);
  return rv;
}

/* The VSA envelope around result (reference taken). */
static enum MHD_Result envelope(struct MHD_Connection *conn, unsigned status, json_t *result,
                                long long total, int code, const char *error) {
  json_t *e = json_pack("{s:o,s:I,s:i,s:s,s:s}", "Result", result ? result : json_null(),
                        "TotalRecords", (json_int_t)total, "ResponseCode", code, "Status",
                        code ? "Error" : "OK", "Error", error ? error : "None");
  char *text = json_dumps(e, JSON_COMPACT);
  json_decref(e);
  enum MHD_Result rv = answer(conn, status, text, NULL, NULL);
  free(text);
  return rv;
}

static bool basic_ok(th_vsa *v, const char *auth) {
  if (!auth || strncmp(auth, "Basic ", 6))
    return false;
  unsigned char bin[300];
  size_t n = 0;
  if (sodium_base642bin(bin, sizeof bin - 1, auth + 6, strlen(auth + 6), NULL, &n, NULL,
                        sodium_base64_VARIANT_ORIGINAL))
    return false;
  bin[n] = 0;
  char want[300];
  snprintf(want, sizeof want, "%s:%s", v->user, v->secret);
  return !strcmp((char *)bin, want);
}

static int arg_int(struct MHD_Connection *conn, const char *name, int def) {
  const char *s = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, name);
  return s && *s ? (int)strtol(s, NULL, 10) : def;
}

static json_t *find_org(th_vsa *v, const char *id, size_t *at) {
  size_t i;
  json_t *o;
  json_array_foreach(v->orgs, i, o) {
    if (!strcmp(json_string_value(json_object_get(o, "OrgId")), id)) {
      if (at)
        *at = i;
      return o;
    }
  }
  return NULL;
}

static bool ref_taken(th_vsa *v, const char *ref, json_t *self) {
  size_t i;
  json_t *o;
  json_array_foreach(v->orgs, i, o) {
    if (o != self && !strcmp(json_string_value(json_object_get(o, "OrgRef")), ref))
      return true;
  }
  return false;
}

static json_t *new_org(const char *id, const char *name, const char *ref, const char *parent) {
  return json_pack("{s:s,s:s,s:s,s:s?,s:s,s:s,s:n,s:{s:n,s:n,s:n,s:n,s:n,s:n,s:n},s:[]}", "OrgId",
                   id, "OrgName", name, "OrgRef", ref, "ParentOrgId", parent,
                   "DefaultDepartmentName", "root", "DefaultMachineGroupName", "root", "Website",
                   "ContactInfo", "PrimaryPhone", "PrimaryEmail", "Country", "Street", "City",
                   "State", "ZipCode", "CustomFields");
}

/* GET/POST /system/orgs, GET/PUT /system/orgs/{id}; v->mu held. */
static enum MHD_Result orgs(th_vsa *v, struct MHD_Connection *conn, const char *method,
                            const char *rest, body *b) {
  if (!*rest && !strcmp(method, "GET")) {
    int top = arg_int(conn, "$top", 100), skip = arg_int(conn, "$skip", 0);
    if (top < 1 || top > 100 || skip < 0)
      return envelope(conn, 400, NULL, 0, 400, "$top must be 1 to 100");
    long long total = (long long)json_array_size(v->orgs);
    long long served = total;
    if (v->fault == TH_VSA_SHORT && total > 0)
      served = total - 1 - (total - 1) % 100; /* the last page never comes */
    json_t *page = json_array();
    for (long long i = skip; i < served && i < skip + top; i++)
      json_array_append(page, json_array_get(v->orgs, (size_t)i));
    return envelope(conn, 200, page, total, 0, NULL);
  }
  json_error_t je;
  json_t *in = b && b->len ? json_loadb(b->data, b->len, 0, &je) : NULL;
  enum MHD_Result rv;
  if (!*rest && !strcmp(method, "POST")) {
    const char *name = json_string_value(json_object_get(in, "OrgName"));
    const char *ref = json_string_value(json_object_get(in, "OrgRef"));
    if (!name || !ref || !*name || !*ref) {
      rv = envelope(conn, 400, NULL, 0, 400, "OrgName and OrgRef are required");
    } else if (ref_taken(v, ref, NULL)) {
      rv = envelope(conn, 400, NULL, 0, 409, "OrgRef is already in use");
    } else {
      char id[32];
      snprintf(id, sizeof id, "%d", v->next_id++);
      json_t *parent = json_object_get(in, "ParentOrgId");
      json_t *o = new_org(id, name, ref, json_string_value(parent));
      json_t *contact = json_object_get(in, "ContactInfo");
      if (json_is_object(contact))
        json_object_update_existing(json_object_get(o, "ContactInfo"), contact);
      if (json_is_string(json_object_get(in, "Website")))
        json_object_set(o, "Website", json_object_get(in, "Website"));
      json_array_append(v->orgs, o);
      rv = envelope(conn, 200, o, 1, 0, NULL);
    }
    json_decref(in);
    return rv;
  }
  const char *id = *rest == '/' ? rest + 1 : "";
  json_t *o = *id && !strchr(id, '/') ? find_org(v, id, NULL) : NULL;
  if (!o)
    rv = envelope(conn, 404, NULL, 0, 404, "No such organization");
  else if (!strcmp(method, "GET"))
    rv = envelope(conn, 200, json_incref(o), 1, 0, NULL);
  else if (!strcmp(method, "PUT") && json_is_object(in)) {
    const char *ref = json_string_value(json_object_get(in, "OrgRef"));
    if (ref && ref_taken(v, ref, o)) {
      rv = envelope(conn, 400, NULL, 0, 409, "OrgRef is already in use");
    } else {
      json_object_del(in, "OrgId");
      json_object_update_existing(o, in);
      rv = envelope(conn, 200, json_incref(o), 1, 0, NULL);
    }
  } else
    rv = envelope(conn, 400, NULL, 0, 400, "Bad request");
  json_decref(in);
  return rv;
}

/* A page of list (an array) as $top/$skip ask. */
static enum MHD_Result page_of(struct MHD_Connection *conn, json_t *list, size_t served) {
  int top = arg_int(conn, "$top", 100), skip = arg_int(conn, "$skip", 0);
  if (top < 1 || top > 100 || skip < 0)
    return envelope(conn, 400, NULL, 0, 400, "$top must be 1 to 100");
  json_t *page = json_array();
  for (size_t i = (size_t)skip; i < served && i < (size_t)skip + (size_t)top; i++)
    json_array_append(page, json_array_get(list, i));
  return envelope(conn, 200, page, (long long)json_array_size(list), 0, NULL);
}

/* GET /system/orgs/{id}/machinegroups; v->mu held. */
static enum MHD_Result groups_of(th_vsa *v, struct MHD_Connection *conn, const char *org) {
  if (!find_org(v, org, NULL))
    return envelope(conn, 404, NULL, 0, 404, "No such organization");
  json_t *mine = json_array();
  size_t i;
  json_t *g;
  json_array_foreach(v->groups, i, g) {
    if (!strcmp(json_string_value(json_object_get(g, "OrgId")), org))
      json_array_append(mine, g);
  }
  enum MHD_Result rv = page_of(conn, mine, json_array_size(mine));
  json_decref(mine);
  return rv;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *conn, const char *url,
                              const char *method, const char *version, const char *upload,
                              size_t *upload_len, void **state) {
  (void)version;
  th_vsa *v = cls;
  body *b = *state;
  if (!b) {
    *state = b = calloc(1, sizeof *b);
    return MHD_YES;
  }
  if (*upload_len) {
    if (b->len + *upload_len > BODY_MAX) {
      b->too_big = true;
    } else {
      b->data = realloc(b->data, b->len + *upload_len);
      memcpy(b->data + b->len, upload, *upload_len);
      b->len += *upload_len;
    }
    *upload_len = 0;
    return MHD_YES;
  }
  pthread_mutex_lock(&v->mu);
  v->requests++;
  th_vsa_fault fault = v->fault;
  int delay = v->delay_ms;
  pthread_mutex_unlock(&v->mu);
  if (fault == TH_VSA_SLOW && delay > 0)
    usleep((useconds_t)delay * 1000);
  if (fault == TH_VSA_DOWN)
    return answer(conn, 503, "{\"Error\":\"Service Unavailable\"}", NULL, NULL);
  const char *prefix = "/api/v1.0";
  if (strncmp(url, prefix, strlen(prefix)) || b->too_big)
    return envelope(conn, 404, NULL, 0, 404, "Not found");
  const char *path = url + strlen(prefix);
  const char *auth = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Authorization");
  enum MHD_Result rv;
  pthread_mutex_lock(&v->mu);
  if (!strcmp(path, "/auth")) {
    v->auths++;
    if (!basic_ok(v, auth)) {
      rv = envelope(conn, 401, NULL, 0, 401, "Invalid credentials");
    } else {
      snprintf(v->token, sizeof v->token, "vsa-session-%d", ++v->tokens);
      rv = envelope(conn, 200,
                    json_pack("{s:s,s:s,s:s}", "Token", v->token, "UserName", v->user,
                              "SessionExpiration", "2099-01-01T00:00:00Z"),
                    1, 0, NULL);
    }
    pthread_mutex_unlock(&v->mu);
    return rv;
  }
  bool bearer = auth && !strncmp(auth, "Bearer ", 7) && v->token[0] &&
                !strcmp(auth + 7, v->token);
  if (v->fault == TH_VSA_401_ONCE) {
    v->fault = TH_VSA_OK;
    v->token[0] = 0; /* the session expired: a new /auth is needed */
    bearer = false;
  }
  if (!bearer) {
    rv = envelope(conn, 401, NULL, 0, 401, "Session expired or invalid");
  } else if ((v->fault == TH_VSA_500 || v->fault == TH_VSA_429) && v->count > 0) {
    bool limited = v->fault == TH_VSA_429;
    if (--v->count == 0)
      v->fault = TH_VSA_OK;
    rv = limited ? answer(conn, 429, "{}", "Retry-After", "1")
                 : answer(conn, 500, "{\"Error\":\"Internal error\"}", NULL, NULL);
  } else if (v->fault == TH_VSA_GARBAGE && v->count-- <= 0) {
    rv = answer(conn, 200, "<html>Gateway says hello", NULL, NULL);
  } else if (v->fault == TH_VSA_RESULT_CODE) {
    rv = envelope(conn, 200, NULL, 0, 500, "Database connection lost");
  } else if (!strcmp(method, "GET") && !strncmp(path, "/system/orgs/", 13) &&
             strstr(path, "/machinegroups")) {
    char org[64];
    snprintf(org, sizeof org, "%.*s", (int)(strstr(path, "/machinegroups") - path - 13),
             path + 13);
    rv = groups_of(v, conn, org);
  } else if (!strncmp(path, "/system/orgs", 12)) {
    rv = orgs(v, conn, method, path + 12, b);
  } else if (!strcmp(method, "GET") && !strcmp(path, "/assetmgmt/agents")) {
    const char *filter = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "$filter");
    if (filter && !strncmp(filter, "AgentId eq ", 11)) {
      json_t *one = json_array();
      size_t i;
      json_t *a;
      json_array_foreach(v->agents, i, a) {
        if (!strcmp(json_string_value(json_object_get(a, "AgentId")), filter + 11))
          json_array_append(one, a);
      }
      rv = page_of(conn, one, json_array_size(one));
      json_decref(one);
    } else {
      size_t n = json_array_size(v->agents);
      rv = page_of(conn, v->agents, v->fault == TH_VSA_SHORT && n > 100 ? 100 : n);
    }
  } else {
    rv = envelope(conn, 404, NULL, 0, 404, "Not found");
  }
  pthread_mutex_unlock(&v->mu);
  return rv;
}

static void done(void *cls, struct MHD_Connection *conn, void **state,
                 enum MHD_RequestTerminationCode code) {
  (void)cls, (void)conn, (void)code;
  body *b = *state;
  if (b)
    free(b->data);
  free(b);
  *state = NULL;
}

th_vsa *th_vsa_start(const char *username, const char *token) {
  th_vsa *v = calloc(1, sizeof *v);
  pthread_mutex_init(&v->mu, NULL);
  snprintf(v->user, sizeof v->user, "%s", username);
  snprintf(v->secret, sizeof v->secret, "%s", token);
  v->orgs = json_array();
  v->groups = json_array();
  v->agents = json_array();
  v->next_id = 900000001;
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = 0};
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK); /* loopback only */
  v->mhd = MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
                                MHD_USE_ERROR_LOG,
                            0, NULL, NULL, handle, v, MHD_OPTION_NOTIFY_COMPLETED, done, v,
                            MHD_OPTION_SOCK_ADDR, &addr, MHD_OPTION_END);
  if (!v->mhd) {
    fprintf(stderr, "vsa double: cannot start\n");
    abort();
  }
  const union MHD_DaemonInfo *info = MHD_get_daemon_info(v->mhd, MHD_DAEMON_INFO_BIND_PORT);
  v->port = info->port;
  snprintf(v->url, sizeof v->url, "http://127.0.0.1:%d", v->port);
  return v;
}

int th_vsa_port(th_vsa *v) {
  return v->port;
}

const char *th_vsa_url(th_vsa *v) {
  return v->url;
}

void th_vsa_add_org(th_vsa *v, const char *id, const char *name, const char *ref,
                    const char *parent) {
  pthread_mutex_lock(&v->mu);
  json_array_append_new(v->orgs, new_org(id, name, ref, parent));
  pthread_mutex_unlock(&v->mu);
}

void th_vsa_add_orgs(th_vsa *v, int first_id, int n) {
  for (int i = 0; i < n; i++) {
    char id[32], name[64], ref[64];
    snprintf(id, sizeof id, "%d", first_id + i);
    snprintf(name, sizeof name, "Org %d", first_id + i);
    snprintf(ref, sizeof ref, "org%d", first_id + i);
    th_vsa_add_org(v, id, name, ref, NULL);
  }
}

void th_vsa_add_group(th_vsa *v, const char *org, const char *id, const char *path,
                      const char *parent) {
  pthread_mutex_lock(&v->mu);
  json_array_append_new(v->groups, json_pack("{s:s,s:s,s:s?,s:s}", "MachineGroupId", id,
                                             "MachineGroupName", path, "ParentMachineGroupId",
                                             parent, "OrgId", org));
  pthread_mutex_unlock(&v->mu);
}

static json_t *group(th_vsa *v, const char *id) {
  size_t i;
  json_t *g;
  json_array_foreach(v->groups, i, g) {
    if (!strcmp(json_string_value(json_object_get(g, "MachineGroupId")), id))
      return g;
  }
  return NULL;
}

void th_vsa_add_agent(th_vsa *v, const char *id, const char *name, const char *org,
                      const char *group_id) {
  pthread_mutex_lock(&v->mu);
  json_t *g = group(v, group_id);
  json_array_append_new(
      v->agents,
      json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:b}", "AgentId", id, "AgentName",
                name, "ComputerName", name, "OrgId", org, "MachineGroupId", group_id,
                "MachineGroup", g ? json_string_value(json_object_get(g, "MachineGroupName")) : "",
                "OSType", "Windows", "OperatingSystem", "Windows Server 2022", "IPAddress",
                "10.0.0.1", "LastCheckInTime", "2026-11-30T08:00:00Z", "Online", true));
  pthread_mutex_unlock(&v->mu);
}

void th_vsa_agent_set(th_vsa *v, const char *id, const char *field, const char *value) {
  pthread_mutex_lock(&v->mu);
  size_t i;
  json_t *a;
  json_array_foreach(v->agents, i, a) {
    if (strcmp(json_string_value(json_object_get(a, "AgentId")), id))
      continue;
    json_object_set_new(a, field, json_string(value));
    json_t *g = !strcmp(field, "MachineGroupId") ? group(v, value) : NULL;
    if (g)
      json_object_set(a, "MachineGroup", json_object_get(g, "MachineGroupName"));
  }
  pthread_mutex_unlock(&v->mu);
}

void th_vsa_add_agents(th_vsa *v, int first_id, int n) {
  pthread_mutex_lock(&v->mu);
  json_t *groups = json_deep_copy(v->groups);
  pthread_mutex_unlock(&v->mu);
  size_t ng = json_array_size(groups);
  for (int i = 0; ng && i < n; i++) {
    json_t *g = json_array_get(groups, (size_t)i % ng);
    char id[32], name[48];
    snprintf(id, sizeof id, "%d", first_id + i);
    snprintf(name, sizeof name, "agent-%d", first_id + i);
    th_vsa_add_agent(v, id, name, json_string_value(json_object_get(g, "OrgId")),
                     json_string_value(json_object_get(g, "MachineGroupId")));
  }
  json_decref(groups);
}

void th_vsa_fault_set(th_vsa *v, th_vsa_fault fault, int count, int delay_ms) {
  pthread_mutex_lock(&v->mu);
  v->fault = fault;
  v->count = count;
  v->delay_ms = delay_ms;
  pthread_mutex_unlock(&v->mu);
}

int th_vsa_requests(th_vsa *v) {
  pthread_mutex_lock(&v->mu);
  int n = v->requests;
  pthread_mutex_unlock(&v->mu);
  return n;
}

int th_vsa_auths(th_vsa *v) {
  pthread_mutex_lock(&v->mu);
  int n = v->auths;
  pthread_mutex_unlock(&v->mu);
  return n;
}

json_t *th_vsa_orgs(th_vsa *v) {
  pthread_mutex_lock(&v->mu);
  json_t *copy = json_deep_copy(v->orgs);
  pthread_mutex_unlock(&v->mu);
  return copy;
}

void th_vsa_stop(th_vsa *v) {
  if (!v)
    return;
  MHD_stop_daemon(v->mhd);
  json_decref(v->orgs);
  json_decref(v->groups);
  json_decref(v->agents);
  pthread_mutex_destroy(&v->mu);
  free(v);
}
