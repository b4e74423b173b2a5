/* The custom node library interface of OpenVINO Model Server, as this project loads it.
 *
 * A custom node is a shared library exporting the six functions below with C linkage. The
 * server calls initialize once per pipeline node (with the node's "params"), getInputsInfo and
 * getOutputsInfo to validate the pipeline, execute once per request (possibly from several
 * threads at once), release for every buffer the library handed out (info arrays, their dims,
 * output arrays, output dims and data), and deinitialize when the node goes away.
 * Every function returns 0 on success. The layouts and the precision numbering are OVMS's. */
#ifndef OVMS_SHARED_CUSTOM_NODE_INTERFACE_H
#define OVMS_SHARED_CUSTOM_NODE_INTERFACE_H

#include <stdint.h>

#define CUSTOM_NODE_EXPORT __attribute__((visibility("default")))

typedef enum {
    UNSPECIFIED,
    FP32,
    FP16,
    U8,
    I8,
    I16,
    U16,
    I32,
    FP64,
    I64
} CustomNodeTensorPrecision;

struct CustomNodeTensor {
    const char* name;
    uint8_t* data;
    uint64_t dataBytes;
    uint64_t* dims;
    uint64_t dimsCount;
    CustomNodeTensorPrecision precision;
};

/* A dimension of 0 in an info array means "any size". */
struct CustomNodeTensorInfo {
    const char* name;
    uint64_t* dims;
    uint64_t dimsCount;
    CustomNodeTensorPrecision precision;
};

struct CustomNodeParam {
    const char* key;
    const char* value;
};

#ifdef __cplusplus
extern "C" {
#endif

CUSTOM_NODE_EXPORT int initialize(void** customNodeLibraryInternalManager, const struct CustomNodeParam* params, int paramsCount);
CUSTOM_NODE_EXPORT int deinitialize(void* customNodeLibraryInternalManager);
CUSTOM_NODE_EXPORT int execute(const struct CustomNodeTensor* inputs, int inputsCount, struct CustomNodeTensor** outputs, int* outputsCount, const struct CustomNodeParam* params, int paramsCount, void* customNodeLibraryInternalManager);
CUSTOM_NODE_EXPORT int getInputsInfo(struct CustomNodeTensorInfo** info, int* infoCount, const struct CustomNodeParam* params, int paramsCount, void* customNodeLibraryInternalManager);
CUSTOM_NODE_EXPORT int getOutputsInfo(struct CustomNodeTensorInfo** info, int* infoCount, const struct CustomNodeParam* params, int paramsCount, void* customNodeLibraryInternalManager);
CUSTOM_NODE_EXPORT int release(void* ptr, void* customNodeLibraryInternalManager);

#ifdef __cplusplus
}
#endif

#endif
