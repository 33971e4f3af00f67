#ifndef CSQLITE_H
#define CSQLITE_H

#include <sqlite3.h>

/// sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0), which Swift cannot call (it is variadic): SQLite then keeps no
/// statistics of its memory, and so takes no global lock around each of its allocations. Works only before SQLite
/// is initialized (the first connection opened); returns SQLITE_MISUSE after.
static inline int csqlite_memory_statistics_off(void) {
    return sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

#endif
