/*
 * The values behind the coverage-KIND layers (gis/layer.h): per demand point, coverage
 * by the operating facilities of KIND, computed with plan/coverage and kept until the
 * demand, facilities or service_standards table changes (layer_data_version). One
 * object, owned by whoever serves the layers (the server, `civgis tiles export`), is
 * shared by the items and tiles handlers of every thread.
 */
#ifndef CIVGIS_COVERAGE_LAYERS_H
#define CIVGIS_COVERAGE_LAYERS_H

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
 * facilities and service standards (a no-op when they are). Other ids, or cl NULL:
 * nothing. Thread-safe. */
enum gis_status coverage_layers_prepare(struct coverage_layers *cl,
                                        struct store *st,
                                        const char *layer_id,
                                        struct gis_error *err);

#endif
