/*
 * Geometries on OGR: the import's reading (CRS transformation point by point through
 * crs.c, after splitting long edges for the non-linear offset systems) and the write
 * path's geometry rule (range and class checks, repair with OGR's MakeValid, GEOS).
 * Owns only the geometries it creates; never touches the store.
 */
#include <cpl_error.h>
#include <math.h>
#include <ogr_api.h>
#include <stdlib.h>

#include "import_int.h"

static enum gis_status
transform_part(OGRGeometryH g, struct crs_transform *xf, struct gis_error *err)
{
    enum gis_status rc = GIS_OK;
    int i, n = OGR_G_GetGeometryCount(g);
    int np;
    double *x, *y;

    if (n > 0) {
        for (i = 0; i < n && rc == GIS_OK; i++)
            rc = transform_part(OGR_G_GetGeometryRef(g, i), xf, err);
        return rc;
    }
    np = OGR_G_GetPointCount(g);
    if (np <= 0)
        return GIS_OK;
    x = malloc((size_t)np * sizeof *x);
    y = malloc((size_t)np * sizeof *y);
    if (!x || !y) {
        free(x);
        free(y);
        return gis_fail(err, GIS_ERR_NOMEM, "out of memory transforming %d points", np);
    }
    OGR_G_GetPoints(g, x, sizeof *x, y, sizeof *y, NULL, 0);
    rc = crs_transform_points(xf, x, y, (size_t)np, err);
    if (rc == GIS_OK)
        OGR_G_SetPoints(g, np, x, sizeof *x, y, sizeof *y, NULL, 0);
    free(x);
    free(y);
    return rc;
}

static enum gis_status check_range(OGRGeometryH g, struct gis_error *err)
{
    OGREnvelope env;

    OGR_G_GetEnvelope(g, &env);
    if (!isfinite(env.MinX) || !isfinite(env.MaxX) || !isfinite(env.MinY) || !isfinite(env.MaxY) ||
        env.MinX < -180.0 || env.MaxX > 180.0 || env.MinY < -90.0 || env.MaxY > 90.0)
        return gis_fail(err, GIS_ERR_GEOMETRY,
                        "coordinates (%.6g %.6g .. %.6g %.6g) are not longitude/latitude after "
                        "transformation: is the source CRS right (--s-crs)?",
                        env.MinX, env.MinY, env.MaxX, env.MaxY);
    return GIS_OK;
}

/* Collects the polygons of any geometry (a MakeValid result may mix in lines and
 * points where a polygon collapsed) into a new MultiPolygon. */
static void collect_polygons(OGRGeometryH g, OGRGeometryH multi)
{
    OGRwkbGeometryType t = wkbFlatten(OGR_G_GetGeometryType(g));
    int i;

    if (t == wkbPolygon) {
        if (!OGR_G_IsEmpty(g))
            OGR_G_AddGeometry(multi, g);
        return;
    }
    if (t == wkbMultiPolygon || t == wkbGeometryCollection)
        for (i = 0; i < OGR_G_GetGeometryCount(g); i++)
            collect_polygons(OGR_G_GetGeometryRef(g, i), multi);
}

static enum gis_status
check_class(OGRGeometryH g, enum geom_class cls, bool *out_is_point, struct gis_error *err)
{
    OGRwkbGeometryType t = wkbFlatten(OGR_G_GetGeometryType(g));
    bool is_point = t == wkbPoint;

    if (t == wkbMultiPoint && OGR_G_GetGeometryCount(g) == 1)
        is_point = true;
    *out_is_point = is_point;
    if (cls == GEOM_POINT && !is_point)
        return gis_fail(err, GIS_ERR_GEOMETRY, "expected a point, got %s",
                        OGRGeometryTypeToName(t));
    if (cls == GEOM_POLYGONAL && !is_point && t != wkbPolygon && t != wkbMultiPolygon)
        return gis_fail(err, GIS_ERR_GEOMETRY, "expected a polygon or a seat point, got %s",
                        OGRGeometryTypeToName(t));
    return GIS_OK;
}

/* Single-point multipoints become points; polygons become multipolygons. */
static OGRGeometryH normalise(OGRGeometryH g, enum geom_class cls, bool is_point)
{
    if (is_point && wkbFlatten(OGR_G_GetGeometryType(g)) == wkbMultiPoint) {
        OGRGeometryH p = OGR_G_Clone(OGR_G_GetGeometryRef(g, 0));
        OGR_G_DestroyGeometry(g);
        return p;
    }
    if (cls == GEOM_POLYGONAL && !is_point)
        return OGR_G_ForceToMultiPolygon(g);
    return g;
}

