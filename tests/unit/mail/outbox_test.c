/* Unit tests of src/mail/outbox.c (ACC-8): the retry schedule. Claims, delivery and the
 * list run against real daemons in tests/api/outbox_test.c. */
#include <criterion/criterion.h>

#include "mail/outbox.h"

Test(outbox, ACC8_backoff_grows_and_is_capped) {
  cr_assert_eq(rd_outbox_backoff(1, 0), RD_OUTBOX_RETRY_S);
  cr_assert_eq(rd_outbox_backoff(1, 30), 30);
  cr_assert_eq(rd_outbox_backoff(2, 30), 120);
  cr_assert_eq(rd_outbox_backoff(3, 30), 480);
  cr_assert_eq(rd_outbox_backoff(5, 30), 7680);
  cr_assert_eq(rd_outbox_backoff(6, 30), RD_OUTBOX_RETRY_MAX_S);
  cr_assert_eq(rd_outbox_backoff(1000, 3600), RD_OUTBOX_RETRY_MAX_S);
  cr_assert_eq(rd_outbox_backoff(2, 1), 4);
}
