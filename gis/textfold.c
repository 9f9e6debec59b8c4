/*
 * CASEI and ACCENTI through ICU (textfold.h), and their SQL functions civgis_casei(x) and
 * civgis_accenti(x), which the filter compiler calls on both sides of a comparison. Owns
 * only the buffers of one call.
 */
#include "textfold.h"

#include <stdlib.h>
#include <string.h>
#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/ustring.h>

#include "gis_int.h"

/* UTF-16 text with room to grow. */
struct ubuf {
    UChar *s;
    int32_t len;
};

static enum gis_status from_utf8(const char *text, struct ubuf *out, struct gis_error *err)
{
    UErrorCode status = U_ZERO_ERROR;
    int32_t n = 0;

    u_strFromUTF8(NULL, 0, &n, text, -1, &status);
    if (status != U_BUFFER_OVERFLOW_ERROR && U_FAILURE(status))
        return gis_fail(err, GIS_ERR_INVALID_ARG, "text is not UTF-8");
    out->s = malloc(((size_t)n + 1) * sizeof *out->s);
    if (!out->s)
        return gis_fail(err, GIS_ERR_NOMEM, "out of memory");
    status = U_ZERO_ERROR;
    u_strFromUTF8(out->s, n + 1, &out->len, text, -1, &status);
    return U_FAILURE(status) ? gis_fail(err, GIS_ERR_INVALID_ARG, "text is not UTF-8") : GIS_OK;
}

/* Replaces b by fold(b): case folding, or a normalization (nf). */
static enum gis_status
transform(struct ubuf *b, const UNormalizer2 *nf, bool is_case, struct gis_error *err)
{
    UErrorCode status = U_ZERO_ERROR;
    int32_t cap = b->len * 4 + 16, n;
    UChar *d = malloc((size_t)cap * sizeof *d);

    if (!d)
        return gis_fail(err, GIS_ERR_NOMEM, "out of memory");
    n = is_case ? u_strFoldCase(d, cap, b->s, b->len, U_FOLD_CASE_DEFAULT, &status)
                : unorm2_normalize(nf, b->s, b->len, d, cap, &status);
    if (U_FAILURE(status)) {
        free(d);
        return gis_fail(err, GIS_ERR_INTERNAL, "ICU: %s", u_errorName(status));
    }
    free(b->s);
    b->s = d;
    b->len = n;
    return GIS_OK;
}

/* Drops the non-spacing marks (general category Mn) but the kana voicing marks. */
static void strip_marks(struct ubuf *b)
{
    int32_t i = 0, o = 0;

    while (i < b->len) {
        int32_t at = i;
        UChar32 c;
        U16_NEXT(b->s, i, b->len, c);
        if (u_charType(c) == U_NON_SPACING_MARK && c != 0x3099 && c != 0x309A)
            continue;
        while (at < i)
            b->s[o++] = b->s[at++];
    }
    b->len = o;
}

static enum gis_status fold_accents(struct ubuf *b, struct gis_error *err)
{
    UErrorCode status = U_ZERO_ERROR;
    const UNormalizer2 *nfd = unorm2_getNFDInstance(&status);
    const UNormalizer2 *nfc = U_SUCCESS(status) ? unorm2_getNFCInstance(&status) : NULL;
    enum gis_status rc;

    if (U_FAILURE(status))
        return gis_fail(err, GIS_ERR_INTERNAL, "ICU: %s", u_errorName(status));
    rc = transform(b, nfd, false, err);
    if (rc == GIS_OK)
        strip_marks(b);
    return rc == GIS_OK ? transform(b, nfc, false, err) : rc;
}

static enum gis_status to_utf8(const struct ubuf *b, char **out, struct gis_error *err)
{
    UErrorCode status = U_ZERO_ERROR;
    int32_t n = 0;
    char *s;

    u_strToUTF8(NULL, 0, &n, b->s, b->len, &status);
    s = malloc((size_t)n + 1);
    if (!s)
        return gis_fail(err, GIS_ERR_NOMEM, "out of memory");
    status = U_ZERO_ERROR;
    u_strToUTF8(s, n + 1, NULL, b->s, b->len, &status);
    if (U_FAILURE(status)) {
        free(s);
        return gis_fail(err, GIS_ERR_INTERNAL, "ICU: %s", u_errorName(status));
    }
    *out = s;
    return GIS_OK;
}

enum gis_status textfold_apply(const char *text, unsigned flags, char **out, struct gis_error *err)
{
    struct ubuf b = {NULL, 0};
    enum gis_status rc;

    if (!text || !out)
        return gis_fail(err, GIS_ERR_INVALID_ARG, "textfold_apply: null argument");
    rc = from_utf8(text, &b, err);
    if (rc == GIS_OK && (flags & TEXTFOLD_ACCENTS))
        rc = fold_accents(&b, err);
    if (rc == GIS_OK && (flags & TEXTFOLD_CASE))
        rc = transform(&b, NULL, true, err);
    if (rc == GIS_OK)
        rc = to_utf8(&b, out, err);
    free(b.s);
    return rc;
}

/* civgis_casei(x) / civgis_accenti(x): x folded (user data: the flags); NULL stays NULL,
 * and text that is not UTF-8 compares as itself. */
static void fold_fn(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    const unsigned char *text = sqlite3_value_text(argv[0]);
    unsigned flags = (unsigned)(size_t)sqlite3_user_data(ctx);
    char *out = NULL;

    (void)argc;
    if (!text) {
        sqlite3_result_null(ctx);
        return;
    }
    if (textfold_apply((const char *)text, flags, &out, NULL) != GIS_OK) {
        sqlite3_result_value(ctx, argv[0]);
        return;
    }
    sqlite3_result_text(ctx, out, -1, free);
}

int textfold__register(sqlite3 *db)
{
    int rc = sqlite3_create_function_v2(db, "civgis_casei", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC,
                                        (void *)(size_t)TEXTFOLD_CASE, fold_fn, NULL, NULL, NULL);

    if (rc == SQLITE_OK)
        rc =
            sqlite3_create_function_v2(db, "civgis_accenti", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC,
                                       (void *)(size_t)TEXTFOLD_ACCENTS, fold_fn, NULL, NULL, NULL);
    return rc;
}
