-- PART-4 and issue 13: requests (minimal but real: assignment, contracts and mail in build
-- on them), their notes and time entries, and each technician's load for assignment.
CREATE TABLE requests (
  id BIGINT PRIMARY KEY,
  account_id TEXT NOT NULL REFERENCES accounts (id),
  subject TEXT NOT NULL,
  description TEXT,
  status TEXT NOT NULL DEFAULT 'open',
  customer_id BIGINT NOT NULL REFERENCES people (id),
  -- the customer's organizational unit when the request was raised (filters, contracts)
  organization_id BIGINT REFERENCES organizations (id),
  team_id BIGINT REFERENCES teams (id),
  layer INTEGER,
  assignee_id BIGINT REFERENCES people (id),
  assigned_at TEXT,
  minutes BIGINT NOT NULL DEFAULT 0,
  version BIGINT NOT NULL DEFAULT 1,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX requests_account ON requests (account_id, id);
CREATE INDEX requests_customer ON requests (customer_id, id);
CREATE INDEX requests_assignee ON requests (assignee_id, id);
CREATE INDEX requests_team ON requests (team_id, id);
CREATE INDEX requests_organization ON requests (organization_id, id);

CREATE TABLE request_notes (
  id BIGINT PRIMARY KEY,
  account_id TEXT NOT NULL REFERENCES accounts (id),
  request_id BIGINT NOT NULL REFERENCES requests (id),
  author_id BIGINT REFERENCES people (id),
  author_name TEXT NOT NULL,
  body TEXT NOT NULL,
  internal BOOLEAN NOT NULL DEFAULT FALSE,
  created_at TEXT NOT NULL
);
CREATE INDEX request_notes_request ON request_notes (request_id, id);

CREATE TABLE request_time (
  id BIGINT PRIMARY KEY,
  account_id TEXT NOT NULL REFERENCES accounts (id),
  request_id BIGINT NOT NULL REFERENCES requests (id),
  person_id BIGINT REFERENCES people (id),
  person_name TEXT NOT NULL,
  minutes INTEGER NOT NULL,
  performed_on TEXT NOT NULL,
  description TEXT,
  created_at TEXT NOT NULL
);
CREATE INDEX request_time_request ON request_time (request_id, id);

-- PART-4 assignment: per technician, the open and pending requests assigned to it and when
-- it was last assigned one (an increasing number: ties of the clock cannot happen). Kept by
-- the requests' write path in the same transaction (src/domain/request.c).
CREATE TABLE technician_load (
  account_id TEXT NOT NULL REFERENCES accounts (id),
  person_id BIGINT NOT NULL REFERENCES people (id),
  open_requests BIGINT NOT NULL DEFAULT 0,
  last_assigned BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (account_id, person_id)
);

-- PART-4: a team's members by layer (a team without layers is one layer), kept by the
-- teams' write path (src/domain/team.c) beside the members and layers JSON the API shows:
-- assignment, the assignee check and PART-2's unlink rule read it instead of parsing JSON.
CREATE TABLE team_members (
  account_id TEXT NOT NULL REFERENCES accounts (id),
  team_id BIGINT NOT NULL REFERENCES teams (id),
  layer INTEGER NOT NULL,
  person_id BIGINT NOT NULL REFERENCES people (id),
  PRIMARY KEY (team_id, person_id)
);
CREATE INDEX team_members_layer ON team_members (team_id, layer);
CREATE INDEX team_members_person ON team_members (person_id);
