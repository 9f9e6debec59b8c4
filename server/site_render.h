/*
 * Site-selection answers (app/site_run.h) as `civgis site`, `civgis plan` and the
 * site-selection process give them: a JSON summary, or a GeoJSON of the chosen sites
 * with the demand each serves; and the JSON a saved scenario keeps.
 */
#ifndef CIVGIS_SITE_RENDER_H
#define CIVGIS_SITE_RENDER_H

#include <stdint.h>
#include <stdio.h>

#include "site_run.h"
#include "status.h"
#include "store.h"

enum site_format {
    SITE_SUMMARY, /* JSON */
    SITE_GEOJSON, /* the chosen sites with the demand each serves */
};

struct cJSON;

/* The summary as a JSON object (with scenario_id when scenario >= 0). out: freed with
 * cJSON_Delete. */
enum gis_status site_render_summary(const struct site_summary *s,
                                    int64_t scenario,
                                    struct cJSON **out,
                                    struct gis_error *err);

/* Writes a's summary (with scenario_id when scenario >= 0) or GeoJSON to f, on one line. */
enum gis_status site_render_write(const struct site_answer *a,
                                  const struct site_params *p,
                                  enum site_format fmt,
                                  int64_t scenario,
                                  FILE *f,
                                  struct gis_error *err);

/* The texts a saved scenario keeps for a (site_answer_save): its parameters and its
 * summary. out: freed with site_render_texts_free. */
enum gis_status site_render_texts(const struct site_answer *a,
                                  const struct site_params *p,
                                  struct site_saved_texts *out,
                                  struct gis_error *err);
/* Frees the texts and zeroes them; zeroed texts are a no-op. */
void site_render_texts_free(struct site_saved_texts *t);

/* Saves a as scenario p->save_name (site_answer_save) with its parameters and summary in
 * JSON. out_id: the scenario's id. */
enum gis_status site_render_save(struct store *st,
                                 const struct site_answer *a,
                                 const struct site_params *p,
                                 int64_t *out_id,
                                 struct gis_error *err);

/* Builds, solves, saves when p->save_name is set, and writes the answer to f. */
enum gis_status site_render_run(struct store *st,
                                const struct site_params *p,
                                enum site_format fmt,
                                FILE *f,
                                struct gis_error *err);

#endif
