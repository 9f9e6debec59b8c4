/*
 * GCJ-02 and BD-09 conversions. Owns only arithmetic: no PROJ, no state.
 * The constants (Krasovsky semi-major axis and eccentricity, the polynomial and sine
 * terms) are those of the published GCJ-02 algorithm; changing any digit breaks
 * agreement with every Chinese web map.
 */
#include "chinacrs.h"

#include <math.h>

#define GCJ_A  6378245.0
#define GCJ_EE 0.00669342162296594323
#define BD_XPI (M_PI * 3000.0 / 180.0)

/* Inverse iterations stop when the forward image is within this many degrees. */
#define INVERSE_TOL_DEG  1e-10
#define INVERSE_MAX_ITER 50

bool chinacrs_in_china(double lon, double lat)
{
    return lon >= 72.004 && lon <= 137.8347 && lat >= 0.8293 && lat <= 55.8271;
}

static double shared_terms(double x)
{
    return (20.0 * sin(6.0 * x * M_PI) + 20.0 * sin(2.0 * x * M_PI)) * 2.0 / 3.0;
}

static double offset_lat(double x, double y)
{
    double r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * sqrt(fabs(x));
    r += shared_terms(x);
    r += (20.0 * sin(y * M_PI) + 40.0 * sin(y / 3.0 * M_PI)) * 2.0 / 3.0;
    r += (160.0 * sin(y / 12.0 * M_PI) + 320.0 * sin(y * M_PI / 30.0)) * 2.0 / 3.0;
    return r;
}

static double offset_lon(double x, double y)
{
    double r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * sqrt(fabs(x));
    r += shared_terms(x);
    r += (20.0 * sin(x * M_PI) + 40.0 * sin(x / 3.0 * M_PI)) * 2.0 / 3.0;
    r += (150.0 * sin(x / 12.0 * M_PI) + 300.0 * sin(x / 30.0 * M_PI)) * 2.0 / 3.0;
    return r;
}

void chinacrs_wgs84_to_gcj02(double lon, double lat, double *out_lon, double *out_lat)
{
    double dlat, dlon, rad_lat, magic, sqrt_magic;

    if (!chinacrs_in_china(lon, lat)) {
        *out_lon = lon;
        *out_lat = lat;
        return;
    }
    dlat = offset_lat(lon - 105.0, lat - 35.0);
    dlon = offset_lon(lon - 105.0, lat - 35.0);
    rad_lat = lat / 180.0 * M_PI;
    magic = sin(rad_lat);
    magic = 1.0 - GCJ_EE * magic * magic;
    sqrt_magic = sqrt(magic);
    dlat = (dlat * 180.0) / ((GCJ_A * (1.0 - GCJ_EE)) / (magic * sqrt_magic) * M_PI);
    dlon = (dlon * 180.0) / (GCJ_A / sqrt_magic * cos(rad_lat) * M_PI);
    *out_lon = lon + dlon;
    *out_lat = lat + dlat;
}

void chinacrs_gcj02_to_bd09(double lon, double lat, double *out_lon, double *out_lat)
{
    double z = sqrt(lon * lon + lat * lat) + 0.00002 * sin(lat * BD_XPI);
    double theta = atan2(lat, lon) + 0.000003 * cos(lon * BD_XPI);

    *out_lon = z * cos(theta) + 0.0065;
    *out_lat = z * sin(theta) + 0.006;
}

typedef void (*forward_fn)(double, double, double *, double *);

/* Solves forward(x) = target by fixed-point iteration on the offset: the offset's
 * derivative is ~1e-5 per degree, so each step gains about five digits. */
static void invert(forward_fn forward, double lon, double lat, double *out_lon, double *out_lat)
{
    double x = lon, y = lat;
    int i;

    for (i = 0; i < INVERSE_MAX_ITER; i++) {
        double fx, fy;
        forward(x, y, &fx, &fy);
        if (fabs(fx - lon) < INVERSE_TOL_DEG && fabs(fy - lat) < INVERSE_TOL_DEG)
            break;
        x += lon - fx;
        y += lat - fy;
    }
    *out_lon = x;
    *out_lat = y;
}

void chinacrs_gcj02_to_wgs84(double lon, double lat, double *out_lon, double *out_lat)
{
    invert(chinacrs_wgs84_to_gcj02, lon, lat, out_lon, out_lat);
}

void chinacrs_bd09_to_gcj02(double lon, double lat, double *out_lon, double *out_lat)
{
    invert(chinacrs_gcj02_to_bd09, lon, lat, out_lon, out_lat);
}

void chinacrs_wgs84_to_bd09(double lon, double lat, double *out_lon, double *out_lat)
{
    double gx, gy;

    chinacrs_wgs84_to_gcj02(lon, lat, &gx, &gy);
    chinacrs_gcj02_to_bd09(gx, gy, out_lon, out_lat);
}

void chinacrs_bd09_to_wgs84(double lon, double lat, double *out_lon, double *out_lat)
{
    double gx, gy;

    chinacrs_bd09_to_gcj02(lon, lat, &gx, &gy);
    chinacrs_gcj02_to_wgs84(gx, gy, out_lon, out_lat);
}
