#ifndef LEADD_CYAML_SHIM_H
#define LEADD_CYAML_SHIM_H
#include <yaml.h>
#endif
