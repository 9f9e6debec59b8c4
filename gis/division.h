/*
 * Statistical division codes (统计用区划代码) of the National Bureau of Statistics:
 * PP CC DD TTT VVV = province, city, county (6 digits), township (9), village (12).
 * Pure parsing and checks; the tree itself lives in the store.
 *
 * Codes are kept in their short canonical form (6, 9 or 12 digits). A 12-digit code
 * padded with zeros ("610602000000") is accepted and shortened to the level it names
 * ("610602"), so both spellings address the same division.
 */
#ifndef CIVGIS_DIVISION_H
#define CIVGIS_DIVISION_H

#include <stdbool.h>

#include "status.h"

enum division_level {
    DIVISION_PROVINCE = 1,
    DIVISION_CITY = 2,
    DIVISION_COUNTY = 3,
    DIVISION_TOWNSHIP = 4,
    DIVISION_VILLAGE = 5,
};

#define DIVISION_CODE_MAX 13 /* 12 digits + NUL */

struct division_code {
    char code[DIVISION_CODE_MAX];   /* canonical short form */
    char parent[DIVISION_CODE_MAX]; /* "" for a province */
    enum division_level level;
};

/* Parses and checks text as a division code. On success fills *out with the canonical
 * code, its level and its parent's code. Errors (GIS_ERR_INVALID_ARG) name the rule the
 * text breaks: non-digits, wrong length, unknown province prefix, a zero part below a
 * non-zero part. */
enum gis_status
division_code_parse(const char *text, struct division_code *out, struct gis_error *err);

/* True when text is an NBS urban-rural class code: three digits, the first 1 (urban) or
 * 2 (rural), the second 0..3 (111 main urban area .. 220 village). Pure. */
bool division_urban_rural_is_valid(const char *text);

/* "province", "city", "county", "township", "village"; "unknown" otherwise. */
const char *division_level_name(int level);

#endif
