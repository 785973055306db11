-- CUST-8 (issue 14): contracts of a customer or an organizational unit for a service level
-- (an SLA of the account). Their status is computed when read (src/domain/contract.c),
-- never stored: dates, payment, cancellation, the hours used and the queue decide it.
CREATE TABLE contracts (
  id BIGINT PRIMARY KEY,
  account_id TEXT NOT NULL REFERENCES accounts (id),
  customer_id BIGINT REFERENCES people (id),
  organization_id BIGINT REFERENCES organizations (id),
  sla_id BIGINT NOT NULL REFERENCES slas (id),
  type TEXT NOT NULL,
  start_date TEXT NOT NULL,
  end_date TEXT,
  hours BIGINT,
  monthly_hours BIGINT,
  rollover_day INTEGER,
  carry_over BOOLEAN NOT NULL DEFAULT FALSE,
  invoice_paid BOOLEAN NOT NULL DEFAULT TRUE,
  cancelled BOOLEAN NOT NULL DEFAULT FALSE,
  notes TEXT,
  version BIGINT NOT NULL DEFAULT 1,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX contracts_account ON contracts (account_id, id);
CREATE INDEX contracts_customer ON contracts (customer_id, start_date);
CREATE INDEX contracts_organization ON contracts (organization_id, start_date);
-- A time entry counts against the contract that covered its request when it was recorded.
ALTER TABLE request_time ADD COLUMN contract_id BIGINT REFERENCES contracts (id);
CREATE INDEX request_time_contract ON request_time (contract_id, performed_on);
-- Jobs that wait for a day (CUST-8: requests waiting for a contract that starts then):
-- claimed once today's date (rd_date_today) has reached run_on; NULL: at once.
ALTER TABLE jobs ADD COLUMN run_on TEXT;
