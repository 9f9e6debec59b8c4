/*
 * Division-code rules. Pure: no SQL, no I/O. The province prefixes are the 34
 * provincial-level units of GB/T 2260 (31 mainland, Taiwan 71, Hong Kong 81, Macao 82).
 */
#include "division.h"

#include <stdbool.h>
#include <string.h>

static bool is_province_prefix(const char *c)
{
    static const char *const prefixes[] = {
        "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34",
        "35", "36", "37", "41", "42", "43", "44", "45", "46", "50", "51", "52",
        "53", "54", "61", "62", "63", "64", "65", "71", "81", "82",
    };
    size_t i;

    for (i = 0; i < sizeof prefixes / sizeof *prefixes; i++)
        if (c[0] == prefixes[i][0] && c[1] == prefixes[i][1])
            return true;
    return false;
}

static bool all_zero(const char *s, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (s[i] != '0')
            return false;
    return true;
}

/* Drops zero-padded trailing parts: 12 -> 9 -> 6 digits. */
static size_t canonical_length(const char *s, size_t len)
{
    if (len == 12 && all_zero(s + 9, 3))
        len = 9;
    if (len == 9 && all_zero(s + 6, 3))
        len = 6;
    return len;
}

static void copy_prefix(char *dst, const char *src, size_t n)
{
    memcpy(dst, src, n);
    dst[n] = '\0';
}

static enum gis_status check_syntax(const char *text, size_t len, struct gis_error *err)
{
    size_t i;

    if (len == 0)
        return gis_fail(err, GIS_ERR_INVALID_ARG, "division code is empty");
    for (i = 0; i < len; i++)
        if (text[i] < '0' || text[i] > '9')
            return gis_fail(err, GIS_ERR_INVALID_ARG,
                            "division code '%.40s' has a non-digit at position %zu", text, i + 1);
    if (len != 6 && len != 9 && len != 12)
        return gis_fail(err, GIS_ERR_INVALID_ARG,
                        "division code '%.40s' has %zu digits; expected 6, 9 or 12", text, len);
    if (!is_province_prefix(text))
        return gis_fail(err, GIS_ERR_INVALID_ARG,
                        "division code '%s' starts with '%.2s', which is no province", text, text);
    return GIS_OK;
}

/* PPCCDD: province (CCDD = 0000), city (DD = 00) or county. */
static enum gis_status parse_six(const char *text, struct division_code *dc, struct gis_error *err)
{
    if (all_zero(text + 2, 4)) {
        dc->level = DIVISION_PROVINCE;
        return GIS_OK;
    }
    if (all_zero(text + 4, 2)) {
        dc->level = DIVISION_CITY;
        copy_prefix(dc->parent, text, 2);
        memcpy(dc->parent + 2, "0000", 5);
        return GIS_OK;
    }
    if (all_zero(text + 2, 2))
        return gis_fail(err, GIS_ERR_INVALID_ARG,
                        "division code '%s' names a county under city part '00'", dc->code);
    dc->level = DIVISION_COUNTY;
    copy_prefix(dc->parent, text, 4);
    memcpy(dc->parent + 4, "00", 3);
    return GIS_OK;
}

/* 9 or 12 digits: a township or village under the code three digits shorter. */
static enum gis_status
parse_long(const char *text, size_t len, struct division_code *dc, struct gis_error *err)
{
    if (all_zero(text + 2, 2))
        return gis_fail(err, GIS_ERR_INVALID_ARG,
                        "division code '%s' has a zero city part under a non-zero lower part",
                        dc->code);
    if (len == 12 && all_zero(text + 6, 3))
        return gis_fail(err, GIS_ERR_INVALID_ARG,
                        "division code '%s' has township part '000' under a village part",
                        dc->code);
    dc->level = len == 9 ? DIVISION_TOWNSHIP : DIVISION_VILLAGE;
    copy_prefix(dc->parent, text, len - 3);
    return GIS_OK;
}

enum gis_status
division_code_parse(const char *text, struct division_code *out, struct gis_error *err)
{
    struct division_code dc;
    enum gis_status rc;
    size_t len;

    if (!text || !out)
        return gis_fail(err, GIS_ERR_INVALID_ARG, "division code: null argument");
    len = strlen(text);
    rc = check_syntax(text, len, err);
    if (rc != GIS_OK)
        return rc;
    len = canonical_length(text, len);
    memset(&dc, 0, sizeof dc);
    copy_prefix(dc.code, text, len);
    rc = len == 6 ? parse_six(text, &dc, err) : parse_long(text, len, &dc, err);
    if (rc == GIS_OK)
        *out = dc;
    return rc;
}

bool division_urban_rural_is_valid(const char *text)
{
    return text && strlen(text) == 3 && text[0] >= '1' && text[0] <= '2' && text[1] >= '0' &&
           text[1] <= '3' && text[2] >= '0' && text[2] <= '9';
}

const char *division_level_name(int level)
{
    static const char *const names[] = {"province", "city", "county", "township", "village"};

    return level >= 1 && level <= 5 ? names[level - 1] : "unknown";
}
