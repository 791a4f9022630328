-- The audit trail is append-only and linear (server/src/store/audit.rs): an entry takes the id
-- after its predecessor's, so the primary key refuses a second successor of any entry.

-- Entries are never changed nor deleted; the hash chain catches whoever drops this.
CREATE FUNCTION audit_entry_guard() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'audit entries are never deleted';
    END IF;
    RAISE EXCEPTION 'audit entries are never changed';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_entry_append_only BEFORE UPDATE OR DELETE ON audit_entry
    FOR EACH ROW EXECUTE FUNCTION audit_entry_guard();
