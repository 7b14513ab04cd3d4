/* SPDX-License-Identifier: MIT */
/* A report file replaced atomically, safely in a directory that other users
 * can write to.
 *
 * The directory is opened once, by pg_outfile_open(); every later step is an
 * *at() call relative to it, so renaming or replacing a directory on the path
 * afterwards does not redirect the writes. Each write goes to a fresh file
 * that nobody else can have opened or planted (O_TMPFILE, or a random name
 * created with O_EXCL|O_NOFOLLOW), and is then renamed over the target, so a
 * reader sees the old report or the new one, never half of one.
 *
 * Functions return 0 or a negative errno; nothing here logs. */
#ifndef PG_OUTFILE_H
#define PG_OUTFILE_H

#include <stddef.h>
#include <sys/types.h>

struct pg_outfile;

/* Never use O_TMPFILE: create each temporary file under a random name (what
 * happens anyway on a file system without O_TMPFILE). For tests. */
#define PG_OUTFILE_NAMED 1u

/* Open the directory of path; the target itself need not exist. Returns
 * -EISDIR when path ends in '/', '.' or '..', or the error of opening the
 * directory (-ENOENT, -ENOTDIR, -EACCES ...). */
int pg_outfile_open(const char *path, unsigned flags, struct pg_outfile **ret);
/* NULL-safe. Does not remove the target. */
void pg_outfile_free(struct pg_outfile *f);

/* The directory part of path as given ("." when path had no '/'). Borrowed
 * until pg_outfile_free(). */
const char *pg_outfile_dir(const struct pg_outfile *f);

/* Whether users other than root and the caller may create, rename or remove
 * names in the directory: 1 if it is world-writable, group-writable with a
 * group other than root, or owned by another user; 0 if not; a negative errno
 * if fstat fails. ACLs are not looked at. ret_mode (may be NULL) gets the
 * directory's permission bits, sticky bit included. */
int pg_outfile_dir_shared(const struct pg_outfile *f, mode_t *ret_mode);

/* Replace the target with len bytes of data: written and fsync'ed to a new
 * file (mode 0644 less the umask), then renamed over the target. On failure
 * the target is left as it was and no temporary name stays behind. */
int pg_outfile_write(struct pg_outfile *f, const void *data, size_t len);

#endif
