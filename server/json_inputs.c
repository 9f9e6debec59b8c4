/*
 * Strict JSON inputs (see json_inputs.h). cJSON is lenient where a process must not
 * be: it stops at the end of the first value and ignores what follows, decodes \u0000
 * into a C string that then ends early, and reads 1e999 as infinity. These checks sit
 * in front of it so that a request means exactly what it says or is refused.
 */
#include "json_inputs.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "gbuf.h"

/* Whether text holds a \u0000 escape. Outside strings a backslash is no JSON at all
 * (the parser refuses it), so scanning every escape pair is enough. */
static bool has_nul_escape(const char *s, size_t len)
{
    size_t i;

    for (i = 0; i + 1 < len; i++) {
        if (s[i] != '\\')
            continue;
        if (s[i + 1] == 'u' && len - i >= 6 && !memcmp(s + i + 2, "0000", 4))
            return true;
        i++; /* the escaped character cannot start another escape */
    }
    return false;
}

enum gis_status json_inputs_parse(const char *body, size_t len, cJSON **out, struct gis_error *err)
{
    const char *end = NULL;
    cJSON *root;

    if (!body || !len)
        return gis_fail(err, GIS_ERR_INVALID_ARG, "the body must be a JSON execute request");
    if (memchr(body, '\0', len) || has_nul_escape(body, len))
        return gis_fail(err, GIS_ERR_INVALID_ARG, "the body holds a NUL character");
    root = cJSON_ParseWithLengthOpts(body, len, &end, false);
    if (!root)
        return gis_fail(err, GIS_ERR_INVALID_ARG,
                        "the body must be a JSON execute request (not JSON at byte %zu)",
                        end && end >= body ? (size_t)(end - body) : (size_t)0);
    end += strspn(end, " \t\r\n");
    if (end < body + len) {
        cJSON_Delete(root);
        return gis_fail(err, GIS_ERR_INVALID_ARG,
                        "the body must be one JSON execute request: text after it at byte %zu",
                        (size_t)(end - body));
    }
    *out = root;
    return GIS_OK;
}

static bool is_known(const char *name, const char *const *known)
{
    for (; *known; known++)
        if (!strcmp(name, *known))
            return true;
    return false;
}

/* "unknown input "x"; known: a, b, c" (cut at the message size). */
static enum gis_status
unknown_name(const char *what, const char *name, const char *const *known, struct gis_error *err)
{
    struct gbuf b;
    enum gis_status rc;

    gbuf_init(&b, GIS_ERROR_MSG_MAX);
    for (; *known; known++)
        gbuf_printf(&b, "%s%s", b.len ? ", " : "", *known);
    rc = gis_fail(err, GIS_ERR_INVALID_ARG, "unknown %s \"%.40s\"; known: %s", what, name,
                  b.data ? b.data : "");
    gbuf_free(&b);
    return rc;
}

enum gis_status json_inputs_names(const cJSON *obj,
                                  const char *what,
                                  const char *const *known,
                                  struct gis_error *err)
{
    const cJSON *x, *y;

    if (!cJSON_IsObject(obj))
        return gis_fail(err, GIS_ERR_INVALID_ARG, "the %ss must be a JSON object", what);
    cJSON_ArrayForEach(x, obj)
    {
        if (!is_known(x->string, known))
            return unknown_name(what, x->string, known, err);
        for (y = x->next; y; y = y->next)
            if (!strcmp(x->string, y->string))
                return gis_fail(err, GIS_ERR_INVALID_ARG, "%s \"%s\" is given twice", what,
                                x->string);
    }
    return GIS_OK;
}

enum gis_status json_inputs_number(const cJSON *in,
                                   const char *name,
                                   double lo,
                                   double hi,
                                   bool is_integer,
                                   double *out,
                                   struct gis_error *err)
{
    const cJSON *x = cJSON_GetObjectItemCaseSensitive(in, name);
    double v;

    if (!x)
        return GIS_OK;
    v = cJSON_IsNumber(x) ? x->valuedouble : NAN;
    if (!isfinite(v) || v < lo || v > hi || (is_integer && v != floor(v)))
        return gis_fail(err, GIS_ERR_INVALID_ARG, "input \"%s\" must be %s in [%.15g, %.15g]", name,
                        is_integer ? "an integer" : "a finite number", lo, hi);
    *out = v;
    return GIS_OK;
}

enum gis_status
json_inputs_string(const cJSON *in, const char *name, const char **out, struct gis_error *err)
{
    const cJSON *x = cJSON_GetObjectItemCaseSensitive(in, name);

    if (!x)
        return GIS_OK;
    if (!cJSON_IsString(x))
        return gis_fail(err, GIS_ERR_INVALID_ARG, "input \"%s\" must be a string", name);
    *out = x->valuestring;
    return GIS_OK;
}

enum gis_status
json_inputs_bool(const cJSON *in, const char *name, bool *out, struct gis_error *err)
{
    const cJSON *x = cJSON_GetObjectItemCaseSensitive(in, name);

    if (!x)
        return GIS_OK;
    if (!cJSON_IsBool(x))
        return gis_fail(err, GIS_ERR_INVALID_ARG, "input \"%s\" must be true or false", name);
    *out = cJSON_IsTrue(x);
    return GIS_OK;
}
