/*
 * Site selection as one call, shared by `civgis site` and the site-selection process:
 * build the instance from an OR-Library graph, CSV points or the store (villages or
 * township seats as candidates, existing facilities of the kinds as open sites,
 * exclusion zones, quotas per county), solve with plan/site, optionally save the answer
 * as a scenario, and write a JSON summary or a GeoJSON of the chosen sites.
 */
#ifndef CIVGIS_SITE_RUN_H
#define CIVGIS_SITE_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "site.h"
#include "status.h"
#include "store.h"

struct site_params {
    enum site_problem problem;
    size_t p;
    double radius_m;     /* MCLP, LSCP: reach; <= 0: the kind's service standard */
    bool is_planar;      /* CSV coordinates are metres (else lon/lat, geodesic) */
    bool is_sphere;      /* CSV lon/lat with the benchmarks' spherical distance */
    bool is_exact;       /* GLPK */
    double time_limit_s; /* <= 0: 30 s */
    double gap;          /* stop once the certified relative gap is at most this */
    uint64_t seed;
    size_t searches; /* heuristic searches at once (site_options.searches); 0: two */
    /* Sources: an OR-Library graph, or two CSV texts, or else the store. */
    const char *orlib;
    size_t orlib_len;
    const char *demand_csv, *cand_csv;
    size_t demand_len, cand_len;
    /* Store source. */
    const char *kinds;      /* facility kinds: existing sites, and the kind saved */
    const char *statuses;   /* statuses of existing sites; NULL: operating */
    const char *candidates; /* "villages" (default: every demand point), "rural", "communities"
                               (names with 社区 or 居委会) or "townships" (seats) */
    const char *within;     /* code prefix: only demand and candidates in it */
    const char *candidates_within;      /* code prefix for the candidates alone */
    bool skip_existing;                 /* do not count existing facilities (a relocation) */
    const char *weight;                 /* demand weight field; NULL: elderly_60plus */
    double capacity;                    /* > 0: capacity of every new site (capacitated mode) */
    double budget;                      /* > 0: cost budget (CSV costs; else 1 per site) */
    int per_county_min, per_county_max; /* quotas per county; < 0: none */
    const char *exclude_kinds;          /* forbid candidates near facilities of these kinds, or near
                                           "communities" */
    double exclude_m;
    const char *force;     /* comma list of candidate ids that must be chosen */
    const char *forbid;    /* comma list of candidate ids never chosen */
    const char *save_name; /* save as a scenario under this name (needs a writable store) */
    bool replace_scenario; /* a scenario of that name is replaced in the same transaction */
    const char *user;
    site_progress_fn progress;
    void *progress_ctx;
};

/* The longest time limit of a run, in seconds. */
#define SITE_TIME_LIMIT_MAX_S 600.0

/* An answer: the instance's candidates and the result. A caller solves first and saves
 * later (a plan saves all its answers in one transaction). */
struct site_answer;

/* Builds the instance from p's source and solves it. Nothing is written (p->save_name
 * is not read). out: free with site_answer_free; p and the strings it points to must
 * outlive it. */
enum gis_status site_answer_solve(struct store *st,
                                  const struct site_params *p,
                                  struct site_answer **out,
                                  struct gis_error *err);

/* One chosen site of an answer and the demand it serves. */
struct site_chosen {
    char id[64];      /* the candidate's id (its index + 1 when it has none) */
    const char *name; /* NULL when the candidates have no names (an OR-Library graph) */
    bool has_xy;      /* false for an OR-Library graph */
    double x, y;      /* lon/lat, or metres of a planar CSV */
    double demand_served;
    size_t points_served;
};

/* What an answer says, for rendering. The strings are borrowed from the answer and
 * from the params it was solved with. */
struct site_summary {
    enum site_problem problem;
    size_t p;
    bool has_radius; /* a covering problem: radius_m is its reach */
    double radius_m; /* the reach used (the kind's service standard or the given one) */
    double reach_m;  /* the reach the instance was built with; 0: the given radius */
    const struct site_result *result; /* objective, bound, gap, timings, method, ... */
    size_t n_demand, n_candidates;
    bool has_demand_totals; /* MCLP, LSCP or capacitated: result's demand_total/covered */
    bool has_uncoverable;   /* LSCP: result's n_uncoverable */
    const char *kinds, *weight, *candidates; /* as run: NULL ones are the defaults' */
    struct site_chosen *sites;               /* result->n_open of them, in result->open's order */
    size_t n_sites;
};

/* out: the summary of a (p: the params it was solved with); free with
 * site_summary_free. a and p must outlive it. */
enum gis_status site_answer_summary(const struct site_answer *a,
                                    const struct site_params *p,
                                    struct site_summary *out,
                                    struct gis_error *err);

/* Frees what site_answer_summary allocated; a zeroed summary is a no-op. */
void site_summary_free(struct site_summary *s);

/* The scenario a saved answer keeps: its parameters and its summary, rendered as JSON
 * by the caller (server/site_render.h), so that a saved scenario reads as the answer
 * did. */
struct site_saved_texts {
    const char *params_json, *results_json;
};

/* Saves the answer as scenario p->save_name (scenario_save: in the caller's transaction
 * when one is open, else in its own), with texts. A cancelled answer or one not from
 * the store is refused. out_id: the scenario's id. */
enum gis_status site_answer_save(struct store *st,
                                 const struct site_answer *a,
                                 const struct site_params *p,
                                 const struct site_saved_texts *texts,
                                 int64_t *out_id,
                                 struct gis_error *err);

void site_answer_free(struct site_answer *a);

#endif
