/*
 * demo.c - demo accounts (see demo.h).
 *
 * The demo city is 东城区 (district 110101) with two streets, four
 * communities and 24 grid cells; grid workers patrol cells of it and unit
 * staff belong to the first demo units.
 */
#include "demo.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/password_hash.h"
#include "auth/password_policy.h"

static const struct {
	const char *login, *name, *role, *unit, *area, *cells;
} accounts[] = {
	{"admin", "系统管理员", "admin", "", "", ""},
	{"dispatcher1", "受理派遣员 王芳", "dispatcher", "", "110101", ""},
	{"dispatcher2", "受理派遣员 李强", "dispatcher", "", "110101", ""},
	{"supervisor1", "值班长 张伟", "supervisor", "", "", ""},
	{"unit1", "环卫所 刘洋", "unit_staff", "1", "", ""},
	{"unit2", "城管执法队 陈静", "unit_staff", "2", "", ""},
	{"worker1", "网格员 赵磊", "grid_worker", "", "",
	 "110101001001001,110101001001002,110101001001003"},
	{"worker2", "网格员 孙敏", "grid_worker", "", "", "110101001002001,110101001002002"},
	{"worker3", "网格员 周杰", "grid_worker", "", "", "110101002001001,110101002001002"},
};

/* ---- the demo city ---- */

static const struct {
	const char *code, *name, *level, *parent;
} areas[] = {
	{"110101", "东城区", "district", ""},
	{"110101001", "东华门街道", "street", "110101"},
	{"110101002", "景山街道", "street", "110101"},
	{"110101001001", "韶九社区", "community", "110101001"},
	{"110101001002", "多福巷社区", "community", "110101001"},
	{"110101002001", "景山东街社区", "community", "110101002"},
	{"110101002002", "三眼井社区", "community", "110101002"},
};

/* Units of a 创建文明城市 campaign; ids 1 and 2 are those of unit1 and unit2. */
static const struct {
	int id;
	const char *code, *name;
	int parent;
	const char *phone;
} units[] = {
	{1, "sanitation", "东城区环卫中心", 0, "010-64031234"},
	{2, "cgzf", "东城区城管执法队", 3, "010-64035678"},
	{3, "cgw", "东城区城市管理委员会", 0, "010-64012345"},
	{4, "zjw", "东城区住房和城乡建设委员会", 0, ""},
	{5, "sthj", "东城区生态环境局", 0, ""},
	{6, "jiaoguan", "公安交通管理局东城交通支队", 0, ""},
	{7, "scjg", "东城区市场监督管理局", 0, ""},
	{8, "yllh", "东城区园林绿化局", 0, ""},
	{9, "shuiwu", "东城区水务局", 0, ""},
	{10, "donghuamen", "东华门街道办事处", 0, ""},
	{11, "jingshan", "景山街道办事处", 0, ""},
};

/*
 * Cell geometry: a 6 x 4 grid of ~100 m x 100 m cells (about 10,000 m², as
 * downtown cells are) north of 39.9100 N, east of 116.4000 E. Street 001 owns
 * the western three columns, street 002 the eastern three; in each street
 * community 001 owns the southern two rows and 002 the northern two. The
 * cells share edges exactly, so they tile without gaps or overlaps.
 */
#define DEMO_LON0 116.4000
#define DEMO_LAT0 39.9100
#define DEMO_DLON 0.0012
#define DEMO_DLAT 0.0009

static int exec_params(PGconn *pg, const char *sql, int n, const char *const *params,
                       const char *what)
{
	PGresult *r = PQexecParams(pg, sql, n, NULL, params, NULL, NULL, 0);
	int ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
	if (!ok)
		fprintf(stderr, "gridd demo: %s: %s", what, PQresultErrorMessage(r));
	PQclear(r);
	return ok ? 0 : -1;
}

static int demo_city(PGconn *pg)
{
	for (size_t i = 0; i < sizeof(areas) / sizeof(areas[0]); i++) {
		const char *p[] = {areas[i].code, areas[i].name, areas[i].level, areas[i].parent};
		if (exec_params(pg,
		                "INSERT INTO areas (code, name, level, parent_code)"
		                " VALUES ($1, $2, $3, nullif($4, '')) ON CONFLICT (code) DO NOTHING",
		                4, p, areas[i].code) < 0)
			return -1;
	}
	/* One statement, so a unit may name a parent listed after it. */
	char sql[4096] = "INSERT INTO units (id, code, name, parent_id, phone) VALUES ";
	size_t len = strlen(sql);
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		char parent[16] = "NULL";
		if (units[i].parent)
			snprintf(parent, sizeof(parent), "%d", units[i].parent);
		len += (size_t)snprintf(sql + len, sizeof(sql) - len, "%s(%d, '%s', '%s', %s, %s%s%s)",
		                        i ? ", " : "", units[i].id, units[i].code, units[i].name, parent,
		                        units[i].phone[0] ? "'" : "", units[i].phone[0] ? units[i].phone : "NULL",
		                        units[i].phone[0] ? "'" : "");
	}
	snprintf(sql + len, sizeof(sql) - len, " ON CONFLICT (code) DO NOTHING");
	if (exec_params(pg, sql, 0, NULL, "units") < 0 ||
	    exec_params(pg, "SELECT setval(pg_get_serial_sequence('units', 'id'), (SELECT max(id) FROM units))",
	                0, NULL, "units sequence") < 0)
		return -1;

	for (int street = 0; street < 2; street++)
		for (int community = 0; community < 2; community++)
			for (int seq = 1; seq <= 6; seq++) {
				int col = street * 3 + (seq - 1) % 3;
				int row = community * 2 + (seq - 1) / 3;
				double x0 = DEMO_LON0 + col * DEMO_DLON, y0 = DEMO_LAT0 + row * DEMO_DLAT;
				double x1 = x0 + DEMO_DLON, y1 = y0 + DEMO_DLAT;
				char code[16], community_code[13], name[128], wkt[256], people[16];
				snprintf(community_code, sizeof(community_code), "110101%03d%03d", street + 1,
				         community + 1);
				snprintf(code, sizeof(code), "%s%03d", community_code, seq);
				const char *community_name = areas[3 + street * 2 + community].name;
				snprintf(name, sizeof(name), "%s第%d网格", community_name, seq);
				snprintf(wkt, sizeof(wkt),
				         "MULTIPOLYGON(((%.4f %.4f,%.4f %.4f,%.4f %.4f,%.4f %.4f,%.4f %.4f)))", x0,
				         y0, x1, y0, x1, y1, x0, y1, x0, y0);
				snprintf(people, sizeof(people), "%d", 900 + seq * 37 + row * 11);
				const char *p[] = {code, name, community_code, wkt, people};
				if (exec_params(pg,
				                "INSERT INTO grid_cells (code, name, community_code, geom, population)"
				                " VALUES ($1, $2, $3, ST_GeomFromText($4, 4326), $5::int)"
				                " ON CONFLICT (code) DO NOTHING",
				                5, p, code) < 0)
					return -1;
			}
	return 0;
}

