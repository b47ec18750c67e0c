-- Attachment bytes as bytes (issue #28): base64 text took 4/3 of a file's size, and one row held
-- a whole file. From here on a file is stored in rows of at most 256 KiB, in order (seq from 0),
-- so neither an upload nor a download needs the file as one value; message_attachments.data
-- stays for the files stored before (base64, read as before) and is '' for chunked files.
-- BYTEA: PostgreSQL's byte string; SQLite accepts the name and stores a bound blob unchanged
-- (its NUMERIC affinity never converts a blob), so one statement serves both engines.
CREATE TABLE message_attachment_chunks (
    attachment_id TEXT NOT NULL REFERENCES message_attachments (id),
    seq BIGINT NOT NULL,
    data BYTEA NOT NULL,
    PRIMARY KEY (attachment_id, seq)
);
