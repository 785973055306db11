-- The members of the teams written before team_members (see 021_requests.sql).
INSERT INTO team_members (account_id, team_id, layer, person_id)
SELECT t.account_id, t.id, l.n, CAST(m.value ->> 'id' AS BIGINT)
  FROM teams t, json_array_elements(CAST(t.layers AS json)) WITH ORDINALITY AS l (value, n),
       json_array_elements(l.value -> 'members') AS m (value);
INSERT INTO team_members (account_id, team_id, layer, person_id)
SELECT t.account_id, t.id, 1, CAST(m.value ->> 'id' AS BIGINT)
  FROM teams t, json_array_elements(CAST(t.members AS json)) AS m (value)
 WHERE json_array_length(CAST(t.layers AS json)) = 0;
