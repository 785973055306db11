-- Issue 12, page cache: version counters that every writer bumps in its own transaction,
-- by the triggers of each backend's 018 file, so that a writer outside this process (the
-- CLI on the SQLite file, another daemon on the same PostgreSQL) is covered as well as the
-- daemon itself. A list page is valid while the counters it depends on are unchanged
-- (src/domain/versions.c reads them, src/api/page_cache.c compares them).
--   (account, 'rec')  any row of the account in a table a list page reads (records,
--                     their name lookups, annotations, custom values, trusts, the account);
--   ('*', 'cross')    any row of the tables other accounts' pages read: organizations,
--                     accounts, trusts, services, SLAs and FLSAs (the All Organizations
--                     view, and names of foreign organizations an agreement refers to).
-- PostgreSQL bumps the cross counter at commit, so that it is locked only while a
-- transaction commits (see 018_data_versions.postgresql.sql); SQLite's writers take turns
-- anyway. A counter only grows; a missing row reads as 0.
CREATE TABLE data_versions (
  account_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  version BIGINT NOT NULL,
  PRIMARY KEY (account_id, kind)
);
