/*
 * The values behind the coverage-KIND layers (gis/layer.h): per demand point, coverage
 * by the operating facilities of KIND, computed with plan/coverage and kept until the
 * demand points change or what coverage reads of KIND's operating facilities does
 * (their ids, places and reaches): an edit to a facility of another kind, or to what
 * coverage does not read, leaves them as they are. One object, owned by whoever serves
 * the layers (the server, `civgis tiles export`), is shared by the items and tiles
 * handlers of every thread.
 */
#ifndef CIVGIS_COVERAGE_LAYERS_H
#define CIVGIS_COVERAGE_LAYERS_H

#include <stdint.h>

#include "status.h"
#include "store.h"

struct coverage_layers;

/* out: no values computed yet; freed with coverage_layers_free (after every store
 * attached to it is closed or detached). */
enum gis_status coverage_layers_new(struct coverage_layers **out, struct gis_error *err);
/* NULL is a no-op. */
void coverage_layers_free(struct coverage_layers *cl);

/* Makes cl st's coverage source (store_cov_source_attach): st's coverage layers show
 * cl's values. cl NULL: st shows none. */
void coverage_layers_attach(struct coverage_layers *cl, struct store *st);

/* When layer_id is a coverage layer, makes its values those of st's current demand,
 * facilities and service standards (a no-op when they are: when only the facilities
 * or service_standards table moved, after one small query finding KIND's set the same).
 * Other ids, or cl NULL: nothing. Thread-safe. */
enum gis_status coverage_layers_prepare(struct coverage_layers *cl,
                                        struct store *st,
                                        const char *layer_id,
                                        struct gis_error *err);

/* The generation of layer_id's values (a coverage layer's): 0 before they are first
 * computed, then one more each time they are computed again. What shows them (a tile
 * source) keys on it and on the demand table's version. 0 for other ids or cl NULL.
 * Thread-safe; read it after coverage_layers_prepare. */
int64_t coverage_layers_generation(struct coverage_layers *cl, const char *layer_id);

#endif
