/*
 * The schema and its forward migrations. Each step moves user_version from N-1 to N;
 * steps are never edited once released, only appended. Everything runs inside the
 * caller's transaction, so a failed migration leaves the file as it was.
 */
#include <stddef.h>

#include "gis_int.h"

/* Version 1: the whole data model of DESIGN.md. Geometries are EPSG:4326 lon/lat. */
static const char SCHEMA_V1[] =
    "SELECT InitSpatialMetadata(0, 'WGS84');"
    "CREATE TABLE store_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "INSERT INTO store_meta VALUES ('data_version', '0');"

    "CREATE TABLE divisions ("
    " id INTEGER PRIMARY KEY,"
    " code TEXT NOT NULL CHECK (length(code) IN (6, 9, 12) AND code NOT GLOB '*[^0-9]*'),"
    " name TEXT NOT NULL CHECK (name <> ''),"
    " level INTEGER NOT NULL CHECK (level BETWEEN 1 AND 5),"
    " parent_code TEXT,"
    " kind TEXT,"
    " urban_rural_code TEXT CHECK (urban_rural_code IS NULL OR urban_rural_code GLOB "
    "'[1-2][0-3][0-9]'),"
    " pinyin TEXT,"
    " population INTEGER CHECK (population IS NULL OR population >= 0),"
    " elderly_60plus INTEGER CHECK (elderly_60plus IS NULL OR elderly_60plus >= 0),"
    " is_synthetic INTEGER NOT NULL DEFAULT 0 CHECK (is_synthetic IN (0, 1)),"
    " source TEXT,"
    " valid_from TEXT NOT NULL,"
    " valid_to TEXT,"
    " change_reason TEXT,"
    " CHECK (valid_to IS NULL OR valid_to > valid_from));"
    "SELECT AddGeometryColumn('divisions', 'geom', 4326, 'MULTIPOLYGON', 'XY');"
    "SELECT AddGeometryColumn('divisions', 'seat', 4326, 'POINT', 'XY');"
    "SELECT CreateSpatialIndex('divisions', 'geom');"
    "SELECT CreateSpatialIndex('divisions', 'seat');"
    /* One current row per code; history rows have valid_to set. */
    "CREATE UNIQUE INDEX divisions_current_code ON divisions(code) WHERE valid_to IS NULL;"
    "CREATE INDEX divisions_code_time ON divisions(code, valid_from);"
    "CREATE INDEX divisions_parent ON divisions(parent_code) WHERE valid_to IS NULL;"
    "CREATE INDEX divisions_level ON divisions(level) WHERE valid_to IS NULL;"

    "CREATE TABLE places ("
    " id INTEGER PRIMARY KEY,"
    " name TEXT NOT NULL CHECK (name <> ''),"
    " pinyin TEXT,"
    " aliases TEXT," /* JSON array of former names and aliases */
    " category TEXT,"
    " division_code TEXT,"
    " status TEXT NOT NULL DEFAULT 'standard',"
    " is_synthetic INTEGER NOT NULL DEFAULT 0 CHECK (is_synthetic IN (0, 1)),"
    " source TEXT,"
    " valid_from TEXT NOT NULL,"
    " valid_to TEXT);"
    "SELECT AddGeometryColumn('places', 'geom', 4326, 'GEOMETRY', 'XY');"
    "SELECT CreateSpatialIndex('places', 'geom');"
    "CREATE INDEX places_name ON places(name);"

    "CREATE TABLE scenarios ("
    " id INTEGER PRIMARY KEY,"
    " name TEXT NOT NULL UNIQUE,"
    " problem TEXT NOT NULL,"
    " params TEXT NOT NULL DEFAULT '{}',"
    " results TEXT,"
    " created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),"
    " created_by TEXT);"

    "CREATE TABLE facilities ("
    " id INTEGER PRIMARY KEY,"
    " fid TEXT NOT NULL UNIQUE CHECK (fid <> ''),"
    " kind TEXT NOT NULL,"
    " name TEXT NOT NULL CHECK (name <> ''),"
    " status TEXT NOT NULL DEFAULT 'operating' CHECK (status IN ('planned', 'site_selected',"
    "  'approved', 'land_acquired', 'under_construction', 'operating', 'closed')),"
    " capacity INTEGER CHECK (capacity IS NULL OR capacity >= 0),"
    " responsible_unit TEXT,"
    " due_date TEXT,"
    " scenario_id INTEGER REFERENCES scenarios(id) ON DELETE CASCADE,"
    " division_code TEXT,"
    " is_synthetic INTEGER NOT NULL DEFAULT 0 CHECK (is_synthetic IN (0, 1)),"
    " source TEXT,"
    " updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')));"
    "SELECT AddGeometryColumn('facilities', 'geom', 4326, 'POINT', 'XY');"
    "SELECT CreateSpatialIndex('facilities', 'geom');"
    "CREATE INDEX facilities_kind ON facilities(kind, status);"

    "CREATE TABLE demand ("
    " id INTEGER PRIMARY KEY,"
    " code TEXT NOT NULL UNIQUE,"
    " name TEXT,"
    " division_code TEXT,"
    " population INTEGER NOT NULL DEFAULT 0 CHECK (population >= 0),"
    " elderly_60plus INTEGER NOT NULL DEFAULT 0 CHECK (elderly_60plus >= 0),"
    " poor_households INTEGER NOT NULL DEFAULT 0 CHECK (poor_households >= 0),"
    " poor_people INTEGER NOT NULL DEFAULT 0 CHECK (poor_people >= 0),"
    " assisted_households INTEGER NOT NULL DEFAULT 0 CHECK (assisted_households >= 0),"
    " is_synthetic INTEGER NOT NULL DEFAULT 0 CHECK (is_synthetic IN (0, 1)),"
    " source TEXT);"
    "SELECT AddGeometryColumn('demand', 'geom', 4326, 'POINT', 'XY');"
    "SELECT CreateSpatialIndex('demand', 'geom');"

    /* The reach that counts as covered, per facility kind (issue: coverage defaults). */
    "CREATE TABLE service_standards ("
    " kind TEXT PRIMARY KEY,"
    " reach_m REAL NOT NULL CHECK (reach_m > 0),"
    " reach_min REAL CHECK (reach_min IS NULL OR reach_min > 0),"
    " note TEXT);"
    "INSERT INTO service_standards (kind, reach_m, note) VALUES"
    " ('community_elderly_centre', 1000, '15-minute community service circle'),"
    " ('mutual_aid_home', 2000, 'rural mutual-aid elderly home'),"
    " ('canteen', 1000, 'shared community canteen'),"
    " ('township_elderly_home', 10000, 'township elderly home (敬老院)'),"
    " ('regional_elderly_centre', 30000, 'county regional elderly centre'),"
    " ('funeral_service_centre', 50000, 'funeral service centre'),"
    " ('funeral_home', 50000, 'funeral home (殡仪馆)'),"
    " ('welfare_institute', 100000, 'city welfare institute');"

    "CREATE TABLE audit ("
    " id INTEGER PRIMARY KEY,"
    " at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),"
    " user TEXT NOT NULL,"
    " action TEXT NOT NULL,"
    " target TEXT NOT NULL,"
    " target_id TEXT,"
    " reason TEXT,"
    " before TEXT,"
    " after TEXT);"
    "CREATE INDEX audit_target ON audit(target, target_id);"

    "CREATE TABLE users ("
    " id INTEGER PRIMARY KEY,"
    " name TEXT NOT NULL UNIQUE,"
    " role TEXT NOT NULL CHECK (role IN ('viewer', 'planner', 'officer', 'admin')),"
    " token_hash TEXT UNIQUE,"
    " created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')));";

