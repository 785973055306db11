/* Unit tests of src/base/err.c: codes, HTTP statuses, messages and field items (REL-1: bad
 * input gets a clear error saying what and where). */
#include <criterion/criterion.h>
#include <string.h>

#include "base/err.h"

Test(err, status_of_every_code) {
  struct {
    int code, status;
  } map[] = {
      {RD_OK, 200},         {RD_EINVAL, 422},    {RD_EBADREQ, 400},    {RD_ENOTFOUND, 404},
      {RD_ECONFLICT, 409},  {RD_EFORBIDDEN, 403}, {RD_EAUTH, 401},      {RD_EPRECOND, 412},
      {RD_ETOOBIG, 413},    {RD_EMEDIA, 415},    {RD_ERATE, 429},      {RD_EUNAVAIL, 503},
      {RD_EINTERNAL, 500},  {RD_EIO, 500},       {RD_EMETHOD, 405},    {-999, 500},
      {1, 500},
  };
  for (size_t i = 0; i < sizeof map / sizeof *map; i++)
    cr_assert_eq(rd_err_status(map[i].code), map[i].status, "code %d", map[i].code);
}

Test(err, set_fills_code_status_message) {
  rd_err e;
  rd_err_clear(&e);
  cr_assert_eq(e.code, 0);
  cr_assert_eq(e.nitems, 0);
  cr_assert_eq(rd_err_set(&e, RD_ENOTFOUND, "No %s with id %d", "person", 7), RD_ENOTFOUND);
  cr_assert_eq(e.code, RD_ENOTFOUND);
  cr_assert_eq(e.status, 404);
  cr_assert_str_eq(e.message, "No person with id 7");
}

Test(err, null_err_is_allowed) {
  cr_assert_eq(rd_err_set(NULL, RD_ECONFLICT, "x"), RD_ECONFLICT);
  cr_assert_eq(rd_err_field(NULL, "f", "y"), RD_EINVAL);
  rd_err_clear(NULL);
}

Test(err, field_sets_validation_failed_once) {
  rd_err e;
  rd_err_clear(&e);
  cr_assert_eq(rd_err_field(&e, "name", "is required"), RD_EINVAL);
  cr_assert_eq(e.status, 422);
  cr_assert_str_eq(e.message, "Validation failed");
  cr_assert_eq(rd_err_field(&e, "contact.addresses[0].city", "is longer than %d characters", 64),
               RD_EINVAL);
  cr_assert_eq(e.nitems, 2);
  cr_assert_str_eq(e.items[0].field, "name");
  cr_assert_str_eq(e.items[0].message, "is required");
  cr_assert_str_eq(e.items[1].field, "contact.addresses[0].city");
  cr_assert_str_eq(e.items[1].message, "is longer than 64 characters");
  cr_assert_eq(e.items[1].line, 0);
}

Test(err, field_keeps_an_earlier_code) {
  rd_err e;
  rd_err_clear(&e);
  rd_err_set(&e, RD_EBADREQ, "Bad query parameter");
  cr_assert_eq(rd_err_field(&e, "cursor", "is not a cursor"), RD_EBADREQ);
  cr_assert_eq(e.status, 400);
  cr_assert_str_eq(e.message, "Bad query parameter");
  /* and set keeps the items already added */
  rd_err_set(&e, RD_ECONFLICT, "Conflict");
  cr_assert_eq(e.nitems, 1);
  cr_assert_eq(e.status, 409);
}

Test(err, null_field_is_empty) {
  rd_err e;
  rd_err_clear(&e);
  rd_err_field(&e, NULL, "whole body");
  cr_assert_str_eq(e.items[0].field, "");
}

Test(err, items_are_bounded) {
  rd_err e;
  rd_err_clear(&e);
  for (int i = 0; i < RD_ERR_MAX_ITEMS + 10; i++)
    rd_err_field(&e, "f", "problem %d", i);
  cr_assert_eq(e.nitems, RD_ERR_MAX_ITEMS);
  cr_assert_str_eq(e.items[RD_ERR_MAX_ITEMS - 1].message, "problem 15");
}

Test(err, long_texts_are_truncated_not_overflowed) {
  rd_err e;
  rd_err_clear(&e);
  char big[1000];
  memset(big, 'z', sizeof big - 1);
  big[sizeof big - 1] = '\0';
  rd_err_field(&e, big, "%s", big);
  rd_err_set(&e, RD_EINVAL, "%s", big);
  cr_assert_eq(strlen(e.items[0].field), RD_ERR_FIELD_MAX - 1);
  cr_assert_eq(strlen(e.items[0].message), RD_ERR_MSG_MAX - 1);
  cr_assert_eq(strlen(e.message), RD_ERR_MSG_MAX - 1);
}

Test(err, REL1_unknown_filter_value_is_a_400_naming_the_parameter) {
  static const char *const STATES[] = {"queued", "sent", "failed", NULL};
  rd_err e;
  rd_err_clear(&e);
  cr_assert_eq(rd_err_enum(&e, "state", NULL, STATES), 0);
  cr_assert_eq(rd_err_enum(&e, "state", "sent", STATES), 0);
  cr_assert_eq(e.code, 0);
  cr_assert_eq(rd_err_enum(&e, "state", "lost", STATES), RD_EBADREQ);
  cr_assert_eq(e.code, RD_EBADREQ);
  cr_assert_eq(e.status, 400);
  cr_assert_str_eq(e.message, "Bad query parameter");
  cr_assert_eq(e.nitems, 1);
  cr_assert_str_eq(e.items[0].field, "state");
  cr_assert_str_eq(e.items[0].message, "must be queued, sent or failed");
  rd_err_clear(&e);
  cr_assert_eq(rd_err_enum(&e, "state", "", STATES), RD_EBADREQ, "an empty value is no value");
  static const char *const ONE[] = {"only", NULL};
  rd_err_clear(&e);
  cr_assert_eq(rd_err_enum(&e, "kind", "other", ONE), RD_EBADREQ);
  cr_assert_str_eq(e.items[0].message, "must be only");
}
