/* The web UI's files (issue 16): rolodeskd serves the built UI (web/dist, --web-root) at
 * every path that is not the API's. A path that names a file of the root is that file;
 * any other path without a file extension is index.html (the UI's own routes); the rest
 * is the API's 404. Only the types below are served, always with a strict
 * Content-Security-Policy (no inline script or style attribute, nothing from elsewhere);
 * Vite's hashed files under /assets/ are cached for a year, index.html never. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api/api.h"

#define WEB_PATH_MAX 200

static const struct {
  const char *ext, *type;
} TYPES[] = {
    {".html", "text/html; charset=utf-8"}, {".js", "text/javascript; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},   {".svg", "image/svg+xml"},
    {".png", "image/png"},                 {".ico", "image/x-icon"},
    {".json", "application/json"},         {".woff2", "font/woff2"},
    {".txt", "text/plain; charset=utf-8"}, {".webmanifest", "application/manifest+json"},
};

static const char *type_of(const char *path) {
  const char *dot = strrchr(path, '.');
  for (size_t i = 0; dot && i < sizeof TYPES / sizeof *TYPES; i++)
    if (!strcmp(dot, TYPES[i].ext))
      return TYPES[i].type;
  return NULL;
}

/* A request path a file may be served for: "/" and segments of letters, digits, '-', '_'
 * and '.', none of them empty or starting with a dot ("..", hidden files). */
static bool safe(const char *path) {
  size_t n = strlen(path);
  if (path[0] != '/' || n > WEB_PATH_MAX)
    return false;
  for (const char *p = path; *p; p++) {
    char ch = *p;
    bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
              ch == '-' || ch == '_' || ch == '.' || ch == '/';
    if (!ok || (ch == '/' && (p[1] == '.' || (p[1] == '/'))))
      return false;
  }
  return true;
}

bool rd_api_web_path(const rd_api *api, const char *path) {
  return api->web_root && strncmp(path, "/v1/", 4) && strcmp(path, "/v1") &&
         strcmp(path, "/healthz");
}

/* Opens root + path when it is a regular file (no symbolic link as its last part). */
static int open_file(const char *root, const char *path, struct stat *st) {
  char full[1200];
  if (snprintf(full, sizeof full, "%s%s", root, path) >= (int)sizeof full)
    return -1;
  int fd = open(full, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd >= 0 && (fstat(fd, st) || !S_ISREG(st->st_mode))) {
    close(fd);
    fd = -1;
  }
  return fd;
}

int rd_api_web(rd_ctx *x, rd_err *err) {
  rd_req *r = x->req;
  const char *path = r->path, *root = x->api->web_root;
  const char *last = strrchr(path, '/');
  bool has_ext = last && strchr(last, '.');
  struct stat st;
  int fd = -1;
  if (safe(path) && strcmp(path, "/") && has_ext)
    fd = open_file(root, path, &st);
  if (fd < 0 && has_ext)
    return rd_err_set(err, RD_ENOTFOUND, "No such endpoint or file");
  if (fd < 0) { /* "/" and the UI's own routes */
    path = "/index.html";
    fd = open_file(root, path, &st);
  }
  if (fd < 0)
    return rd_err_set(err, RD_ENOTFOUND, "No such endpoint");
  const char *type = type_of(path);
  if (!type) {
    close(fd);
    return rd_err_set(err, RD_ENOTFOUND, "No such endpoint or file");
  }
  rd_resp_header(r, "Content-Security-Policy", RD_WEB_CSP);
  rd_resp_header(r, "X-Content-Type-Options", "nosniff");
  rd_resp_header(r, "Referrer-Policy", "no-referrer");
  rd_resp_header(r, "Cache-Control", !strncmp(path, "/assets/", 8)
                                         ? "public, max-age=31536000, immutable"
                                         : "no-cache");
  rd_resp_fd(r, 200, type, fd, (size_t)st.st_size);
  return 0;
}
