#ifndef CLINUX_H
#define CLINUX_H

#include <sys/file.h>
#include <sys/inotify.h>
#include <sys/statfs.h>
#include <sys/types.h>

/// rename(2) that fails with EEXIST instead of replacing the target (renameat2 with RENAME_NOREPLACE).
/// Returns 0, or -1 with errno set (EINVAL when the file system cannot do it).
int clinux_rename_noreplace(const char *from, const char *to);

/// eventfd(2), non-blocking and close-on-exec: wakes a poll(2) from another thread. -1 with errno on failure.
int clinux_eventfd(void);

/// fnmatch(3) of a file name against a shell pattern (`*`, `?`, `[...]`), without regard to case (the GNU
/// FNM_CASEFOLD, which Swift's Glibc module does not show). 0 when it matches, FNM_NOMATCH when not.
int clinux_fnmatch_casefold(const char *pattern, const char *name);

/// sync_file_range(2) with SYNC_FILE_RANGE_WRITE: starts writing back the dirty pages of a byte range of a file
/// and returns without waiting for them. A hint (it makes nothing durable); 0, or -1 with errno.
int clinux_start_writeback(int fd, long long offset, long long count);

#endif
