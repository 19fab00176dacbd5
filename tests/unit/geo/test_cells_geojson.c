/* Unit tests for geo/cells_geojson.c: the shape checks of a cell import and
 * the candidate pairs for the overlap check. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "geo/cells_geojson.h"

/* A square cell of side 0.001 degrees with its south-west corner at (x, y). */
static json_t *cell(const char *code, double x, double y)
{
	double d = 0.001;
	return json_pack("{s:s, s:{s:s, s:[[[f,f],[f,f],[f,f],[f,f],[f,f]]]}, s:{s:s, s:s}}", "type",
	                 "Feature", "geometry", "type", "Polygon", "coordinates", x, y, x + d, y,
	                 x + d, y + d, x, y + d, x, y, "properties", "code", code, "name", "网格");
}

static json_t *collection(json_t *features)
{
	return json_pack("{s:s, s:o}", "type", "FeatureCollection", "features", features);
}

/* Runs the check; returns the result and leaves the problems in *errors. */
static json_t *check(json_t *doc, json_t **errors)
{
	*errors = NULL;
	json_t *out = cells_geojson_check(doc, 100, errors);
	json_decref(doc);
	return out;
}

/* "pointer detail" of problem k. */
static const char *problem(json_t *errors, size_t k)
{
	static char text[512];
	json_t *e = json_array_get(errors, k);
	snprintf(text, sizeof(text), "%s %s", json_string_value(json_object_get(e, "pointer")),
	         json_string_value(json_object_get(e, "detail")));
	return text;
}

static void a_grid_gives_cells_and_the_pairs_of_neighbours(void **state)
{
	(void)state;
	json_t *errors;
	/* Three in a row touching, and one far away. */
	json_t *out = check(collection(json_pack("[o, o, o, o]", cell("110101001001001", 116.400, 39.91),
	                                         cell("110101001001002", 116.401, 39.91),
	                                         cell("110101001001003", 116.402, 39.91),
	                                         cell("110101001001004", 116.500, 39.91))),
	                    &errors);
	assert_non_null(out);
	assert_null(errors);
	json_t *cells = json_object_get(out, "cells");
	assert_int_equal(json_array_size(cells), 4);
	json_t *c = json_array_get(cells, 1);
	assert_int_equal(json_integer_value(json_object_get(c, "i")), 1);
	assert_string_equal(json_string_value(json_object_get(c, "code")), "110101001001002");
	assert_true(json_is_null(json_object_get(c, "population")));
	char *pairs = json_dumps(json_object_get(out, "pairs"), JSON_COMPACT);
	assert_string_equal(pairs, "[[0,1],[1,2]]");
	free(pairs);
	json_decref(out);
}

static void every_problem_is_listed_by_feature(void **state)
{
	(void)state;
	json_t *errors;
	json_t *short_ring = cell("110101001001005", 116.403, 39.91);
	json_t *ring = json_array_get(json_object_get(json_object_get(short_ring, "geometry"), "coordinates"), 0);
	json_array_remove(ring, 4);
	json_array_remove(ring, 3);
	json_t *far = cell("110101001001006", 190.0, 39.91);
	json_t *point = json_pack("{s:s, s:{s:s, s:[f, f]}, s:{s:s, s:s}}", "type", "Feature", "geometry",
	                          "type", "Point", "coordinates", 116.4, 39.9, "properties", "code",
	                          "110101001001007", "name", "点");
	json_t *by_id = cell("x", 116.404, 39.91);
	json_object_del(json_object_get(by_id, "properties"), "code");
	json_object_set_new(by_id, "id", json_string("110101001001008"));
	json_t *out = check(collection(json_pack("[o, o, o, o, o, o, o]", cell("110101001001001", 116.4, 39.91),
	                                         cell("110101001001001", 116.401, 39.91), short_ring, far,
	                                         point, cell("1101010010010", 116.402, 39.91), by_id)),
	                    &errors);
	assert_null(out);
	assert_int_equal(json_array_size(errors), 5);
	assert_string_equal(problem(errors, 0), "/features/1/properties/code code 110101001001001 is also used by feature 0");
	assert_string_equal(problem(errors, 1), "/features/2/geometry/coordinates/0 a linear ring has at least 4 positions");
	assert_string_equal(problem(errors, 2), "/features/3/geometry/coordinates/0/0 longitude out of range: WGS-84 degrees from -180 to 180 (RFC 7946)");
	assert_true(strncmp(problem(errors, 3), "/features/4/geometry/type geometry type Point", 45) == 0);
	assert_true(strncmp(problem(errors, 4), "/features/5/properties/code a grid cell code", 44) == 0);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(errors, 4), "feature")), 5);
	json_decref(errors);
}