/* Version 2: users carry a scope (the division code an officer may write inside), when
 * their token was issued and when it was revoked; tokens themselves are never stored,
 * only their keyed hash (token_hash, hex), and the key in store_meta 'token_key'. */
static const char SCHEMA_V2_USERS[] =
    "ALTER TABLE users ADD COLUMN scope TEXT CHECK (scope IS NULL OR (length(scope) IN (6, 9, "
    "12) AND scope NOT GLOB '*[^0-9]*'));"
    "ALTER TABLE users ADD COLUMN token_at TEXT;"
    "ALTER TABLE users ADD COLUMN revoked_at TEXT;";

/* A version counter per data table, raised by triggers in the file itself, so every
 * writer counts: civgis, QGIS editing the SpatiaLite file, the sqlite3 shell. The
 * triggers are plain SQL (no function only civgis registers), one UPDATE per row
 * written. Readers key their caches on the versions of the tables they show (tiles,
 * items ETags, coverage layers), so an edit to a facility leaves the division tiles
 * alone. The counters start at the old store-wide data_version, so no version a client
 * saw before the migration can come back with other data. */
#define VERSION_TRIGGER(table, op, verb)                                                           \
    "CREATE TRIGGER " table "_version_" op " AFTER " verb " ON " table                             \
    " BEGIN UPDATE store_versions SET version = version + 1 WHERE name = '" table "'; END;"
