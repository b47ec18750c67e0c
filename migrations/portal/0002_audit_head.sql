-- The head of the audit chain, updated in the same transaction as each append. It is the
-- point where concurrent writers meet (one wins, the other retries), and it lets
-- `audit verify` notice rows deleted from the end of the chain.
CREATE TABLE audit_head (
    id BIGINT PRIMARY KEY,
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
