-- Attachments (issue 10). Portable SQL. The account's quota sums its attachments' sizes on
-- every upload (rd_attachment_quota_check): an index the sum reads alone. The sweeper
-- looks for uploads older than its grace period (rd_attachment_sweep).
CREATE INDEX attachments_account_size ON attachments (account_id, size);
CREATE INDEX attachments_created ON attachments (created_at);