static void the_document_itself_is_checked(void **state)
{
	(void)state;
	json_t *errors;
	assert_null(check(json_pack("{s:s}", "type", "Feature"), &errors));
	assert_string_equal(problem(errors, 0), "/type a GeoJSON FeatureCollection (RFC 7946)");
	assert_null(json_object_get(json_array_get(errors, 0), "feature"));
	json_decref(errors);

	assert_null(check(collection(json_array()), &errors));
	assert_string_equal(problem(errors, 0), "/features an array of 1 to 100 features");
	json_decref(errors);

	json_t *many = json_array();
	for (int i = 0; i < 101; i++)
		json_array_append_new(many, cell("110101001001001", 116.4, 39.91));
	assert_null(check(collection(many), &errors));
	assert_string_equal(problem(errors, 0), "/features an array of 1 to 100 features");
	json_decref(errors);

	json_t *projected = collection(json_pack("[o]", cell("110101001001001", 116.4, 39.91)));
	json_object_set_new(projected, "crs", json_pack("{s:s, s:{s:s}}", "type", "name", "properties",
	                                                "name", "EPSG:3857"));
	assert_null(check(projected, &errors));
	assert_true(strncmp(problem(errors, 0), "/crs coordinates must be WGS-84", 31) == 0);
	json_decref(errors);

	json_t *crs84 = collection(json_pack("[o]", cell("110101001001001", 116.4, 39.91)));
	json_object_set_new(crs84, "crs", json_pack("{s:s, s:{s:s}}", "type", "name", "properties",
	                                            "name", "urn:ogc:def:crs:OGC:1.3:CRS84"));
	json_t *out = check(crs84, &errors);
	assert_non_null(out);
	json_decref(out);
}

static void names_and_counts_are_checked(void **state)
{
	(void)state;
	json_t *errors;
	json_t *f = cell("110101001001001", 116.4, 39.91);
	json_t *props = json_object_get(f, "properties");
	json_object_set_new(props, "name", json_string(""));
	json_object_set_new(props, "population", json_integer(-1));
	json_object_set_new(props, "households", json_real(2.5));
	json_object_set_new(props, "street_name", json_integer(3));
	json_object_set_new(props, "Shape_Area", json_real(1.5)); /* ignored */
	assert_null(check(collection(json_pack("[o]", f)), &errors));
	assert_int_equal(json_array_size(errors), 4);
	assert_true(strncmp(problem(errors, 0), "/features/0/properties/name ", 28) == 0);
	assert_true(strncmp(problem(errors, 1), "/features/0/properties/population ", 34) == 0);
	assert_true(strncmp(problem(errors, 2), "/features/0/properties/households ", 34) == 0);
	assert_true(strncmp(problem(errors, 3), "/features/0/properties/street_name ", 35) == 0);
	json_decref(errors);

	/* A hundred Chinese characters is a name; a hundred and one is not. */
	char name[401] = "";
	for (int i = 0; i < 100; i++)
		strcat(name, "网");
	f = cell("110101001001001", 116.4, 39.91);
	json_object_set_new(json_object_get(f, "properties"), "name", json_string(name));
	json_t *out = check(collection(json_pack("[o]", f)), &errors);
	assert_non_null(out);
	json_decref(out);
	strcat(name, "格");
	f = cell("110101001001001", 116.4, 39.91);
	json_object_set_new(json_object_get(f, "properties"), "name", json_string(name));
	assert_null(check(collection(json_pack("[o]", f)), &errors));
	json_decref(errors);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_grid_gives_cells_and_the_pairs_of_neighbours),
		cmocka_unit_test(every_problem_is_listed_by_feature),
		cmocka_unit_test(the_document_itself_is_checked),
		cmocka_unit_test(names_and_counts_are_checked),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
