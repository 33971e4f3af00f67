#define _GNU_SOURCE
#include <sys/eventfd.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "clinux.h"

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE 1
#endif

int clinux_rename_noreplace(const char *from, const char *to) {
    return (int)syscall(SYS_renameat2, AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE);
}

int clinux_eventfd(void) { return eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC); }

int clinux_fnmatch_casefold(const char *pattern, const char *name) { return fnmatch(pattern, name, FNM_CASEFOLD); }

int clinux_start_writeback(int fd, long long offset, long long count) {
    return sync_file_range(fd, (off_t)offset, (off_t)count, SYNC_FILE_RANGE_WRITE);
}
