/*
 * The offset coordinate systems of Chinese web maps, which PROJ does not know:
 * GCJ-02 (national "Mars" offset, AMap/Tencent/DataV data) and BD-09 (Baidu, a further
 * offset of GCJ-02). Pure functions on degrees, x = longitude, y = latitude.
 *
 * The forward directions (WGS84 -> GCJ-02 -> BD-09) are the published closed formulas.
 * The inverses have no closed form; they iterate the forward formula (fixed-point on the
 * offset) until the residual is below 1e-9 degrees (~0.1 mm), which makes the round
 * trip error far below the 0.5 m the project promises. Outside China's bounding box
 * GCJ-02 is the identity, as the published algorithm defines it.
 */
#ifndef CIVGIS_CHINACRS_H
#define CIVGIS_CHINACRS_H

#include <stdbool.h>

/* True when (lon, lat) lies inside the box where the GCJ-02 offset applies. */
bool chinacrs_in_china(double lon, double lat);

void chinacrs_wgs84_to_gcj02(double lon, double lat, double *out_lon, double *out_lat);
void chinacrs_gcj02_to_wgs84(double lon, double lat, double *out_lon, double *out_lat);
void chinacrs_gcj02_to_bd09(double lon, double lat, double *out_lon, double *out_lat);
void chinacrs_bd09_to_gcj02(double lon, double lat, double *out_lon, double *out_lat);
void chinacrs_wgs84_to_bd09(double lon, double lat, double *out_lon, double *out_lat);
void chinacrs_bd09_to_wgs84(double lon, double lat, double *out_lon, double *out_lat);

#endif