extern const char demo_categories_sql[]; /* server/data/demo_categories.sql */
extern const char demo_campaign_sql[];   /* server/data/demo_campaign.sql */
extern const char demo_cases_sql[];      /* server/data/demo_cases.sql */

int demo_load(const char *conninfo, const char *password)
{
	size_t len = strlen(password);
	enum password_verdict v = password_policy_check(password, len, NULL);
	if (v != PASSWORD_OK) {
		fprintf(stderr, "gridd demo: GRIDD_DEMO_PASSWORD: %s\n", password_verdict_text(v));
		return 2;
	}
	PGconn *pg = PQconnectdb(conninfo);
	if (PQstatus(pg) != CONNECTION_OK) {
		fprintf(stderr, "gridd demo: cannot connect: %s", PQerrorMessage(pg));
		PQfinish(pg);
		return 1;
	}
	int rc = 0, created = 0;
	if (demo_city(pg) < 0) {
		PQfinish(pg);
		return 1;
	}
	PGresult *cr = PQexec(pg, demo_categories_sql);
	if (PQresultStatus(cr) != PGRES_COMMAND_OK) {
		fprintf(stderr, "gridd demo: categories: %s", PQresultErrorMessage(cr));
		PQclear(cr);
		PQfinish(pg);
		return 1;
	}
	PQclear(cr);
	cr = PQexec(pg, demo_campaign_sql);
	if (PQresultStatus(cr) != PGRES_COMMAND_OK) {
		fprintf(stderr, "gridd demo: campaign: %s", PQresultErrorMessage(cr));
		PQclear(cr);
		PQfinish(pg);
		return 1;
	}
	PQclear(cr);
	printf("demo city: 东城区 (110101), 2 streets, 4 communities, 24 grid cells, %d units, "
	       "categories, routing rules and the 创建文明城市 campaign\n",
	       (int)(sizeof(units) / sizeof(units[0])));
	for (size_t i = 0; i < sizeof(accounts) / sizeof(accounts[0]) && rc == 0; i++) {
		char hash[PASSWORD_HASH_MAX];
		if (password_hash_now(password, len, hash) < 0) {
			rc = 1;
			break;
		}
		const char *params[] = {accounts[i].login, accounts[i].name, accounts[i].role,
		                        accounts[i].unit, accounts[i].area, hash, accounts[i].cells};
		PGresult *r = PQexecParams(
			pg,
			"WITH u AS (INSERT INTO users (login, display_name, role, unit_id, area_code, password_hash)"
			"  VALUES ($1, $2, $3, nullif($4, '')::bigint, nullif($5, ''), $6)"
			"  ON CONFLICT ((lower(login))) DO NOTHING RETURNING id),"
			" c AS (INSERT INTO user_cells (user_id, cell_code)"
			"  SELECT u.id, unnest(string_to_array(nullif($7, ''), ',')) FROM u)"
			" SELECT count(*) FROM u",
			7, NULL, params, NULL, NULL, 0);
		if (PQresultStatus(r) != PGRES_TUPLES_OK) {
			fprintf(stderr, "gridd demo: %s: %s", accounts[i].login, PQresultErrorMessage(r));
			rc = 1;
		} else {
			created += atoi(PQgetvalue(r, 0, 0));
		}
		PQclear(r);
	}
	/* Cases last: they name the accounts that reported and handled them. */
	if (rc == 0) {
		PGresult *r = PQexec(pg, demo_cases_sql);
		if (PQresultStatus(r) != PGRES_COMMAND_OK) {
			fprintf(stderr, "gridd demo: cases: %s", PQresultErrorMessage(r));
			rc = 1;
		}
		PQclear(r);
	}
	PQfinish(pg);
	if (rc == 0)
		printf("demo accounts: %d created, %d already there (logins: admin, dispatcher1, "
		       "supervisor1, unit1, worker1, ...)\n",
		       created, (int)(sizeof(accounts) / sizeof(accounts[0])) - created);
	return rc;
}
