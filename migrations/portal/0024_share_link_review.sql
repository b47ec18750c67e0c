-- Sharing (#30, review): long-term (L) links, and bounded rows for links that no longer work.
--
-- An L link's content follows the record: its files are made again at each manifest request,
-- so the server needs the link's key later. It keeps it only wrapped (AES-256-GCM) under a key
-- held outside the database (shl-wrap.key in the data directory, `sharing::wrap`), never in
-- clear.
-- NULL: a link whose content was fixed when it was made (its key is nowhere on the server).
ALTER TABLE share_links ADD COLUMN wrapped_key TEXT;

-- Requests of a link that no longer works (expired, revoked, disabled) are counted in one row
-- per link (`tries`, `at` the latest), not one row each: a flood against a dead link must not
-- grow the table. Other outcomes keep one row per request (they are bounded by the passcode
-- countdown and the rate limits while the link lives).
ALTER TABLE share_link_accesses ADD COLUMN tries BIGINT NOT NULL DEFAULT 1;

-- Rows written before this migration: fold each link's 'gone' rows into one.
UPDATE share_link_accesses
SET tries = (SELECT COUNT(*) FROM share_link_accesses g
             WHERE g.link_id = share_link_accesses.link_id AND g.outcome = 'gone'),
    at = (SELECT MAX(g.at) FROM share_link_accesses g
          WHERE g.link_id = share_link_accesses.link_id AND g.outcome = 'gone')
WHERE outcome = 'gone';
DELETE FROM share_link_accesses
WHERE outcome = 'gone'
  AND id <> (SELECT MIN(g.id) FROM share_link_accesses g
             WHERE g.link_id = share_link_accesses.link_id AND g.outcome = 'gone');

CREATE UNIQUE INDEX share_link_accesses_gone ON share_link_accesses (link_id)
    WHERE outcome = 'gone';
