/* A custom node library that lies, for tests of what the loader refuses. Its param "lie" picks
 * the lie. Every buffer it hands out is counted; liar_outstanding() says how many have not come
 * back through release (or deinitialize), so a test can check that nothing was leaked.
 * Built with -DOMIT_RELEASE it lacks the release symbol. */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "../custom_nodes/custom_node_interface.h"

static atomic_long outstanding;

CUSTOM_NODE_EXPORT long liar_outstanding(void) {
    return atomic_load(&outstanding);
}

static void* counted(size_t bytes) {
    void* p = calloc(1, bytes > 0 ? bytes : 1);
    if (p != NULL) {
        atomic_fetch_add(&outstanding, 1);
    }
    return p;
}

static void give_back(void* p) {
    if (p != NULL) {
        atomic_fetch_sub(&outstanding, 1);
        free(p);
    }
}

static int lie_is(const struct CustomNodeParam* params, int paramsCount, const char* lie) {
    for (int i = 0; i < paramsCount; i++) {
        if (strcmp(params[i].key, "lie") == 0 && strcmp(params[i].value, lie) == 0) {
            return 1;
        }
    }
    return 0;
}

static uint64_t* dims2(uint64_t a, uint64_t b) {
    uint64_t* dims = counted(2 * sizeof(uint64_t));
    dims[0] = a;
    dims[1] = b;
    return dims;
}

int initialize(void** customNodeLibraryInternalManager, const struct CustomNodeParam* params, int paramsCount) {
    *customNodeLibraryInternalManager = counted(16);
    return 0;
}

int deinitialize(void* customNodeLibraryInternalManager) {
    give_back(customNodeLibraryInternalManager);
    return 0;
}

/* A valid FP32 [1, 2] tensor {1, 2}. */
static void good_tensor(struct CustomNodeTensor* t, const char* name) {
    float* data = counted(2 * sizeof(float));
    data[0] = 1.0f;
    data[1] = 2.0f;
    t->name = name;
    t->data = (uint8_t*)data;
    t->dataBytes = 2 * sizeof(float);
    t->dims = dims2(1, 2);
    t->dimsCount = 2;
    t->precision = FP32;
}

int execute(const struct CustomNodeTensor* inputs, int inputsCount, struct CustomNodeTensor** outputs, int* outputsCount, const struct CustomNodeParam* params, int paramsCount, void* customNodeLibraryInternalManager) {
#define LIE(name) lie_is(params, paramsCount, name)
    if (LIE("null_outputs")) {
        *outputsCount = 1;
        return 0;
    }
    struct CustomNodeTensor* out = counted(2 * sizeof(struct CustomNodeTensor));
    *outputs = out;
    if (LIE("zero_count")) {
        *outputsCount = 0;
        return 0;
    }
    /* The first output is always fine; the second carries the lie. */
    good_tensor(&out[0], "good");
    good_tensor(&out[1], "second");
    struct CustomNodeTensor* bad = &out[1];
    if (LIE("null_data")) {
        give_back(bad->data);
        bad->data = NULL;
    } else if (LIE("short_data")) {
        bad->dataBytes = 4;
    } else if (LIE("precision")) {
        bad->precision = (CustomNodeTensorPrecision)42;
    } else if (LIE("unspecified")) {
        bad->precision = UNSPECIFIED;
    } else if (LIE("no_name")) {
        bad->name = NULL;
    } else if (LIE("null_dims")) {
        give_back(bad->dims);
        bad->dims = NULL;
    } else if (LIE("huge_dims_count")) {
        bad->dimsCount = 1000000;
    } else if (LIE("overflow")) {
        bad->dims[0] = (uint64_t)1 << 62;
        bad->dims[1] = 8;
    } else if (LIE("duplicate")) {
        bad->name = "good";
    }
    *outputsCount = 2;
    return 0;
#undef LIE
}

int getInputsInfo(struct CustomNodeTensorInfo** info, int* infoCount, const struct CustomNodeParam* params, int paramsCount, void* customNodeLibraryInternalManager) {
    if (lie_is(params, paramsCount, "info_fail")) {
        return 7;
    }
    if (lie_is(params, paramsCount, "info_null")) {
        *infoCount = 1;
        return 0;
    }
    struct CustomNodeTensorInfo* entries = counted(2 * sizeof(struct CustomNodeTensorInfo));
    *info = entries;
    if (lie_is(params, paramsCount, "info_count")) {
        *infoCount = -1;
        return 0;
    }
    entries[0].name = "in";
    entries[0].dims = dims2(1, 0);
    entries[0].dimsCount = 2;
    entries[0].precision = I64;
    /* No name: skipped (as OVMS does), but its dims still go back. */
    entries[1].name = NULL;
    entries[1].dims = dims2(3, 3);
    entries[1].dimsCount = 2;
    entries[1].precision = FP32;
    if (lie_is(params, paramsCount, "info_null_dims")) {
        give_back(entries[0].dims);
        entries[0].dims = NULL;
    }
    *infoCount = 2;
    return 0;
}

int getOutputsInfo(struct CustomNodeTensorInfo** info, int* infoCount, const struct CustomNodeParam* params, int paramsCount, void* customNodeLibraryInternalManager) {
    struct CustomNodeTensorInfo* entry = counted(sizeof(struct CustomNodeTensorInfo));
    entry->name = "good";
    entry->dims = dims2(1, 2);
    entry->dimsCount = 2;
    entry->precision = (CustomNodeTensorPrecision)42;
    *info = entry;
    *infoCount = 1;
    return 0;
}

#ifndef OMIT_RELEASE
int release(void* ptr, void* customNodeLibraryInternalManager) {
    give_back(ptr);
    return 0;
}
#endif
