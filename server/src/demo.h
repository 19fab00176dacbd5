/*
 * demo.h - the demo data that `deploy/local.sh run` loads (demo mode only).
 */
#ifndef GRIDD_DEMO_H
#define GRIDD_DEMO_H

/*
 * Loads the demo accounts (one per role, and a few more workers and unit
 * staff) into the database at conninfo, with `password` for all of them.
 * Idempotent: accounts that exist are left as they are. Uses blocking libpq
 * (command line only). Returns 0, 1 on a database error, 2 for a password
 * the policy refuses.
 */
int demo_load(const char *conninfo, const char *password);

#endif