#define VERSION_TRIGGERS(table)                                                                    \
    VERSION_TRIGGER(table, "insert", "INSERT")                                                     \
    VERSION_TRIGGER(table, "update", "UPDATE")                                                     \
    VERSION_TRIGGER(table, "delete", "DELETE")

/* Version 3. */
static const char SCHEMA_V3_VERSIONS[] =
    "CREATE TABLE store_versions ("
    " name TEXT PRIMARY KEY,"
    " version INTEGER NOT NULL CHECK (version >= 0));"
    "INSERT INTO store_versions (name, version)"
    " SELECT t.column1, COALESCE((SELECT CAST(value AS INTEGER) FROM store_meta"
    "  WHERE key = 'data_version'), 0)"
    " FROM (VALUES ('divisions'), ('places'), ('facilities'), ('demand'), ('scenarios'),"
    "  ('service_standards')) AS t;"
    "DELETE FROM store_meta WHERE key = 'data_version';"
    /* clang-format off */
    VERSION_TRIGGERS("divisions")
    VERSION_TRIGGERS("places")
    VERSION_TRIGGERS("facilities")
    VERSION_TRIGGERS("demand")
    VERSION_TRIGGERS("scenarios")
    VERSION_TRIGGERS("service_standards");
/* clang-format on */

/* Version 4: the gazetteer (names.h). The standard name's record lives on its feature
 * row (versioned with it); aliases and recorded former names in name_variants; the
 * search index is search_entries (one row per name, its id ordering the ranks within a
 * match kind) plus the FTS5 table names_fts with the shadow columns Chinese needs. The
 * index is filled by names__index_all after this step (pinyin is computed in C). Prefix
 * indexes up to 6 characters: a 4-letter pinyin prefix ("wang*") otherwise merges the
 * doclists of thousands of terms (20 ms on 700,000 names; 0.03 ms with them, for an
 * index a third larger). */
