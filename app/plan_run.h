/*
 * A plan: several site selections with stated assumptions, run as one unit. Every
 * problem is solved first, writing nothing, with the coverage of its kinds before it;
 * then one transaction replaces every scenario "PLAN/..." an earlier run left with this
 * run's answers and measures coverage with the new sites. A run that fails or is killed
 * leaves the earlier run's scenarios exactly as they were. Reading a plan file and
 * printing the report are the caller's (`civgis plan`).
 */
#ifndef CIVGIS_PLAN_RUN_H
#define CIVGIS_PLAN_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "coverage_analysis.h"
#include "site_run.h"
#include "status.h"
#include "store.h"

#define PLAN_NAME_MAX 200 /* bytes of a scenario name "PLAN/PROBLEM", with its NUL */

/* The covered share of one county (or the city) before and after a problem's sites. */
struct plan_share {
    const char *code, *name; /* borrowed from the run */
    double before, after;
};

/* One problem of a plan and, once run, its answer. */
struct plan_problem {
    char scenario[PLAN_NAME_MAX]; /* the scenario it is saved as */
    struct site_params params;    /* the caller's strings: they must outlive the run */
    /* Filled by plan_run_solve and plan_run_save; freed by plan_run_free. */
    struct site_answer *answer;
    int64_t scenario_id;
    struct coverage_analysis *before, *after;
    struct plan_share *shares; /* the city and the counties, in the analysis' order */
    size_t n_shares;
};

/* The scenario names "PLAN/NAME" into out; false when it does not fit. */
bool plan_scenario_name(const char *plan, const char *problem, char *out, size_t size);

/* Phase one, writing nothing: solves the problem (its params' save_name and user are set
 * to its scenario and "civgis plan") and measures coverage of its kinds without it. */
enum gis_status plan_run_solve(struct store *st, struct plan_problem *pb, struct gis_error *err);

/* Phase two, in one transaction: removes every scenario of the plan ("PLAN/..."), saves
 * each problem's answer with its texts (texts[k] for problems[k]; see site_answer_save)
 * and measures coverage with the new sites. All or nothing. */
enum gis_status plan_run_save(struct store *st,
                              const char *plan,
                              struct plan_problem *problems,
                              const struct site_saved_texts *texts,
                              size_t n,
                              struct gis_error *err);

/* Frees what the run filled in pb (not pb itself). */
void plan_problem_clear(struct plan_problem *pb);

#endif
