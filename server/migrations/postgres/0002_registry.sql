-- Registry additions: intermediate checks of standards and the devices bridges report.

-- Intermediate checks (kiểm tra giữa kỳ) between two calibrations of a standard.
CREATE TABLE standard_check (
    standard_check_id UUID PRIMARY KEY,
    measurement_standard_id UUID NOT NULL REFERENCES measurement_standard (measurement_standard_id),
    checked_on DATE NOT NULL,
    passed BOOLEAN NOT NULL,
    notes TEXT NOT NULL DEFAULT '',
    checked_by TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX standard_check_standard ON standard_check (measurement_standard_id, checked_on);

-- Devices seen on bridges, kept up to date by ingest (one row per device, not per reading).
CREATE TABLE device (
    device_id TEXT PRIMARY KEY,
    bridge_id TEXT NOT NULL,
    first_seen_at TIMESTAMPTZ NOT NULL,
    last_seen_at TIMESTAMPTZ NOT NULL,
    last_unit TEXT NOT NULL DEFAULT ''
);
CREATE INDEX device_bridge ON device (bridge_id);

CREATE INDEX measurement_standard_level ON measurement_standard (level, code);
CREATE INDEX standard_override_standard ON standard_override (measurement_standard_id, valid_until);

-- Organisation names folded for search (lower case, no diacritics, đ as d): people type
-- "cho dong kinh" for "Chợ Đông Kinh".
ALTER TABLE organisation ADD COLUMN search_name TEXT NOT NULL DEFAULT '';
CREATE INDEX organisation_search_name ON organisation (search_name);
