-- Languages (#31): the language a signed-in person chose with the switch on every page, kept
-- on their account (the identity provider's subject) so that their next sign-in, in any
-- browser, speaks it; and the notification e-mails too. No row: not chosen.
CREATE TABLE account_languages (
    b2c_subject TEXT PRIMARY KEY,
    language TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);
