-- The audit trail is append-only and linear (server/src/store/audit.rs): an entry takes the id
-- after its predecessor's, so the primary key refuses a second successor of any entry. The
-- ids are given, not drawn: the table is rebuilt without AUTOINCREMENT, whose counter table
-- cost a page write on every change of every record.
CREATE TABLE audit_entry_linear (
    audit_entry_id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    entity TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    action TEXT NOT NULL,
    before TEXT,
    after TEXT,
    reason TEXT,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_entry_linear (audit_entry_id, at, actor, entity, entity_id, action, before, after, reason, prev_hash, hash)
    SELECT audit_entry_id, at, actor, entity, entity_id, action, before, after, reason, prev_hash, hash
    FROM audit_entry ORDER BY audit_entry_id;
DROP TABLE audit_entry;
ALTER TABLE audit_entry_linear RENAME TO audit_entry;
CREATE INDEX audit_entry_entity ON audit_entry (entity, entity_id);
CREATE INDEX audit_entry_actor ON audit_entry (actor, at);

-- Entries are never changed nor deleted; the hash chain catches whoever drops these.
CREATE TRIGGER audit_entry_never_changed
BEFORE UPDATE ON audit_entry
BEGIN
    SELECT RAISE(ABORT, 'audit entries are never changed');
END;
CREATE TRIGGER audit_entry_never_deleted
BEFORE DELETE ON audit_entry
BEGIN
    SELECT RAISE(ABORT, 'audit entries are never deleted');
END;
