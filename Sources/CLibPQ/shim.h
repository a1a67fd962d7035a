#ifndef STACKLEDGER_CLIBPQ_SHIM_H
#define STACKLEDGER_CLIBPQ_SHIM_H
#include <libpq-fe.h>
#endif
