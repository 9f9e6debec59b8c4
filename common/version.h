/* The civgis release, shown by --version and /health. */
#ifndef CIVGIS_VERSION_H
#define CIVGIS_VERSION_H

#define CIVGIS_VERSION "0.1.0"

#endif
