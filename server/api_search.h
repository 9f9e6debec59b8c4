/*
 * GET /search?q=&limit=&level=&category=&within=&bbox=&f= : the gazetteer search. Shared
 * inside server/ only (the route table in http.c).
 */
#ifndef CIVGIS_API_SEARCH_H
#define CIVGIS_API_SEARCH_H

#include "api_int.h"

void api_search(const struct api_request *req, struct api_response *res);

#endif
