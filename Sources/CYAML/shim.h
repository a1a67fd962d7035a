#ifndef STACKLEDGER_CYAML_SHIM_H
#define STACKLEDGER_CYAML_SHIM_H
#include <yaml.h>
#endif
