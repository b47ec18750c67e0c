-- Secure messages between a patient and their care team, and the e-mail notification queue.
-- TEXT and BIGINT only (SQLite and PostgreSQL alike); times are unix seconds.

-- A conversation belongs to one patient. The unread flags are per side: the patient, and the
-- care team as a whole (the staff inbox is shared by the team).
CREATE TABLE message_threads (
    id TEXT PRIMARY KEY,
    patient_id TEXT NOT NULL REFERENCES patients (id),
    subject TEXT NOT NULL,
    category TEXT NOT NULL,
    status TEXT NOT NULL,
    assigned_to TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    patient_unread BIGINT NOT NULL DEFAULT 0,
    staff_unread BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX message_threads_patient ON message_threads (patient_id, updated_at);
CREATE INDEX message_threads_staff ON message_threads (staff_unread, updated_at);

CREATE TABLE messages (
    id TEXT PRIMARY KEY,
    thread_id TEXT NOT NULL REFERENCES message_threads (id),
    -- position in the thread: messages of the same second keep their order
    seq BIGINT NOT NULL,
    author_subject TEXT NOT NULL,
    author_role TEXT NOT NULL,
    author_name TEXT NOT NULL,
    body TEXT NOT NULL,
    sent_at BIGINT NOT NULL
);
CREATE INDEX messages_thread ON messages (thread_id, seq);

-- Attachments live in the database (base64 text, so both engines store them the same way):
-- outside any web root, shared by every instance, and written in the message's transaction.
CREATE TABLE message_attachments (
    id TEXT PRIMARY KEY,
    message_id TEXT NOT NULL REFERENCES messages (id),
    thread_id TEXT NOT NULL REFERENCES message_threads (id),
    file_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX message_attachments_message ON message_attachments (message_id);

-- Where and whether to notify a patient (clinicians' addresses come from the directory).
CREATE TABLE notification_contacts (
    subject TEXT PRIMARY KEY,
    email TEXT,
    enabled BIGINT NOT NULL DEFAULT 1,
    updated_at BIGINT NOT NULL
);

-- Outgoing e-mail, written in the same transaction as the event it announces and sent after
-- the commit. A row is claimed (claimed_until) while one instance sends it; failures wait
-- next_attempt_at; delivered rows keep sent_at and how (smtp or the development outbox).
CREATE TABLE notification_queue (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    recipient TEXT NOT NULL,
    link TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    claimed_until BIGINT,
    sent_at BIGINT,
    delivered_via TEXT,
    failed_at BIGINT,
    last_error TEXT
);
CREATE INDEX notification_queue_due ON notification_queue (sent_at, next_attempt_at);
