/* The route table: every endpoint of the API, the roles that may call it, and its
 * handler. Dispatch (router.c) and the OpenAPI check (tests/unit/api/openapi_test.c)
 * both read this table, so the document and the server cannot drift apart. */
#include "api/api.h"

#define ANY RD_ROLES_ALL
#define STAFF RD_ROLES_STAFF
#define ADMIN RD_ROLE_ACCOUNT_ADMINISTRATOR
#define ORG_WRITERS (ADMIN | RD_ROLE_SUPERVISOR | RD_ROLE_SERVICE_LEVEL_MANAGER)
#define PEOPLE_MANAGERS (ADMIN | RD_ROLE_SUPERVISOR)
#define AGREEMENT_WRITERS (ADMIN | RD_ROLE_SERVICE_LEVEL_MANAGER)
#define TEAM_WRITERS (AGREEMENT_WRITERS | RD_ROLE_SUPERVISOR)
/* Issue 12: list pages of the page cache; CROSS where a page can show another account's
 * organizations (the views, and agreements or people naming a foreign organization). */
#define PAGE RD_ROUTE_PAGE
#define CROSS (RD_ROUTE_PAGE | RD_ROUTE_CROSS)

const rd_route rd_routes[] = {
    {"GET", "/healthz", rd_api_healthz, 0, RD_ROUTE_PUBLIC | RD_ROUTE_NODB},
    {"GET", "/v1/openapi.json", rd_api_openapi, 0, RD_ROUTE_PUBLIC | RD_ROUTE_NODB},
    {"POST", "/v1/login", rd_api_login, 0, RD_ROUTE_PUBLIC | RD_ROUTE_HASHES},
    {"POST", "/v1/logout", rd_api_logout, ANY, 0},
    {"GET", "/v1/me", rd_api_me, ANY, 0},
    {"GET", "/v1/account", rd_api_account_get, ANY, 0},
    {"PATCH", "/v1/account", rd_api_account_patch, ADMIN, 0},
    {"GET", "/v1/account/trusts", rd_api_trust_list, ADMIN, 0},
    {"POST", "/v1/account/trusts", rd_api_trust_add, ADMIN, 0},
    {"GET", "/v1/account/trusts/{account_id}", rd_api_trust_get, ADMIN, 0}, /* issue 12 */
    {"DELETE", "/v1/account/trusts/{account_id}", rd_api_trust_remove, ADMIN, 0},
    /* PART-5: the system banner. */
    {"GET", "/v1/account/banner", rd_api_account_banner_get, STAFF, 0},
    {"PUT", "/v1/account/banner", rd_api_account_banner_put, ADMIN, 0},
    {"DELETE", "/v1/account/banner", rd_api_account_banner_delete, ADMIN, 0},
    {"GET", "/v1/organizations", rd_api_org_list, STAFF, CROSS},
    {"POST", "/v1/organizations", rd_api_org_create, ORG_WRITERS, 0},
    {"GET", "/v1/organizations/all", rd_api_org_all, STAFF, CROSS},
    {"GET", "/v1/organizations/trusted", rd_api_org_trusted, STAFF, CROSS},
    {"GET", "/v1/organizations/{id}", rd_api_org_get, ANY, 0},
    {"PATCH", "/v1/organizations/{id}", rd_api_org_patch, ORG_WRITERS, 0},
    /* PART-1..3: a partner organization's customers, units and technicians. */
    {"GET", "/v1/organizations/{id}/customers", rd_api_partner_customers, STAFF, CROSS},
    {"GET", "/v1/organizations/{id}/units", rd_api_partner_units, STAFF, CROSS},
    {"GET", "/v1/organizations/{id}/technicians", rd_api_partner_technicians, STAFF, CROSS},
    {"PUT", "/v1/organizations/{id}/technicians/{person_id}", rd_api_partner_link, PEOPLE_MANAGERS, 0},
    {"DELETE", "/v1/organizations/{id}/technicians/{person_id}", rd_api_partner_unlink, PEOPLE_MANAGERS, 0},
    {"GET", "/v1/organizations/{id}/requests", rd_api_partner_requests, STAFF, 0},
    /* ORG-5: locations and departments of an organization. */
    {"GET", "/v1/organizations/{id}/locations", rd_api_org_part_list, STAFF, 0},
    {"POST", "/v1/organizations/{id}/locations", rd_api_org_part_create, ORG_WRITERS, 0},
    {"GET", "/v1/organizations/{id}/locations/{location_id}", rd_api_org_part_get, STAFF, 0},
    {"PATCH", "/v1/organizations/{id}/locations/{location_id}", rd_api_org_part_patch, ORG_WRITERS, 0},
    {"DELETE", "/v1/organizations/{id}/locations/{location_id}", rd_api_org_part_delete, ORG_WRITERS, 0},
    {"GET", "/v1/organizations/{id}/departments", rd_api_org_part_list, STAFF, 0},
    {"POST", "/v1/organizations/{id}/departments", rd_api_org_part_create, ORG_WRITERS, 0},
    {"GET", "/v1/organizations/{id}/departments/{department_id}", rd_api_org_part_get, STAFF, 0},
    {"PATCH", "/v1/organizations/{id}/departments/{department_id}", rd_api_org_part_patch, ORG_WRITERS, 0},
    {"DELETE", "/v1/organizations/{id}/departments/{department_id}", rd_api_org_part_delete, ORG_WRITERS, 0},
    /* PART-5: a partner organization's banner, written by the PART-1 writers of partners;
     * the one the caller's portal shows. */
    {"GET", "/v1/organizations/{id}/banner", rd_api_org_banner_get, STAFF, 0},
    {"PUT", "/v1/organizations/{id}/banner", rd_api_org_banner_put, PEOPLE_MANAGERS, 0},
    {"DELETE", "/v1/organizations/{id}/banner", rd_api_org_banner_delete, PEOPLE_MANAGERS, 0},
    {"GET", "/v1/portal/banner", rd_api_portal_banner, ANY, 0},
    {"GET", "/v1/people", rd_api_person_list, STAFF, CROSS},
    {"POST", "/v1/people", rd_api_person_create, STAFF, 0},
    {"GET", "/v1/people/{id}", rd_api_person_get, ANY, 0},
    {"PATCH", "/v1/people/{id}", rd_api_person_patch, ANY, 0},
    {"DELETE", "/v1/people/{id}", rd_api_person_delete, STAFF, 0},
    {"POST", "/v1/people/{id}/aliases", rd_api_person_alias_add, STAFF, 0},
    {"DELETE", "/v1/people/{id}/aliases/{address}", rd_api_person_alias_remove, STAFF, 0},
    {"POST", "/v1/people/{id}/enable", rd_api_person_enable, STAFF, 0},
    {"GET", "/v1/custom_fields", rd_api_custom_field_list, ANY, PAGE},
    {"POST", "/v1/custom_fields", rd_api_custom_field_create, ADMIN, 0},
    {"GET", "/v1/custom_fields/{id}", rd_api_custom_field_get, ANY, 0},
    {"PATCH", "/v1/custom_fields/{id}", rd_api_custom_field_patch, ADMIN, 0},
    {"DELETE", "/v1/custom_fields/{id}", rd_api_custom_field_delete, ADMIN, 0},
    {"POST", "/v1/attachments", rd_api_attachment_create, ANY, RD_ROUTE_UPLOAD},
    {"GET", "/v1/attachments/{key}", rd_api_attachment_get, ANY, 0},
    {"GET", "/v1/audit", rd_api_audit_list, STAFF, 0},
    {"GET", "/v1/services", rd_api_agreement_list, STAFF, CROSS},
    {"POST", "/v1/services", rd_api_agreement_create, AGREEMENT_WRITERS, 0},
    {"GET", "/v1/services/{id}", rd_api_agreement_get, STAFF, 0},
    {"PATCH", "/v1/services/{id}", rd_api_agreement_patch, AGREEMENT_WRITERS, 0},
    {"GET", "/v1/slas", rd_api_agreement_list, STAFF, CROSS},
    {"POST", "/v1/slas", rd_api_agreement_create, AGREEMENT_WRITERS, 0},
    {"GET", "/v1/slas/{id}", rd_api_agreement_get, STAFF, 0},
    {"PATCH", "/v1/slas/{id}", rd_api_agreement_patch, AGREEMENT_WRITERS, 0},
    {"GET", "/v1/flsas", rd_api_agreement_list, STAFF, CROSS},
    {"POST", "/v1/flsas", rd_api_agreement_create, AGREEMENT_WRITERS, 0},
    {"GET", "/v1/flsas/{id}", rd_api_agreement_get, STAFF, 0},
    {"PATCH", "/v1/flsas/{id}", rd_api_agreement_patch, AGREEMENT_WRITERS, 0},
    /* Teams: the generic handlers of the record engine (issue 11). */
    {"GET", "/v1/teams", rd_api_team_list, STAFF, PAGE},
    {"POST", "/v1/teams", rd_api_team_create, TEAM_WRITERS, 0},
    {"GET", "/v1/teams/{id}", rd_api_team_get, STAFF, 0},
    {"PATCH", "/v1/teams/{id}", rd_api_team_patch, TEAM_WRITERS, 0},
    /* Issue 13, PART-4: requests; who sees which is the domain's rule (request.c). */
    {"GET", "/v1/requests", rd_api_request_list, ANY, 0},
    {"POST", "/v1/requests", rd_api_request_create, STAFF | RD_ROLE_CUSTOMER, 0},
    {"GET", "/v1/requests/{id}", rd_api_request_get, ANY, 0},
    {"PATCH", "/v1/requests/{id}", rd_api_request_patch, STAFF | RD_ROLE_PARTNER, 0},
    {"POST", "/v1/requests/{id}/escalate", rd_api_request_escalate, STAFF | RD_ROLE_PARTNER, 0},
    {"GET", "/v1/requests/{id}/notes", rd_api_request_notes, ANY, 0},
    {"POST", "/v1/requests/{id}/notes", rd_api_request_note_add, ANY, 0},
    /* CUST-9: files that came by mail */
    {"GET", "/v1/requests/{id}/attachments", rd_api_request_attachments, ANY, 0},
    {"GET", "/v1/requests/{id}/time_entries", rd_api_request_time, ANY, 0},
    {"POST", "/v1/requests/{id}/time_entries", rd_api_request_time_add, STAFF | RD_ROLE_PARTNER, 0},
    /* CUST-7: items; a customer sees (and exports) only its own and shared ones. */
    {"GET", "/v1/items", rd_api_item_list, STAFF | RD_ROLE_CUSTOMER, 0},
    {"POST", "/v1/items", rd_api_item_create, STAFF, 0},
    {"GET", "/v1/items/export.csv", rd_api_item_export, STAFF | RD_ROLE_CUSTOMER, 0},
    {"GET", "/v1/items/export.xlsx", rd_api_item_export, STAFF | RD_ROLE_CUSTOMER, 0},
    {"GET", "/v1/items/{id}", rd_api_item_get, STAFF | RD_ROLE_CUSTOMER, 0},
    {"PATCH", "/v1/items/{id}", rd_api_item_patch, STAFF, 0},
    {"DELETE", "/v1/items/{id}", rd_api_item_delete, STAFF, 0},
    {"GET", "/v1/people/{id}/items", rd_api_person_items, STAFF | RD_ROLE_CUSTOMER, 0},
    /* CUST-8: contracts; their status is computed when read. */
    {"GET", "/v1/contracts", rd_api_contract_list, STAFF | RD_ROLE_CUSTOMER, 0},
    {"POST", "/v1/contracts", rd_api_contract_create, TEAM_WRITERS, 0},
    {"GET", "/v1/contracts/{id}", rd_api_contract_get, STAFF | RD_ROLE_CUSTOMER, 0},
    {"PATCH", "/v1/contracts/{id}", rd_api_contract_patch, TEAM_WRITERS, 0},
    {"POST", "/v1/contracts/{id}/enable", rd_api_contract_enable, TEAM_WRITERS, 0},
    {"GET", "/v1/contracts/{id}/usage", rd_api_contract_usage, STAFF | RD_ROLE_CUSTOMER, 0},
    /* CUST-5, CUST-6: vCard, credentials mail, security questions, password reset. */
    {"GET", "/v1/people/{id}/vcard", rd_api_person_vcard, ANY, 0},
    {"POST", "/v1/people/{id}/credentials_email", rd_api_person_credentials_email, STAFF, 0},
    {"GET", "/v1/people/{id}/security_questions", rd_api_security_questions_get, ANY, 0},
    {"PUT", "/v1/people/{id}/security_questions", rd_api_security_questions_put, ANY, RD_ROUTE_HASHES},
    {"POST", "/v1/password_reset", rd_api_password_reset_request, 0, RD_ROUTE_PUBLIC},
    {"GET", "/v1/password_reset/{token}", rd_api_password_reset_page, 0, RD_ROUTE_PUBLIC},
    {"POST", "/v1/password_reset/{token}", rd_api_password_reset_submit, 0,
     RD_ROUTE_PUBLIC | RD_ROUTE_HASHES},
    /* IMP-1..5: customer imports from CSV. */
    {"GET", "/v1/imports/templates/people.csv", rd_api_import_template, STAFF, 0},
    {"GET", "/v1/imports", rd_api_import_list, PEOPLE_MANAGERS, 0},
    {"POST", "/v1/imports", rd_api_import_create, PEOPLE_MANAGERS, RD_ROUTE_UPLOAD | RD_ROUTE_BULK},
    {"GET", "/v1/imports/{id}", rd_api_import_get, PEOPLE_MANAGERS, 0},
    {"GET", "/v1/imports/{id}/rows", rd_api_import_rows, PEOPLE_MANAGERS, 0},
    {"POST", "/v1/imports/{id}/cancel", rd_api_import_cancel, PEOPLE_MANAGERS, 0}, /* issue 11 */
    /* CUST-9: mail in, by an administrator or the account's inbound secret. */
    {"POST", "/v1/mail/inbound", rd_api_mail_inbound, ADMIN,
     RD_ROUTE_UPLOAD | RD_ROUTE_MAIL_SECRET},
    {"GET", "/v1/mail/inbound", rd_api_mail_inbound_log, ADMIN, 0},
    {"POST", "/v1/mail/inbound/secret", rd_api_mail_inbound_secret, ADMIN, 0},
    /* Issue 15: RMM account synchronization (RMM-1/2). */
    {"POST", "/v1/rmm/load", rd_api_rmm_load, ORG_WRITERS, 0},
    {"GET", "/v1/rmm/jobs/{id}", rd_api_rmm_job, ORG_WRITERS, 0},
    {"GET", "/v1/rmm/organizations", rd_api_rmm_org_list, ORG_WRITERS, 0},
    {"GET", "/v1/rmm/organizations/{id}", rd_api_rmm_org_get, ORG_WRITERS, 0},
    {"PATCH", "/v1/rmm/organizations/{id}", rd_api_rmm_org_patch, ORG_WRITERS, 0},
    {"POST", "/v1/rmm/import", rd_api_rmm_import, ORG_WRITERS, 0},
    {"POST", "/v1/rmm/export", rd_api_rmm_export, ORG_WRITERS, 0},
    {"POST", "/v1/rmm/sync", rd_api_rmm_sync, ORG_WRITERS, 0},
    {"POST", "/v1/items/{id}/rmm_sync", rd_api_rmm_item_sync, ORG_WRITERS, 0},
    {"GET", "/v1/organizations/{id}/rmm_mapping", rd_api_rmm_mapping_get, ORG_WRITERS, 0},
    {"PUT", "/v1/organizations/{id}/rmm_mapping", rd_api_rmm_mapping_put, ORG_WRITERS, 0},
    {"DELETE", "/v1/organizations/{id}/rmm_mapping", rd_api_rmm_mapping_delete, ORG_WRITERS, 0},
    /* LDAP-1: directory sync. */
    {"POST", "/v1/ldap/sync", rd_api_ldap_sync, ADMIN, 0},
    {"GET", "/v1/ldap/jobs/{id}", rd_api_ldap_job, ADMIN, 0},
    /* ACC-8: the mail outbox. */
    {"GET", "/v1/outbox", rd_api_outbox_list, ADMIN, 0},
};

const int rd_nroutes = sizeof rd_routes / sizeof *rd_routes;
