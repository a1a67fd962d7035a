#ifndef STACKLEDGER_CCRYPTO_SHIM_H
#define STACKLEDGER_CCRYPTO_SHIM_H
#include <openssl/evp.h>
#include <openssl/sha.h>
#endif
