/*
 * WebMercatorQuad arithmetic.
 */
#include "tile.h"

#include <math.h>

#define MAX_LAT 85.05112877980659

bool tile_is_valid(int z, int64_t x, int64_t y)
{
    int64_t n;

    if (z < 0 || z > TILE_MAX_ZOOM)
        return false;
    n = (int64_t)1 << z;
    return x >= 0 && y >= 0 && x < n && y < n;
}

void tile_bounds_3857(int z, int64_t x, int64_t y, double out[4])
{
    double size = 2.0 * TILE_WEBMERC_HALF / (double)((int64_t)1 << z);

    out[0] = -TILE_WEBMERC_HALF + (double)x * size;
    out[2] = out[0] + size;
    out[3] = TILE_WEBMERC_HALF - (double)y * size;
    out[1] = out[3] - size;
}

void tile_lonlat_to_3857(double lon, double lat, double *out_x, double *out_y)
{
    double phi = fmax(-MAX_LAT, fmin(MAX_LAT, lat)) * M_PI / 180.0;

    *out_x = lon * TILE_WEBMERC_HALF / 180.0;
    *out_y = log(tan(M_PI / 4.0 + phi / 2.0)) * 6378137.0;
}

void tile_3857_to_lonlat(double x, double y, double *out_lon, double *out_lat)
{
    *out_lon = x / TILE_WEBMERC_HALF * 180.0;
    *out_lat = (2.0 * atan(exp(y / 6378137.0)) - M_PI / 2.0) * 180.0 / M_PI;
}

void tile_bounds_lonlat(int z, int64_t x, int64_t y, double out[4])
{
    double b[4];

    tile_bounds_3857(z, x, y, b);
    tile_3857_to_lonlat(b[0], b[1], &out[0], &out[1]);
    tile_3857_to_lonlat(b[2], b[3], &out[2], &out[3]);
}

uint64_t tile_hilbert(int order, uint64_t x, uint64_t y)
{
    uint64_t d = 0, s, t;

    for (s = order > 0 ? (uint64_t)1 << (order - 1) : 0; s > 0; s >>= 1) {
        uint64_t rx = (x & s) > 0, ry = (y & s) > 0;
        d += s * s * ((3 * rx) ^ ry);
        if (ry == 0) { /* rotate the quadrant */
            if (rx == 1) {
                x = s - 1 - (x & (s - 1));
                y = s - 1 - (y & (s - 1));
            }
            t = x;
            x = y;
            y = t;
        }
        x &= s - 1;
        y &= s - 1;
    }
    return d;
}
