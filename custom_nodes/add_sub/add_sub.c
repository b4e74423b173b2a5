/* add_sub: element-wise output_numbers = input_numbers * multiply + add, FP32, any shape.
 *
 * params: "multiply" (default 1), "add" (default 0), "fail" ("1": execute returns 1, for tests
 * of a failing node), "fail_initialize" ("1": initialize returns 1), "rank" (2..8: the inputs and
 * outputs info declare that many dimensions of any size instead of [1, 0], e.g. 3 for a node
 * that gathers [N, 1, X] shards). */
#include <stdlib.h>
#include <string.h>

#include "../custom_node_interface.h"

#define INPUT_NAME "input_numbers"
#define OUTPUT_NAME "output_numbers"

/* Counts executions; exists so that deinitialize has something to free. */
struct add_sub_state {
    uint64_t executions;
};

static const char* param(const struct CustomNodeParam* params, int paramsCount, const char* key) {
    for (int i = 0; i < paramsCount; i++) {
        if (params[i].key != NULL && strcmp(params[i].key, key) == 0) {
            return params[i].value;
        }
    }
    return NULL;
}

static float float_param(const struct CustomNodeParam* params, int paramsCount, const char* key, float fallback) {
    const char* value = param(params, paramsCount, key);
    return value != NULL ? strtof(value, NULL) : fallback;
}

static int flag_param(const struct CustomNodeParam* params, int paramsCount, const char* key) {
    const char* value = param(params, paramsCount, key);
    return value != NULL && strcmp(value, "1") == 0;
}

int initialize(void** customNodeLibraryInternalManager, const struct CustomNodeParam* params, int paramsCount) {
    if (flag_param(params, paramsCount, "fail_initialize")) {
        return 1;
    }
    struct add_sub_state* state = calloc(1, sizeof(*state));
    if (state == NULL) {
        return 2;
    }
    *customNodeLibraryInternalManager = state;
    return 0;
}

int deinitialize(void* customNodeLibraryInternalManager) {
    free(customNodeLibraryInternalManager);
    return 0;
}

int execute(const struct CustomNodeTensor* inputs, int inputsCount, struct CustomNodeTensor** outputs, int* outputsCount, const struct CustomNodeParam* params, int paramsCount, void* customNodeLibraryInternalManager) {
    if (flag_param(params, paramsCount, "fail")) {
        return 1;
    }
    if (inputsCount != 1 || strcmp(inputs[0].name, INPUT_NAME) != 0) {
        return 2;
    }
    const struct CustomNodeTensor* input = &inputs[0];
    if (input->precision != FP32) {
        return 3;
    }
    uint64_t elements = 1;
    for (uint64_t i = 0; i < input->dimsCount; i++) {
        elements *= input->dims[i];
    }
    if (elements * sizeof(float) != input->dataBytes) {
        return 4;
    }
    float multiply = float_param(params, paramsCount, "multiply", 1.0f);
    float add = float_param(params, paramsCount, "add", 0.0f);

    struct CustomNodeTensor* output = malloc(sizeof(*output));
    /* malloc(0) may return NULL: allocate at least one byte so that data is never NULL. */
    float* data = malloc(input->dataBytes > 0 ? input->dataBytes : 1);
    uint64_t* dims = malloc((input->dimsCount > 0 ? input->dimsCount : 1) * sizeof(uint64_t));
    if (output == NULL || data == NULL || dims == NULL) {
        free(output);
        free(data);
        free(dims);
        return 5;
    }
    const float* in = (const float*)input->data;
    for (uint64_t i = 0; i < elements; i++) {
        data[i] = in[i] * multiply + add;
    }
    memcpy(dims, input->dims, input->dimsCount * sizeof(uint64_t));
    output->name = OUTPUT_NAME;
    output->data = (uint8_t*)data;
    output->dataBytes = input->dataBytes;
    output->dims = dims;
    output->dimsCount = input->dimsCount;
    output->precision = FP32;
    *outputs = output;
    *outputsCount = 1;
    if (customNodeLibraryInternalManager != NULL) {
        ((struct add_sub_state*)customNodeLibraryInternalManager)->executions++;
    }
    return 0;
}

/* [1, 0]: one row of any length, as OVMS's own add_sub test node declares; with "rank" R,
 * R dimensions of any size. */
static int one_info(struct CustomNodeTensorInfo** info, int* infoCount, const char* name,
                    const struct CustomNodeParam* params, int paramsCount) {
    const char* rank_text = param(params, paramsCount, "rank");
    long rank = rank_text != NULL ? strtol(rank_text, NULL, 10) : 0;
    int any_rank = rank >= 2 && rank <= 8;
    uint64_t count = any_rank ? (uint64_t)rank : 2;
    struct CustomNodeTensorInfo* entry = malloc(sizeof(*entry));
    uint64_t* dims = calloc(count, sizeof(uint64_t));
    if (entry == NULL || dims == NULL) {
        free(entry);
        free(dims);
        return 1;
    }
    if (!any_rank) {
        dims[0] = 1;
    }
    entry->name = name;
    entry->dims = dims;
    entry->dimsCount = count;
    entry->precision = FP32;
    *info = entry;
    *infoCount = 1;
    return 0;
}

int getInputsInfo(struct CustomNodeTensorInfo** info, int* infoCount, const struct CustomNodeParam* params, int paramsCount, void* customNodeLibraryInternalManager) {
    return one_info(info, infoCount, INPUT_NAME, params, paramsCount);
}

int getOutputsInfo(struct CustomNodeTensorInfo** info, int* infoCount, const struct CustomNodeParam* params, int paramsCount, void* customNodeLibraryInternalManager) {
    return one_info(info, infoCount, OUTPUT_NAME, params, paramsCount);
}

int release(void* ptr, void* customNodeLibraryInternalManager) {
    free(ptr);
    return 0;
}