static const char SCHEMA_V4_NAMES[] =
    "ALTER TABLE divisions ADD COLUMN pinyin_source TEXT CHECK (pinyin_source IS NULL OR"
    " pinyin_source IN ('official', 'generated', 'edited'));"
    "ALTER TABLE divisions ADD COLUMN approved_by TEXT;"
    "ALTER TABLE divisions ADD COLUMN approval_doc TEXT;"
    "ALTER TABLE divisions ADD COLUMN approval_date TEXT;"
    "ALTER TABLE divisions ADD COLUMN filing_status TEXT CHECK (filing_status IS NULL OR"
    " filing_status IN ('pending', 'filed', 'announced'));"
    "ALTER TABLE divisions ADD COLUMN filing_date TEXT;"
    "UPDATE divisions SET pinyin_source = 'official' WHERE pinyin IS NOT NULL AND pinyin <> '';"
    "ALTER TABLE places ADD COLUMN pinyin_source TEXT CHECK (pinyin_source IS NULL OR"
    " pinyin_source IN ('official', 'generated', 'edited'));"
    "ALTER TABLE places ADD COLUMN approved_by TEXT;"
    "ALTER TABLE places ADD COLUMN approval_doc TEXT;"
    "ALTER TABLE places ADD COLUMN approval_date TEXT;"
    "ALTER TABLE places ADD COLUMN filing_status TEXT CHECK (filing_status IS NULL OR"
    " filing_status IN ('pending', 'filed', 'announced'));"
    "ALTER TABLE places ADD COLUMN filing_date TEXT;"
    "UPDATE places SET pinyin_source = 'official' WHERE pinyin IS NOT NULL AND pinyin <> '';"
    "CREATE TABLE name_variants ("
    " id INTEGER PRIMARY KEY,"
    " target TEXT NOT NULL CHECK (target IN ('divisions', 'places')),"
    " feature TEXT NOT NULL,"
    " kind TEXT NOT NULL CHECK (kind IN ('alias', 'former')),"
    " name TEXT NOT NULL CHECK (name <> ''),"
    " pinyin TEXT,"
    " pinyin_source TEXT CHECK (pinyin_source IS NULL OR"
    "  pinyin_source IN ('official', 'generated', 'edited')),"
    " valid_from TEXT,"
    " valid_to TEXT,"
    " approved_by TEXT,"
    " approval_doc TEXT,"
    " approval_date TEXT,"
    " note TEXT,"
    " CHECK (valid_to IS NULL OR valid_from IS NULL OR valid_to > valid_from));"
    "CREATE INDEX name_variants_feature ON name_variants(target, feature);"
    /* The aliases places kept as a JSON list become variants. */
    "INSERT INTO name_variants (target, feature, kind, name)"
    " SELECT 'places', CAST(p.id AS TEXT), 'alias', j.value FROM places p, "
    "json_each(p.aliases) j"
    " WHERE json_valid(p.aliases) AND p.valid_to IS NULL AND j.type = 'text' AND j.value "
    "<> '';"
    "CREATE TABLE search_entries ("
    " id INTEGER PRIMARY KEY,"
    " target TEXT NOT NULL,"
    " feature TEXT NOT NULL,"
    " kind TEXT NOT NULL,"
    " name TEXT NOT NULL,"
    " pinyin TEXT,"
    " valid_from TEXT,"
    " valid_to TEXT,"
    " level INTEGER NOT NULL,"
    " category TEXT,"
    " division TEXT,"
    " x REAL,"
    " y REAL);"
    "CREATE INDEX search_entries_feature ON search_entries(target, feature);"
    "CREATE VIRTUAL TABLE names_fts USING fts5(whole, hz1, hz2, pyfull, py, inifull, "
    "ini, code,"
    " tokenize = 'unicode61 remove_diacritics 0', prefix = '1 2 3 4 5 6');";

/* Version 5: a batch (edit_batch, a whole import in one transaction) raises each table's
 * version once at its commit instead of once per row: while the batch's transaction
 * holds the row 'batch' in store_meta, the triggers stand aside. The row never outlives
 * that transaction (it is deleted before the commit, and a rollback takes it too), so
 * every other writer, in this process or another, still counts each row. */
#define BATCH_TRIGGER(table, op, verb)                                                             \
    "DROP TRIGGER " table "_version_" op ";"                                                       \
    "CREATE TRIGGER " table "_version_" op " AFTER " verb " ON " table                             \
    " WHEN NOT EXISTS (SELECT 1 FROM store_meta WHERE key = 'batch')"                              \
    " BEGIN UPDATE store_versions SET version = version + 1 WHERE name = '" table "'; END;"
