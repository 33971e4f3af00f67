/* The floor for single-lead files: the bare durable file cycle leadd does per file, with nothing else.
 *
 * For each file in INBOX: rename it into processing/, read it, write its bytes to a new output file and fsync it,
 * rename the output into outbox/ and the input into archive/, and fsync every directory whose entries changed.
 * Prints the number of files and the seconds taken. Usage: file-cycle SPOOL
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static void die(const char *what, const char *path) {
    perror(path);
    fprintf(stderr, "file-cycle: %s failed\n", what);
    exit(1);
}

static void sync_dir(const char *path) {
    int fd = open(path, O_RDONLY | O_DIRECTORY);
    if (fd < 0 || fsync(fd) != 0) die("fsync directory", path);
    close(fd);
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: file-cycle SPOOL\n");
        return 2;
    }
    char inbox[4096], processing[4096], outbox[4096], archive[4096];
    snprintf(inbox, sizeof inbox, "%s/inbox", argv[1]);
    snprintf(processing, sizeof processing, "%s/processing", argv[1]);
    snprintf(outbox, sizeof outbox, "%s/outbox", argv[1]);
    snprintf(archive, sizeof archive, "%s/archive", argv[1]);
    mkdir(processing, 0755);
    mkdir(outbox, 0755);
    mkdir(archive, 0755);
    DIR *dir = opendir(inbox);
    if (!dir) die("opendir", inbox);
    struct timespec start, end;
    clock_gettime(CLOCK_MONOTONIC, &start);
    static char buffer[1 << 20];
    long files = 0;
    struct dirent *entry;
    while ((entry = readdir(dir)) != NULL) {
        if (entry->d_name[0] == '.') continue;
        char from[8192], claimed[8192], output[8192], published[8192], archived[8192];
        snprintf(from, sizeof from, "%s/%s", inbox, entry->d_name);
        snprintf(claimed, sizeof claimed, "%s/%s", processing, entry->d_name);
        snprintf(output, sizeof output, "%s/.%s.out", processing, entry->d_name);
        snprintf(published, sizeof published, "%s/%s", outbox, entry->d_name);
        snprintf(archived, sizeof archived, "%s/%s", archive, entry->d_name);
        if (renameat2(AT_FDCWD, from, AT_FDCWD, claimed, RENAME_NOREPLACE) != 0) die("rename in", from);
        sync_dir(processing);
        sync_dir(inbox);
        int in = open(claimed, O_RDONLY);
        if (in < 0) die("open", claimed);
        ssize_t n = read(in, buffer, sizeof buffer);
        if (n < 0) die("read", claimed);
        close(in);
        int out = open(output, O_WRONLY | O_CREAT | O_EXCL, 0644);
        if (out < 0 || write(out, buffer, (size_t)n) != n || fsync(out) != 0) die("write", output);
        close(out);
        if (renameat2(AT_FDCWD, output, AT_FDCWD, published, RENAME_NOREPLACE) != 0) die("rename out", output);
        if (renameat2(AT_FDCWD, claimed, AT_FDCWD, archived, RENAME_NOREPLACE) != 0) die("rename archive", claimed);
        sync_dir(outbox);
        sync_dir(archive);
        sync_dir(processing);
        files++;
    }
    closedir(dir);
    clock_gettime(CLOCK_MONOTONIC, &end);
    double seconds = (double)(end.tv_sec - start.tv_sec) + (double)(end.tv_nsec - start.tv_nsec) / 1e9;
    printf("%ld %.6f\n", files, seconds);
    return 0;
}
