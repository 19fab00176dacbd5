/*
 * demo.c - demo accounts (see demo.h).
 *
 * The demo city is 东城区 (district 110101): grid workers patrol cells of its
 * first street, unit staff belong to the first demo units. The city model's
 * demo data uses the same codes and unit numbers.
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
	PQfinish(pg);
	if (rc == 0)
		printf("demo accounts: %d created, %d already there (logins: admin, dispatcher1, "
		       "supervisor1, unit1, worker1, ...)\n",
		       created, (int)(sizeof(accounts) / sizeof(accounts[0])) - created);
	return rc;
}