#define BATCH_TRIGGERS(table)                                                                      \
    BATCH_TRIGGER(table, "insert", "INSERT")                                                       \
    BATCH_TRIGGER(table, "update", "UPDATE")                                                       \
    BATCH_TRIGGER(table, "delete", "DELETE")

static const char SCHEMA_V5_BATCH[] =
    /* clang-format off */
    BATCH_TRIGGERS("divisions")
    BATCH_TRIGGERS("places")
    BATCH_TRIGGERS("facilities")
    BATCH_TRIGGERS("demand")
    BATCH_TRIGGERS("scenarios")
    BATCH_TRIGGERS("service_standards");
/* clang-format on */

/* Version 6: a version counter for the aliases and former names too, so the gazetteer's
 * readers (the /search ETag, a name record's) see a change to them, whoever writes. It
 * counts every row, a batch's too (an import's new places' aliases are few). */
static const char SCHEMA_V6_NAME_VERSIONS[] =
    "INSERT INTO store_versions (name, version) VALUES ('name_variants', 0);"
    /* clang-format off */
    VERSION_TRIGGERS("name_variants");
/* clang-format on */

/* Version 7: whether a table holds history rows at all, found by an index probe: a
 * count by box over a table without any (the usual case for a big imported layer) then
 * needs the R*Tree alone for most features (gis/items.c). Current rows stay out of it. */
static const char SCHEMA_V7_HISTORY_INDEXES[] =
    "CREATE INDEX divisions_closed ON divisions(valid_to) WHERE valid_to IS NOT NULL;"
    "CREATE INDEX places_closed ON places(valid_to) WHERE valid_to IS NOT NULL;";

/* Version 8: which rows each write touched, so a reader keyed on a table's version can
 * bring what it prepared up to date by re-reading only those rows (the tile sources,
 * app/tileset.c) instead of the whole table. The same triggers that raise a table's
 * version log, under the version they raised it to, the rowid written (an update both
 * the old and the new, should the rowid change). A version with no entry is a batch's
 * (counted once at its commit), so a reader finds a gap and reads everything again; so
 * it does past the window kept, the last 4096 versions of each table (one index seek per
 * write prunes it). Only the tables layers show are logged. */
#define LOG_TRIGGER(table, op, verb, rows)                                                         \
    "DROP TRIGGER " table "_version_" op ";"                                                       \
    "CREATE TRIGGER " table "_version_" op " AFTER " verb " ON " table                             \
    " WHEN NOT EXISTS (SELECT 1 FROM store_meta WHERE key = 'batch')"                              \
    " BEGIN UPDATE store_versions SET version = version + 1 WHERE name = '" table "';"             \
    " INSERT OR IGNORE INTO store_changes (name, version, row_id)"                                 \
    " SELECT '" table "', v.version, r.row_id FROM store_versions AS v, (" rows ") AS r"           \
    " WHERE v.name = '" table "';"                                                                 \
    " DELETE FROM store_changes WHERE name = '" table "' AND version <="                           \
    " (SELECT version FROM store_versions WHERE name = '" table "') - 4096; END;"
#define LOG_TRIGGERS(table)                                                                        \
    LOG_TRIGGER(table, "insert", "INSERT", "SELECT NEW.rowid AS row_id")                           \
    LOG_TRIGGER(table, "update", "UPDATE", "SELECT OLD.rowid AS row_id UNION SELECT NEW.rowid")    \
    LOG_TRIGGER(table, "delete", "DELETE", "SELECT OLD.rowid AS row_id")

static const char SCHEMA_V8_CHANGES[] = "CREATE TABLE store_changes ("
                                        " name TEXT NOT NULL,"
                                        " version INTEGER NOT NULL,"
                                        " row_id INTEGER NOT NULL,"
                                        " PRIMARY KEY (name, version, row_id)) WITHOUT ROWID;"
    /* clang-format off */
    LOG_TRIGGERS("divisions")
    LOG_TRIGGERS("places")
    LOG_TRIGGERS("facilities")
    LOG_TRIGGERS("demand");
