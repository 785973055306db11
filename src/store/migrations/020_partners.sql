-- PART-1..3: an organizational unit's partner organization. A customer is associated
-- with a partner organization directly (people.partner_organization_id) or through its
-- unit's; a person with the partner role is a technician of people.partner_organization_id.
ALTER TABLE organizations ADD COLUMN partner_organization_id BIGINT REFERENCES organizations (id);
CREATE INDEX organizations_partner ON organizations (partner_organization_id);
CREATE INDEX people_partner ON people (partner_organization_id);
-- PART-4: a team's escalation layers, [{"members": [{"id", "name"}]}] in order.
ALTER TABLE teams ADD COLUMN layers TEXT NOT NULL DEFAULT '[]';
