/*
 * The values behind the coverage-KIND layers (gis/layer.h): per demand point, coverage
 * by the operating facilities of KIND, computed with plan/coverage and kept until the
 * demand, facilities or service_standards table changes (layer_data_version). Shared by the items
 * and tiles handlers.
 */
#ifndef CIVGIS_COVERAGE_LAYER_H
#define CIVGIS_COVERAGE_LAYER_H

#include "status.h"
#include "store.h"

/* Becomes the store's coverage source (store_cov_source_set). Call once, before serving. */
void coverage_layer_install(void);
/* Frees the computed values. */
void coverage_layer_uninstall(void);

/* When layer_id is a coverage layer, makes its values those of st's current demand,
 * facilities and service standards (a no-op when they are). Other ids: nothing. */
enum gis_status
coverage_layer_prepare(struct store *st, const char *layer_id, struct gis_error *err);

#endif
