-- Credentials mail (CUST-6): security questions and password reset links. Portable SQL
-- only. Secrets are never stored: answers are argon2id hashes of the normalized answer,
-- reset tokens are BLAKE2b hashes of the 256-bit token mailed in the link.

-- A person's security questions, asked by the reset page, in the order given.
CREATE TABLE security_questions (
  account_id TEXT NOT NULL REFERENCES accounts (id),
  person_id BIGINT NOT NULL REFERENCES people (id),
  seq INTEGER NOT NULL,
  question TEXT NOT NULL,
  answer_hash TEXT NOT NULL,
  created_at TEXT NOT NULL,
  PRIMARY KEY (person_id, seq)
);
CREATE INDEX security_questions_account ON security_questions (account_id, person_id);

-- Single-use links valid until expires_at (one hour). used_at is set when the link set a
-- password, or when too many wrong answers spent it (attempts).
CREATE TABLE password_resets (
  id BIGINT PRIMARY KEY,
  account_id TEXT NOT NULL REFERENCES accounts (id),
  person_id BIGINT NOT NULL REFERENCES people (id),
  token_hash TEXT NOT NULL UNIQUE,
  created_by BIGINT,
  created_at TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  used_at TEXT,
  attempts INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX password_resets_person ON password_resets (person_id);
CREATE INDEX password_resets_account ON password_resets (account_id, id);
