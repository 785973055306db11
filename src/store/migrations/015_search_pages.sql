-- CUST-4, issue 12: a search page takes its person ids from person_search first and reads
-- only those people. For that person_search carries the person's `deleted` (kept equal to
-- people.deleted by the triggers of each backend's 015 file), so that the ids of a page of
-- people or of deleted people can be taken from person_search alone.
ALTER TABLE person_search ADD COLUMN deleted BOOLEAN NOT NULL DEFAULT FALSE;
UPDATE person_search SET deleted = TRUE
 WHERE person_id IN (SELECT id FROM people WHERE deleted);
-- A query of one or two characters is a prefix of the first or last name: these indexes
-- hold, for each prefix length, the ids of the people whose name starts with a given
-- prefix in id order, so a page is two index walks of at most a page each, merged
-- (rd_search_cond_q), where the range scan of person_search_first/last collected every
-- match (tens of thousands at a million people) and sorted them before the page.
CREATE INDEX person_search_first1 ON person_search
 (account_id, deleted, substr(first_key, 1, 1), person_id);
CREATE INDEX person_search_first2 ON person_search
 (account_id, deleted, substr(first_key, 1, 2), person_id);
CREATE INDEX person_search_last1 ON person_search
 (account_id, deleted, substr(last_key, 1, 1), person_id);
CREATE INDEX person_search_last2 ON person_search
 (account_id, deleted, substr(last_key, 1, 2), person_id);
