/* Unit tests of src/mail/smtp.c (ACC-8): the allowed ports are checked before connecting,
 * and a server that cannot be reached reads as the one uniform text. Real conversations
 * with SMTP listeners are in tests/api/outbox_test.c and credentials_test.c. */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "mail/smtp.h"

Test(smtp, ACC8_unreachable_server_is_503_in_the_one_text) {
  /* A port that was free a moment ago: nothing listens there. */
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t len = sizeof a;
  cr_assert_eq(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
  cr_assert_eq(getsockname(fd, (struct sockaddr *)&a, &len), 0);
  close(fd);
  json_t *smtp = json_pack("{s:s,s:i,s:s,s:i}", "host", "127.0.0.1", "port", ntohs(a.sin_port),
                           "from", "desk@example.com", "timeout", 5);
  rd_mail m = {.to = "ann@example.org", .subject = "x", .body = "y"};
  rd_err err;
  rd_err_clear(&err);
  /* ACC-8: a port outside the installation's list is refused before any connection. */
  cr_assert_eq(rd_mail_ports_set(RD_SMTP_PORTS_DEFAULT), 0);
  cr_assert_eq(rd_smtp_send(smtp, &m, NULL, &err), RD_EINVAL);
  cr_assert(strstr(err.message, "not allowed"), "%s", err.message);
  rd_err_clear(&err);
  cr_assert_eq(rd_mail_ports_set("25,1024-65535"), 0);
  cr_assert_eq(rd_smtp_send(smtp, &m, NULL, &err), RD_EUNAVAIL);
  cr_assert_eq(err.status, 503, "%d %s", err.status, err.message);
  cr_assert_str_eq(err.message, RD_SMTP_UNREACHABLE, "the error tells more than it may");
  cr_assert_eq(err.nitems, 0);
  json_decref(smtp);
  rd_mail_ports_set(RD_SMTP_PORTS_DEFAULT);
}

