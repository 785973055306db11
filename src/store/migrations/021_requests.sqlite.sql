-- The members of the teams written before team_members (see 021_requests.sql).
INSERT INTO team_members (account_id, team_id, layer, person_id)
SELECT t.account_id, t.id, l.key + 1, json_extract(m.value, '$.id')
  FROM teams t, json_each(t.layers) l, json_each(l.value, '$.members') m;
INSERT INTO team_members (account_id, team_id, layer, person_id)
SELECT t.account_id, t.id, 1, json_extract(m.value, '$.id')
  FROM teams t, json_each(t.members) m WHERE json_array_length(t.layers) = 0;
