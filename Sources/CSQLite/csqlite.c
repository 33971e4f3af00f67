// The module is its header (`include/csqlite.h`); a C target needs a source file.
#include "csqlite.h"
