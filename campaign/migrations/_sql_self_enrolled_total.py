"""The self-enrolled totals' triggers as migration `village_self_enrolled_total` installs them
(`campaign.self_enrolled`). Frozen so that later changes to that module do not change what the
migration does. Not a migration (the leading underscore keeps Django's loader away)."""

# ruff: noqa: E501

PG_INSTALL = [
    "\nCREATE OR REPLACE FUNCTION campaign_selfenrol_refresh(codes varchar[]) RETURNS void AS $$\nBEGIN\n    IF codes IS NULL OR cardinality(codes) = 0 THEN\n        RETURN;\n    END IF;\n    PERFORM pg_advisory_xact_lock(4246, 0);\n    -- Statements of their own after the lock: they see what writers before us committed.\n    DELETE FROM campaign_villageselfenrolled WHERE village_id = ANY(codes);\n    INSERT INTO campaign_villageselfenrolled (village_id, since_figure, last_date) SELECT r.village_id, SUM(CASE WHEN r.date > COALESCE(v.self_enrolled_updated_on, '0001-01-01') THEN r.count ELSE 0 END), MAX(r.date) FROM campaign_registration r JOIN villages_village v ON v.code = r.village_id WHERE r.village_id = ANY(codes) GROUP BY r.village_id;\nEND $$ LANGUAGE plpgsql;\n",
    "\nCREATE OR REPLACE FUNCTION campaign_selfenrol_changed() RETURNS trigger AS $$\nBEGIN\n    IF TG_OP = 'INSERT' THEN\n        PERFORM campaign_selfenrol_refresh(ARRAY(SELECT DISTINCT village_id FROM new_rows));\n    ELSIF TG_OP = 'DELETE' THEN\n        PERFORM campaign_selfenrol_refresh(ARRAY(SELECT DISTINCT village_id FROM old_rows));\n    ELSE\n        PERFORM campaign_selfenrol_refresh(ARRAY(\n            SELECT village_id FROM new_rows n\n            WHERE NOT EXISTS (SELECT 1 FROM old_rows o WHERE o.id = n.id\n                AND o.village_id = n.village_id AND o.date = n.date AND o.count = n.count)\n            UNION\n            SELECT village_id FROM old_rows o\n            WHERE NOT EXISTS (SELECT 1 FROM new_rows n WHERE o.id = n.id\n                AND o.village_id = n.village_id AND o.date = n.date AND o.count = n.count)));\n    END IF;\n    RETURN NULL;\nEND $$ LANGUAGE plpgsql;\n",
    '\nCREATE OR REPLACE FUNCTION campaign_selfenrol_village_changed() RETURNS trigger AS $$\nBEGIN\n    PERFORM campaign_selfenrol_refresh(ARRAY(\n        SELECT n.code FROM new_rows n JOIN old_rows o ON o.code = n.code\n        WHERE o.self_enrolled_updated_on IS DISTINCT FROM n.self_enrolled_updated_on));\n    RETURN NULL;\nEND $$ LANGUAGE plpgsql;\n',
    '\nCREATE OR REPLACE FUNCTION campaign_selfenrol_truncated() RETURNS trigger AS $$\nBEGIN\n    PERFORM pg_advisory_xact_lock(4246, 0);\n    DELETE FROM campaign_villageselfenrolled;\n    RETURN NULL;\nEND $$ LANGUAGE plpgsql;\n',
    'CREATE TRIGGER campaign_selfenrol_registration_insert AFTER INSERT ON campaign_registration REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION campaign_selfenrol_changed()',
    'CREATE TRIGGER campaign_selfenrol_registration_update AFTER UPDATE ON campaign_registration REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION campaign_selfenrol_changed()',
    'CREATE TRIGGER campaign_selfenrol_registration_delete AFTER DELETE ON campaign_registration REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION campaign_selfenrol_changed()',
    'CREATE TRIGGER campaign_selfenrol_registration_truncate AFTER TRUNCATE ON campaign_registration FOR EACH STATEMENT EXECUTE FUNCTION campaign_selfenrol_truncated()',
    'CREATE TRIGGER campaign_selfenrol_village_update AFTER UPDATE ON villages_village REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION campaign_selfenrol_village_changed()',
]
PG_UNINSTALL = [
    'DROP TRIGGER IF EXISTS campaign_selfenrol_registration_insert ON campaign_registration',
    'DROP TRIGGER IF EXISTS campaign_selfenrol_registration_update ON campaign_registration',
    'DROP TRIGGER IF EXISTS campaign_selfenrol_registration_delete ON campaign_registration',
    'DROP TRIGGER IF EXISTS campaign_selfenrol_registration_truncate ON campaign_registration',
    'DROP TRIGGER IF EXISTS campaign_selfenrol_village_update ON villages_village',
    'DROP FUNCTION IF EXISTS campaign_selfenrol_truncated()',
    'DROP FUNCTION IF EXISTS campaign_selfenrol_changed()',
    'DROP FUNCTION IF EXISTS campaign_selfenrol_village_changed()',
    'DROP FUNCTION IF EXISTS campaign_selfenrol_refresh(varchar[])',
]
SQLITE_INSTALL = [
    "CREATE TRIGGER campaign_selfenrol_registration_insert AFTER INSERT ON campaign_registration FOR EACH ROW  BEGIN DELETE FROM campaign_villageselfenrolled WHERE village_id IN (NEW.village_id); INSERT INTO campaign_villageselfenrolled (village_id, since_figure, last_date) SELECT r.village_id, SUM(CASE WHEN r.date > COALESCE(v.self_enrolled_updated_on, '0001-01-01') THEN r.count ELSE 0 END), MAX(r.date) FROM campaign_registration r JOIN villages_village v ON v.code = r.village_id WHERE r.village_id IN (NEW.village_id) GROUP BY r.village_id; END",
    "CREATE TRIGGER campaign_selfenrol_registration_update AFTER UPDATE ON campaign_registration FOR EACH ROW  BEGIN DELETE FROM campaign_villageselfenrolled WHERE village_id IN (OLD.village_id, NEW.village_id); INSERT INTO campaign_villageselfenrolled (village_id, since_figure, last_date) SELECT r.village_id, SUM(CASE WHEN r.date > COALESCE(v.self_enrolled_updated_on, '0001-01-01') THEN r.count ELSE 0 END), MAX(r.date) FROM campaign_registration r JOIN villages_village v ON v.code = r.village_id WHERE r.village_id IN (OLD.village_id, NEW.village_id) GROUP BY r.village_id; END",
    "CREATE TRIGGER campaign_selfenrol_registration_delete AFTER DELETE ON campaign_registration FOR EACH ROW  BEGIN DELETE FROM campaign_villageselfenrolled WHERE village_id IN (OLD.village_id); INSERT INTO campaign_villageselfenrolled (village_id, since_figure, last_date) SELECT r.village_id, SUM(CASE WHEN r.date > COALESCE(v.self_enrolled_updated_on, '0001-01-01') THEN r.count ELSE 0 END), MAX(r.date) FROM campaign_registration r JOIN villages_village v ON v.code = r.village_id WHERE r.village_id IN (OLD.village_id) GROUP BY r.village_id; END",
    "CREATE TRIGGER campaign_selfenrol_village_update AFTER UPDATE OF self_enrolled_updated_on ON villages_village FOR EACH ROW WHEN OLD.self_enrolled_updated_on IS NOT NEW.self_enrolled_updated_on BEGIN DELETE FROM campaign_villageselfenrolled WHERE village_id IN (NEW.code); INSERT INTO campaign_villageselfenrolled (village_id, since_figure, last_date) SELECT r.village_id, SUM(CASE WHEN r.date > COALESCE(v.self_enrolled_updated_on, '0001-01-01') THEN r.count ELSE 0 END), MAX(r.date) FROM campaign_registration r JOIN villages_village v ON v.code = r.village_id WHERE r.village_id IN (NEW.code) GROUP BY r.village_id; END",
]
SQLITE_UNINSTALL = [
    'DROP TRIGGER IF EXISTS campaign_selfenrol_registration_insert',
    'DROP TRIGGER IF EXISTS campaign_selfenrol_registration_update',
    'DROP TRIGGER IF EXISTS campaign_selfenrol_registration_delete',
    'DROP TRIGGER IF EXISTS campaign_selfenrol_village_update',
]
REBUILD = ['DELETE FROM campaign_villageselfenrolled', "INSERT INTO campaign_villageselfenrolled (village_id, since_figure, last_date) SELECT r.village_id, SUM(CASE WHEN r.date > COALESCE(v.self_enrolled_updated_on, '0001-01-01') THEN r.count ELSE 0 END), MAX(r.date) FROM campaign_registration r JOIN villages_village v ON v.code = r.village_id GROUP BY r.village_id"]
