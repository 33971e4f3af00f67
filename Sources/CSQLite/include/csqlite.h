#ifndef CSQLITE_H
#define CSQLITE_H

#include <sqlite3.h>

/// sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0), which Swift cannot call (it is variadic): SQLite then keeps no
/// statistics of its memory, and so takes no global lock around each of its allocations. Works only before SQLite
/// is initialized (the first connection opened); returns SQLITE_MISUSE after.
static inline int csqlite_memory_statistics_off(void) {
    return sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

/// sqlite3_config(SQLITE_CONFIG_STMTJRNL_SPILL, -1): statement journals (the pages a statement inside a transaction
/// changes, kept to undo that statement alone should it fail midway) stay in memory instead of spilling, past
/// 64 KiB, to a temporary file. Before SQLite is initialized only, as above.
static inline int csqlite_statement_journals_in_memory(void) {
    return sqlite3_config(SQLITE_CONFIG_STMTJRNL_SPILL, -1);
}

#endif
