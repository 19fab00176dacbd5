/*
 * tmpdir.h - a fresh temporary directory for a unit test, and its removal
 * with everything in it (nftw, no shell).
 */
#ifndef GRIDD_TEST_TMPDIR_H
#define GRIDD_TEST_TMPDIR_H

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#define TEST_TMPDIR_MAX 64

/* Makes /tmp/gridd-test-<name>-XXXXXX into dir. Returns 0, or -1. */
static inline int test_tmpdir_make(char dir[TEST_TMPDIR_MAX], const char *name)
{
	int n = snprintf(dir, TEST_TMPDIR_MAX, "/tmp/gridd-test-%s-XXXXXX", name);
	return n > 0 && n < TEST_TMPDIR_MAX && mkdtemp(dir) ? 0 : -1;
}

static inline int test_tmpdir_remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* rm -rf dir. Returns 0, or -1. */
static inline int test_tmpdir_remove(const char *dir)
{
	return nftw(dir, test_tmpdir_remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

#endif