static enum gis_status repair(
    OGRGeometryH *g, enum geom_class cls, bool is_strict, bool *out_repaired, struct gis_error *err)
{
    OGRGeometryH fixed, multi;

    *out_repaired = false;
    if (OGR_G_IsValid(*g))
        return GIS_OK;
    if (is_strict)
        return gis_fail(err, GIS_ERR_GEOMETRY, "invalid geometry (--strict forbids repair)");
    fixed = OGR_G_MakeValid(*g);
    if (!fixed)
        return gis_fail(err, GIS_ERR_GEOMETRY, "invalid geometry that MakeValid cannot repair: %s",
                        CPLGetLastErrorMsg());
    if (cls == GEOM_POLYGONAL) {
        multi = OGR_G_CreateGeometry(wkbMultiPolygon);
        collect_polygons(fixed, multi);
        OGR_G_DestroyGeometry(fixed);
        fixed = multi;
    }
    if (OGR_G_IsEmpty(fixed) || !OGR_G_IsValid(fixed)) {
        OGR_G_DestroyGeometry(fixed);
        return gis_fail(err, GIS_ERR_GEOMETRY, "invalid geometry with nothing left after repair");
    }
    OGR_G_DestroyGeometry(*g);
    *g = fixed;
    *out_repaired = true;
    return GIS_OK;
}

enum gis_status import__geom_prepare(OGRGeometryH src,
                                     struct crs_transform *xf,
                                     enum geom_class cls,
                                     bool is_strict,
                                     OGRGeometryH *out,
                                     bool *out_repaired,
                                     bool *out_is_point,
                                     struct gis_error *err)
{
    enum gis_status rc;
    OGRGeometryH g;
    bool is_point = false, repaired = false;

    if (!src || OGR_G_IsEmpty(src))
        return gis_fail(err, GIS_ERR_GEOMETRY, "the feature has no geometry");
    g = OGR_G_HasCurveGeometry(src, 0) ? OGR_G_GetLinearGeometry(src, 0, NULL) : OGR_G_Clone(src);
    if (!g)
        return gis_fail(err, GIS_ERR_NOMEM, "out of memory copying a geometry");
    OGR_G_FlattenTo2D(g);
    rc = xf ? transform_part(g, xf, err) : GIS_OK;
    if (rc == GIS_OK)
        rc = check_range(g, err);
    if (rc == GIS_OK)
        rc = check_class(g, cls, &is_point, err);
    if (rc == GIS_OK) {
        g = normalise(g, cls, is_point);
        rc = repair(&g, cls, is_strict, &repaired, err);
    }
    if (rc != GIS_OK) {
        OGR_G_DestroyGeometry(g);
        return rc;
    }
    *out = g;
    *out_repaired = repaired;
    *out_is_point = is_point;
    return GIS_OK;
}

enum gis_status import__geom_transform(OGRGeometryH src,
                                       struct crs_transform *xf,
                                       double max_edge_deg,
                                       OGRGeometryH *out,
                                       struct gis_error *err)
{
    enum gis_status rc;
    OGRGeometryH g;

    g = OGR_G_HasCurveGeometry(src, 0) ? OGR_G_GetLinearGeometry(src, 0, NULL) : OGR_G_Clone(src);
    if (!g)
        return gis_fail(err, GIS_ERR_NOMEM, "out of memory copying a geometry");
    OGR_G_FlattenTo2D(g);
    if (max_edge_deg > 0)
        OGR_G_Segmentize(g, max_edge_deg);
    rc = xf ? transform_part(g, xf, err) : GIS_OK;
    if (rc != GIS_OK) {
        OGR_G_DestroyGeometry(g);
        return rc;
    }
    *out = g;
    return GIS_OK;
}

enum gis_status import__point_new(
    double x, double y, struct crs_transform *xf, OGRGeometryH *out, struct gis_error *err)
{
    enum gis_status rc = crs_transform_points(xf, &x, &y, 1, err);
    OGRGeometryH p;

    if (rc != GIS_OK)
        return rc;
    if (!isfinite(x) || !isfinite(y) || x < -180.0 || x > 180.0 || y < -90.0 || y > 90.0)
        return gis_fail(err, GIS_ERR_GEOMETRY,
                        "seat (%.6g %.6g) is not longitude/latitude after transformation", x, y);
    p = OGR_G_CreateGeometry(wkbPoint);
    if (!p)
        return gis_fail(err, GIS_ERR_NOMEM, "out of memory");
    OGR_G_SetPoint_2D(p, 0, x, y);
    *out = p;
    return GIS_OK;
}

enum gis_status
import__wkb(OGRGeometryH g, unsigned char **out, size_t *out_size, struct gis_error *err)
{
    int n = OGR_G_WkbSize(g);
    unsigned char *buf;

    if (n <= 0)
        return gis_fail(err, GIS_ERR_GEOMETRY, "cannot encode the geometry as WKB");
    buf = malloc((size_t)n);
    if (!buf)
        return gis_fail(err, GIS_ERR_NOMEM, "out of memory encoding WKB");
    if (OGR_G_ExportToIsoWkb(g, wkbNDR, buf) != OGRERR_NONE) {
        free(buf);
        return gis_fail(err, GIS_ERR_GEOMETRY, "cannot encode the geometry as WKB");
    }
    *out = buf;
    *out_size = (size_t)n;
    return GIS_OK;
}
