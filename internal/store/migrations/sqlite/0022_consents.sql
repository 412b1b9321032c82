-- Consent records per contact (docs/privacy-requests.md, "Consent"): each
-- a fact appended, never changed: the purpose, the lawful basis, whether
-- consent was given, withdrawn or objected to, where it came from, who
-- recorded it and when. A contact's standing for a purpose is its newest
-- record. An export made for marketing (exports.purpose) carries only the
-- contacts whose marketing standing is given.
CREATE TABLE consents (
    id          INTEGER PRIMARY KEY,
    tenant_id   BIGINT  NOT NULL REFERENCES tenants(id),
    contact_id  BIGINT  NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
    purpose     TEXT    NOT NULL CHECK (purpose IN ('marketing', 'newsletter', 'profiling')),
    basis       TEXT    NOT NULL CHECK (basis IN ('consent', 'contract', 'legitimate_interest', 'legal_obligation')),
    status      TEXT    NOT NULL CHECK (status IN ('given', 'withdrawn', 'objected')),
    source      TEXT    NOT NULL DEFAULT '',
    recorded_by BIGINT  REFERENCES users(id),
    at          BIGINT  NOT NULL
);
CREATE INDEX consents_contact ON consents (contact_id, purpose, id);

ALTER TABLE exports ADD COLUMN purpose TEXT NOT NULL DEFAULT '';
