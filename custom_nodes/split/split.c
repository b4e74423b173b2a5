/* split: a demultiplexer. Input "input_numbers" [1, N, d...] (FP32) becomes output
 * "split_results" [N, 1, d...]: with demultiply_count N (or -1/0, dynamic) on the node, each of
 * the N shards is one [1, d...] row of the input. The values are copied unchanged.
 *
 * params: "fail" ("1": execute returns 1, for tests of a failing node), "rank" (3..8: declare
 * inputs and outputs of that many dimensions instead of 3, for a split whose shards another
 * split demultiplies again). */
#include <stdlib.h>
#include <string.h>

#include "../custom_node_interface.h"

#define INPUT_NAME "input_numbers"
#define OUTPUT_NAME "split_results"

int initialize(void** customNodeLibraryInternalManager, const struct CustomNodeParam* params, int paramsCount) {
    return 0;
}

int deinitialize(void* customNodeLibraryInternalManager) {
    return 0;
}

static int failing(const struct CustomNodeParam* params, int paramsCount) {
    for (int i = 0; i < paramsCount; i++) {
        if (params[i].key != NULL && strcmp(params[i].key, "fail") == 0 && params[i].value != NULL &&
            strcmp(params[i].value, "1") == 0) {
            return 1;
        }
    }
    return 0;
}

int execute(const struct CustomNodeTensor* inputs, int inputsCount, struct CustomNodeTensor** outputs, int* outputsCount, const struct CustomNodeParam* params, int paramsCount, void* customNodeLibraryInternalManager) {
    if (failing(params, paramsCount)) {
        return 1;
    }
    if (inputsCount != 1 || strcmp(inputs[0].name, INPUT_NAME) != 0) {
        return 2;
    }
    const struct CustomNodeTensor* input = &inputs[0];
    if (input->precision != FP32 || input->dimsCount < 2 || input->dims[0] != 1) {
        return 3;
    }
    uint64_t elements = 1;
    for (uint64_t i = 0; i < input->dimsCount; i++) {
        elements *= input->dims[i];
    }
    if (elements * sizeof(float) != input->dataBytes) {
        return 4;
    }

    struct CustomNodeTensor* output = malloc(sizeof(*output));
    uint8_t* data = malloc(input->dataBytes > 0 ? input->dataBytes : 1);
    uint64_t* dims = malloc(input->dimsCount * sizeof(uint64_t));
    if (output == NULL || data == NULL || dims == NULL) {
        free(output);
        free(data);
        free(dims);
        return 5;
    }
    /* [1, N, d...] and [N, 1, d...] have the same row-major layout. */
    memcpy(data, input->data, input->dataBytes);
    memcpy(dims, input->dims, input->dimsCount * sizeof(uint64_t));
    dims[0] = input->dims[1];
    dims[1] = 1;
    output->name = OUTPUT_NAME;
    output->data = data;
    output->dataBytes = input->dataBytes;
    output->dims = dims;
    output->dimsCount = input->dimsCount;
    output->precision = FP32;
    *outputs = output;
    *outputsCount = 1;
    return 0;
}

/* The declared rank: "rank" when it is 3..8, else 3. */
static uint64_t rank_of(const struct CustomNodeParam* params, int paramsCount) {
    for (int i = 0; i < paramsCount; i++) {
        if (params[i].key != NULL && strcmp(params[i].key, "rank") == 0 && params[i].value != NULL) {
            long rank = strtol(params[i].value, NULL, 10);
            if (rank >= 3 && rank <= 8) {
                return (uint64_t)rank;
            }
        }
    }
    return 3;
}

/* One tensor of `rank` dimensions, any size (0) but dimension `one_at`, which is 1. */
static int one_info(struct CustomNodeTensorInfo** info, int* infoCount, const char* name, uint64_t rank, uint64_t one_at) {
    struct CustomNodeTensorInfo* entry = malloc(sizeof(*entry));
    uint64_t* dims = calloc(rank, sizeof(uint64_t));
    if (entry == NULL || dims == NULL) {
        free(entry);
        free(dims);
        return 1;
    }
    dims[one_at] = 1;
    entry->name = name;
    entry->dims = dims;
    entry->dimsCount = rank;
    entry->precision = FP32;
    *info = entry;
    *infoCount = 1;
    return 0;
}

/* 0 is "any size": [1, N, X...] in, [N, 1, X...] out. */
int getInputsInfo(struct CustomNodeTensorInfo** info, int* infoCount, const struct CustomNodeParam* params, int paramsCount, void* customNodeLibraryInternalManager) {
    return one_info(info, infoCount, INPUT_NAME, rank_of(params, paramsCount), 0);
}

int getOutputsInfo(struct CustomNodeTensorInfo** info, int* infoCount, const struct CustomNodeParam* params, int paramsCount, void* customNodeLibraryInternalManager) {
    return one_info(info, infoCount, OUTPUT_NAME, rank_of(params, paramsCount), 1);
}

int release(void* ptr, void* customNodeLibraryInternalManager) {
    free(ptr);
    return 0;
}
