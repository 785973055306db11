-- Issue 11: person_search.deleted of a new row is written by the INSERT itself
-- (rd_search_person_set reads it from people in the same statement), as on PostgreSQL
-- (033_search_deleted.postgresql.sql), instead of by a trigger that updated the row again.
-- The trigger that follows people.deleted afterwards (person_search_deleted) stays.
DROP TRIGGER person_search_deleted_new;
