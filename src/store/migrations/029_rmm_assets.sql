-- RMM-5 (issue 15): where the assets of an RMM organization go. location_mode: 'main' (the
-- mapped organization's main location), 'group_id' (a location named after the agent's
-- machine group), 'custom' (group_locations: {"<MachineGroupId>": {"location": id,
-- "department": id | null}}, a location of the mapped organization per machine group; the
-- main location for groups not named). Items from the RMM are found by their AgentId.
ALTER TABLE rmm_orgs ADD COLUMN location_mode TEXT NOT NULL DEFAULT 'main';
ALTER TABLE rmm_orgs ADD COLUMN group_locations TEXT NOT NULL DEFAULT '{}';
CREATE INDEX items_source ON items (account_id, source, source_id);
