// The same ABI checks as abi_compat.c, compiled as C++ (the header's extern "C" block, C++
// enum and typedef rules, and C++ redeclaration rules).
#include "abi_compat.c"