/* clang-format on */

/* Version 9: feature ids are never handed out twice. A facility's fid was the next
 * F-number after the largest and a place's id SQLite's rowid, so deleting the newest one
 * gave its id to the next create, whose history then began with the deleted one's. The
 * largest id ever written is kept per table, raised by triggers in the file (every
 * writer counts, as for the versions) and never lowered by a delete; a create takes the
 * one after it. It starts at the largest id the table or its audit rows (a delete's)
 * name. */
static const char SCHEMA_V9_IDS[] =
    "CREATE TABLE store_ids ("
    " name TEXT PRIMARY KEY,"
    " last INTEGER NOT NULL CHECK (last >= 0));"
    "INSERT INTO store_ids (name, last) SELECT 'facilities', COALESCE(max(n), 0) FROM ("
    " SELECT CAST(substr(fid, 2) AS INTEGER) AS n FROM facilities WHERE fid GLOB 'F[0-9]*'"
    "  AND substr(fid, 2) NOT GLOB '*[^0-9]*'"
    " UNION ALL SELECT CAST(substr(target_id, 2) AS INTEGER) FROM audit WHERE target ="
    "  'facilities' AND target_id GLOB 'F[0-9]*' AND substr(target_id, 2) NOT GLOB '*[^0-9]*');"
    "INSERT INTO store_ids (name, last) SELECT 'places', COALESCE(max(n), 0) FROM ("
    " SELECT max(id) AS n FROM places"
    " UNION ALL SELECT CAST(target_id AS INTEGER) FROM audit WHERE target = 'places' AND"
    "  target_id GLOB '[0-9]*' AND target_id NOT GLOB '*[^0-9]*');"
    "CREATE TRIGGER facilities_ids AFTER INSERT ON facilities"
    " WHEN NEW.fid GLOB 'F[0-9]*' AND substr(NEW.fid, 2) NOT GLOB '*[^0-9]*'"
    " BEGIN UPDATE store_ids SET last = max(last, CAST(substr(NEW.fid, 2) AS INTEGER))"
    " WHERE name = 'facilities'; END;"
    "CREATE TRIGGER places_ids AFTER INSERT ON places"
    " BEGIN UPDATE store_ids SET last = max(last, NEW.id) WHERE name = 'places'; END;";

static const char *const MIGRATIONS[] = {
    SCHEMA_V1,                 /* 0 -> 1 */
    SCHEMA_V2_USERS,           /* 1 -> 2: users' scope, token and revocation times */
    SCHEMA_V3_VERSIONS,        /* 2 -> 3: per-table versions kept by triggers */
    SCHEMA_V4_NAMES,           /* 3 -> 4: the gazetteer and its search index */
    SCHEMA_V5_BATCH,           /* 4 -> 5: one version bump per table for a batch */
    SCHEMA_V6_NAME_VERSIONS,   /* 5 -> 6: name_variants versioned */
    SCHEMA_V7_HISTORY_INDEXES, /* 6 -> 7: history rows found by index */
    SCHEMA_V8_CHANGES,         /* 7 -> 8: the rows each write touched (SCHEMA__CHANGES_VERSION) */
    SCHEMA_V9_IDS,             /* 8 -> 9: ids never handed out twice */
};

enum gis_status schema__migrate(struct store *st, int from_version, struct gis_error *err)
{
    enum gis_status rc = GIS_OK;
    size_t v;

    for (v = (size_t)from_version; v < sizeof MIGRATIONS / sizeof *MIGRATIONS; v++) {
        rc = store__exec(st, MIGRATIONS[v], err);
        if (rc != GIS_OK)
            return rc;
    }
    /* Version 4's index holds pinyin, which only C computes. */
    if (from_version < 4)
        rc = names__index_all(st, err);
    return rc;
}
