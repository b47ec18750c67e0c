-- Languages (#31): the language a person's last sign-in was read in (their browser's
-- Accept-Language, or the switch's cookie), so that their e-mails speak it when they never
-- used the switch. Not a choice: it never sets the language cookie, and a choice kept in
-- account_languages (0021) always wins over it. Never the pseudo language en-XA. No row: not
-- signed in since this migration.
CREATE TABLE account_seen_languages (
    b2c_subject TEXT PRIMARY KEY,
    language TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- The language of the page that queued a mail, for a recipient the portal may not know (an
-- invitation to act for a patient goes to an address that may have no account yet): used only
-- when the address has neither a kept nor a seen language. NULL for every other mail, and for
-- rows queued before this migration.
ALTER TABLE notification_queue ADD COLUMN language TEXT;
