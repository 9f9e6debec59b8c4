/*
 * civgis import: reads any OGR vector source (Shapefile with .cpg or a given encoding,
 * GeoJSON, GeoPackage, CSV with lon/lat or WKT columns, ...) into one target table,
 * with field mapping, defaults and CRS transformation to EPSG:4326 (PROJ, plus GCJ-02 and
 * BD-09). Every feature then goes through the one write path (edit.h, a batch): the
 * same rules, messages, versions and audit as an HTTP create.
 *
 * One import = one transaction over all its sources: either every feature is written
 * or none is (unless skip_rejected asks to write the acceptable ones). Divisions are
 * written a level at a time, parents first, so a child is checked against its parent
 * and its siblings as this import leaves them. A dry run does all the work and rolls
 * back. The audit gets one row per source (per level of it), listing the ids written.
 */
#ifndef CIVGIS_IMPORT_H
#define CIVGIS_IMPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "status.h"
#include "store.h"

enum import_target {
    IMPORT_DIVISIONS,
    IMPORT_PLACES,
    IMPORT_FACILITIES,
    IMPORT_DEMAND,
};

/* Parses "divisions" | "places" | "facilities" | "demand". */
bool import_target_parse(const char *name, enum import_target *out);
const char *import_target_name(enum import_target target);

/* Writes into buf a one-line list of the target's fields, required ones marked '*',
 * for help texts and error messages. */
void import_target_fields(enum import_target target, char *buf, size_t size);

typedef void (*import_progress_fn)(void *ctx, long done, long total);

struct import_options {
    enum import_target target;
    const char *layer;      /* NULL: the source's only layer */
    const char *map;        /* "field=SOURCEFIELD,..." ; NULL: match names */
    const char *defaults;   /* "field=value,..." used where the source has no value */
    const char *s_crs;      /* overrides the source CRS; "GCJ02"/"BD09" allowed */
    const char *encoding;   /* attribute encoding of the source, e.g. "GBK" */
    const char *valid_from; /* YYYY-MM-DD for versioned divisions; NULL: today (UTC) */
    const char *user;       /* for the audit row */
    const char *reason;     /* for the audit row */
    bool is_strict;         /* invalid geometry is rejected instead of repaired */
    bool is_dry_run;        /* validate everything, write nothing */
    bool skip_rejected;     /* write the acceptable features even when some are rejected */
    import_progress_fn progress;
    void *progress_ctx;
};

#define IMPORT_MAX_PROBLEMS 1000

/* One reason a feature was rejected (a rule of the write path, with its message as the
 * HTTP 422 gives it), or a repair. */
struct import_problem {
    char source[96];
    long feature;      /* 1-based feature number in its source */
    char id[64];       /* its code or fid as the source gives it, "" when none */
    char property[32]; /* the property the rule is about, "" when none */
    bool is_repair;    /* true: repaired and written; false: rejected */
    char msg[GIS_ERROR_MSG_MAX];
};

struct import_report {
    long read;
    long written; /* in a dry run: would be written */
    long repaired;
    long rejected;
    size_t n_problems;     /* problems[] entries used */
    long problems_omitted; /* problems beyond IMPORT_MAX_PROBLEMS */
    struct import_problem problems[IMPORT_MAX_PROBLEMS];
};

/* Imports sources into st. report (required) is filled on success and on a rejected
 * import, so the caller can list what went wrong. Returns GIS_OK when the import
 * committed (or a dry run found nothing to reject); GIS_ERR_INVALID_ARG when features
 * were rejected (nothing written), or the status of a problem with the input as a
 * whole (missing file, unknown layer, unknown CRS, unmapped required field, wrong
 * encoding), with err naming it. */
enum gis_status import_run(struct store *st,
                           const char *const *sources,
                           size_t n_sources,
                           const struct import_options *opt,
                           struct import_report *report,
                           struct gis_error *err);

#endif
