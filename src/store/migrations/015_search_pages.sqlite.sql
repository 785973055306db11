-- CUST-4, issue 12: person_search.deleted follows people.deleted (whoever writes it: the
-- domain, an import, the CLI). A person_search row is written after its person; a person
-- created deleted (none is today) would get its flag from the second trigger.
CREATE TRIGGER person_search_deleted AFTER UPDATE OF deleted ON people BEGIN
  UPDATE person_search SET deleted = new.deleted WHERE person_id = new.id;
END;
CREATE TRIGGER person_search_deleted_new AFTER INSERT ON person_search
 WHEN (SELECT deleted FROM people WHERE id = new.person_id) BEGIN
  UPDATE person_search SET deleted = TRUE WHERE person_id = new.person_id;
END;
ANALYZE person_search;
