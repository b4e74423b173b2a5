/* Request validation at inference time (OVMS's validation order; the C-API equivalents of
 * capi_predict_validation_test.cpp and CAPIInference.Validation / ValidationMalicious*), through
 * OVMS_Inference on real models. */
#include "test_util.h"

#include <limits.h>

static OVMS_Server *server;

/* Runs `servable` v1 with one input and returns the inference code (response freed). */
static uint32_t infer_one(const char *servable, const char *input, OVMS_DataType datatype, const int64_t *shape,
                          size_t dims, const void *data, size_t byte_size, OVMS_BufferType buffer_type,
                          uint32_t device, bool set_data) {
    OVMS_InferenceRequest *request = NULL;
    OVMS_Status *status = OVMS_InferenceRequestNew(&request, server, servable, 1);
    if (status != NULL)
        return 1000 + status_code_of(status);
    status = OVMS_InferenceRequestAddInput(request, input, datatype, shape, dims);
    if (status == NULL && set_data)
        status = OVMS_InferenceRequestInputSetData(request, input, data, byte_size, buffer_type, device);
    if (status != NULL) {
        OVMS_InferenceRequestDelete(request);
        return 1000 + status_code_of(status);
    }
    OVMS_InferenceResponse *response = NULL;
    uint32_t code = status_code_of(OVMS_Inference(server, request, &response));
    if (code != SC_OK && response != NULL)
        code = 2000; /* a response together with an error */
    OVMS_InferenceResponseDelete(response);
    OVMS_InferenceRequestDelete(request);
    return code;
}

static float buffer[4096];

#define EXPECT_INFER(expected, servable, datatype, shape, dims, bytes, buffer_type, device)                    \
    CHECK_EQ_INT(infer_one((servable), "b", (datatype), (shape), (dims), buffer, (bytes), (buffer_type), (device), \
                           true),                                                                              \
                 (expected))

/* Full details of one failing inference (checks the canonical message prefix too). */
static void expect_status(const char *servable, const int64_t *shape, size_t dims, OVMS_DataType datatype,
                          size_t bytes, uint32_t expected, const char *file, int line) {
    OVMS_InferenceRequest *request = NULL;
    if (!tu_expect_ok(OVMS_InferenceRequestNew(&request, server, servable, 1), "RequestNew", file, line))
        return;
    tu_expect_ok(OVMS_InferenceRequestAddInput(request, "b", datatype, shape, dims), "AddInput", file, line);
    tu_expect_ok(OVMS_InferenceRequestInputSetData(request, "b", buffer, bytes, OVMS_BUFFERTYPE_CPU, 0), "SetData",
                 file, line);
    OVMS_InferenceResponse *response = NULL;
    tu_expect_code(OVMS_Inference(server, request, &response), expected, NULL, "OVMS_Inference", file, line);
    tu_check(response == NULL, "no response on error", file, line);
    OVMS_InferenceResponseDelete(response);
    OVMS_InferenceRequestDelete(request);
}
#define EXPECT_STATUS(servable, shape, dims, datatype, bytes, expected) \
    expect_status((servable), (shape), (dims), (datatype), (bytes), (expected), __FILE__, __LINE__)

static void test_valid_request(void) {
    const int64_t shape[2] = {1, 10};
    EXPECT_INFER(SC_OK, "dummy", OVMS_DATATYPE_FP32, shape, 2, 40, OVMS_BUFFERTYPE_CPU, 0);
}

static void test_number_of_inputs(void) {
    const int64_t shape[2] = {1, 10};
    OVMS_InferenceRequest *request = NULL;
    REQUIRE_OK(OVMS_InferenceRequestNew(&request, server, "dummy", 1));
    OVMS_InferenceResponse *response = NULL;
    /* no inputs */
    CHECK_CODE(OVMS_Inference(server, request, &response), SC_INVALID_NO_OF_INPUTS);
    /* too many */
    CHECK_OK(OVMS_InferenceRequestAddInput(request, "b", OVMS_DATATYPE_FP32, shape, 2));
    CHECK_OK(OVMS_InferenceRequestInputSetData(request, "b", buffer, 40, OVMS_BUFFERTYPE_CPU, 0));
    CHECK_OK(OVMS_InferenceRequestAddInput(request, "c", OVMS_DATATYPE_FP32, shape, 2));
    CHECK_OK(OVMS_InferenceRequestInputSetData(request, "c", buffer, 40, OVMS_BUFFERTYPE_CPU, 0));
    CHECK_CODE(OVMS_Inference(server, request, &response), SC_INVALID_NO_OF_INPUTS);
    /* right count, wrong name */
    CHECK_OK(OVMS_InferenceRequestRemoveInput(request, "b"));
    CHECK_CODE(OVMS_Inference(server, request, &response), SC_INVALID_MISSING_INPUT);
    CHECK(response == NULL);
    OVMS_InferenceRequestDelete(request);

    /* two-input model with one right and one wrong name */
    REQUIRE_OK(OVMS_InferenceRequestNew(&request, server, "add", 1));
    CHECK_OK(OVMS_InferenceRequestAddInput(request, "input1", OVMS_DATATYPE_FP32, shape, 2));
    CHECK_OK(OVMS_InferenceRequestInputSetData(request, "input1", buffer, 40, OVMS_BUFFERTYPE_CPU, 0));
    CHECK_OK(OVMS_InferenceRequestAddInput(request, "input3", OVMS_DATATYPE_FP32, shape, 2));
    CHECK_OK(OVMS_InferenceRequestInputSetData(request, "input3", buffer, 40, OVMS_BUFFERTYPE_CPU, 0));
    CHECK_CODE(OVMS_Inference(server, request, &response), SC_INVALID_MISSING_INPUT);
    OVMS_InferenceRequestDelete(request);
}

/* CAPIInference.Validation and RequestWrongPrecision: no implicit conversion. */
static void test_precision(void) {
    const int64_t shape[2] = {1, 10};
    EXPECT_STATUS("dummy", shape, 2, OVMS_DATATYPE_BIN, 40, SC_INVALID_PRECISION);
    EXPECT_STATUS("dummy", shape, 2, OVMS_DATATYPE_FP16, 20, SC_INVALID_PRECISION);
    EXPECT_STATUS("dummy", shape, 2, OVMS_DATATYPE_FP64, 80, SC_INVALID_PRECISION);
    EXPECT_STATUS("dummy", shape, 2, OVMS_DATATYPE_I32, 40, SC_INVALID_PRECISION);
    EXPECT_STATUS("dummy", shape, 2, OVMS_DATATYPE_Q78, 20, SC_INVALID_PRECISION);
    EXPECT_STATUS("dummy", shape, 2, OVMS_DATATYPE_UNDEFINED, 40, SC_INVALID_PRECISION);
    EXPECT_STATUS("dummy", shape, 2, (OVMS_DataType)77, 40, SC_INVALID_PRECISION);
    /* U8 model fed FP32 */
    const int64_t pshape[2] = {2, 5};
    CHECK_EQ_INT(infer_one("passthrough", "input", OVMS_DATATYPE_FP32, pshape, 2, buffer, 40, OVMS_BUFFERTYPE_CPU, 0,
                           true),
                 SC_INVALID_PRECISION);
}

static void test_rank(void) {
    const int64_t one[1] = {10};
    const int64_t three[3] = {1, 10, 1};
    EXPECT_STATUS("dummy", one, 1, OVMS_DATATYPE_FP32, 40, SC_INVALID_NO_OF_SHAPE_DIMENSIONS);
    EXPECT_STATUS("dummy", three, 3, OVMS_DATATYPE_FP32, 40, SC_INVALID_NO_OF_SHAPE_DIMENSIONS);
    EXPECT_STATUS("dummy", NULL, 0, OVMS_DATATYPE_FP32, 4, SC_INVALID_NO_OF_SHAPE_DIMENSIONS);
    EXPECT_STATUS("dummy_full", three, 3, OVMS_DATATYPE_FP32, 40, SC_INVALID_NO_OF_SHAPE_DIMENSIONS);
}

static void test_batch_and_shape(void) {
    const int64_t batch2[2] = {2, 10};
    const int64_t batch0[2] = {0, 10};
    const int64_t wrong[2] = {1, 9};
    const int64_t wider[2] = {1, 11};
    EXPECT_STATUS("dummy", batch2, 2, OVMS_DATATYPE_FP32, 80, SC_INVALID_BATCH_SIZE);
    EXPECT_STATUS("dummy", batch0, 2, OVMS_DATATYPE_FP32, 0, SC_INVALID_BATCH_SIZE);
    EXPECT_STATUS("dummy", wrong, 2, OVMS_DATATYPE_FP32, 36, SC_INVALID_SHAPE);
    EXPECT_STATUS("dummy", wider, 2, OVMS_DATATYPE_FP32, 44, SC_INVALID_SHAPE);
    /* negative dimensions: INVALID_SHAPE, wherever they are */
    const int64_t negative_batch[2] = {-1, 10};
    const int64_t negative_dim[2] = {1, -10};
    EXPECT_STATUS("dummy", negative_batch, 2, OVMS_DATATYPE_FP32, 40, SC_INVALID_SHAPE);
    EXPECT_STATUS("dummy", negative_dim, 2, OVMS_DATATYPE_FP32, 40, SC_INVALID_SHAPE);
    EXPECT_STATUS("dummy_full", negative_dim, 2, OVMS_DATATYPE_FP32, 40, SC_INVALID_SHAPE);
    /* negative dims come before the precision check */
    EXPECT_STATUS("dummy", negative_dim, 2, OVMS_DATATYPE_I8, 10, SC_INVALID_SHAPE);
    /* ranges: (1,1:10) */
    const int64_t in_range[2] = {1, 1};
    const int64_t above[2] = {1, 11};
    const int64_t below[2] = {1, 0};
    const int64_t range_batch[2] = {2, 5};
    CHECK_EQ_INT(infer_one("dummy_range", "b", OVMS_DATATYPE_FP32, in_range, 2, buffer, 4, OVMS_BUFFERTYPE_CPU, 0,
                           true),
                 SC_OK);
    EXPECT_STATUS("dummy_range", above, 2, OVMS_DATATYPE_FP32, 44, SC_INVALID_SHAPE);
    EXPECT_STATUS("dummy_range", below, 2, OVMS_DATATYPE_FP32, 0, SC_INVALID_SHAPE);
    EXPECT_STATUS("dummy_range", range_batch, 2, OVMS_DATATYPE_FP32, 40, SC_INVALID_BATCH_SIZE);
    /* (-1,1:10): any batch, the second dim in range */
    const int64_t big_batch[2] = {7, 10};
    CHECK_EQ_INT(infer_one("dummy_dynamic", "b", OVMS_DATATYPE_FP32, big_batch, 2, buffer, 280, OVMS_BUFFERTYPE_CPU,
                           0, true),
                 SC_OK);
    EXPECT_STATUS("dummy_dynamic", above, 2, OVMS_DATATYPE_FP32, 44, SC_INVALID_SHAPE);
    /* [-1,10] model */
    const int64_t dyn_wrong[2] = {3, 9};
    EXPECT_STATUS("dummy_dyn", dyn_wrong, 2, OVMS_DATATYPE_FP32, 108, SC_INVALID_SHAPE);
    /* 4-D model: the first non-batch mismatch */
    const int64_t inc_wrong[4] = {1, 3, 5, 4};
    CHECK_EQ_INT(infer_one("increment", "input", OVMS_DATATYPE_FP32, inc_wrong, 4, buffer, 240, OVMS_BUFFERTYPE_CPU, 0,
                           true),
                 SC_INVALID_SHAPE);
}

static void test_missing_buffer(void) {
    const int64_t shape[2] = {1, 10};
    CHECK_EQ_INT(infer_one("dummy", "b", OVMS_DATATYPE_FP32, shape, 2, NULL, 0, OVMS_BUFFERTYPE_CPU, 0, false),
                 SC_NONEXISTENT_BUFFER);
}

static void test_content_size(void) {
    const int64_t shape[2] = {1, 10};
    EXPECT_STATUS("dummy", shape, 2, OVMS_DATATYPE_FP32, 36, SC_INVALID_CONTENT_SIZE);
    EXPECT_STATUS("dummy", shape, 2, OVMS_DATATYPE_FP32, 44, SC_INVALID_CONTENT_SIZE);
    EXPECT_STATUS("dummy", shape, 2, OVMS_DATATYPE_FP32, 0, SC_INVALID_CONTENT_SIZE);
    EXPECT_STATUS("dummy", shape, 2, OVMS_DATATYPE_FP32, 10, SC_INVALID_CONTENT_SIZE);
    /* dynamic model: the byte size must match the request's shape */
    const int64_t dyn[2] = {3, 10};
    EXPECT_STATUS("dummy_dyn", dyn, 2, OVMS_DATATYPE_FP32, 40, SC_INVALID_CONTENT_SIZE);
    EXPECT_STATUS("dummy_range", shape, 2, OVMS_DATATYPE_FP32, 20, SC_INVALID_CONTENT_SIZE);
    /* scalar: one element */
    CHECK_EQ_INT(infer_one("scalar", "model_scalar_input", OVMS_DATATYPE_FP32, NULL, 0, buffer, 8, OVMS_BUFFERTYPE_CPU,
                           0, true),
                 SC_INVALID_CONTENT_SIZE);
    CHECK_EQ_INT(infer_one("scalar", "model_scalar_input", OVMS_DATATYPE_FP32, NULL, 0, buffer, 0, OVMS_BUFFERTYPE_CPU,
                           0, true),
                 SC_INVALID_CONTENT_SIZE);
}

static void test_buffer_type_and_device(void) {
    const int64_t shape[2] = {1, 10};
    EXPECT_INFER(SC_INVALID_BUFFER_TYPE, "dummy", OVMS_DATATYPE_FP32, shape, 2, 40, (OVMS_BufferType)999, 0);
    EXPECT_INFER(SC_INVALID_BUFFER_TYPE, "dummy", OVMS_DATATYPE_FP32, shape, 2, 40, (OVMS_BufferType)-22, 0);
    EXPECT_INFER(SC_INVALID_BUFFER_TYPE, "dummy", OVMS_DATATYPE_FP32, shape, 2, 40, OVMS_BUFFERTYPE_GPU, 0);
    EXPECT_INFER(SC_INVALID_BUFFER_TYPE, "dummy", OVMS_DATATYPE_FP32, shape, 2, 40, OVMS_BUFFERTYPE_CPU_PINNED, 0);
    EXPECT_INFER(SC_INVALID_BUFFER_TYPE, "dummy", OVMS_DATATYPE_FP32, shape, 2, 40, OVMS_BUFFERTYPE_HDDL, 0);
    /* OpenCL and VA buffers are C++ objects in OVMS: refused by this library */
    EXPECT_INFER(SC_INVALID_BUFFER_TYPE, "dummy", OVMS_DATATYPE_FP32, shape, 2, 40, OVMS_BUFFERTYPE_OPENCL, 0);
    EXPECT_INFER(SC_INVALID_BUFFER_TYPE, "dummy", OVMS_DATATYPE_FP32, shape, 2, 40, OVMS_BUFFERTYPE_VASURFACE_Y, 0);
    /* CPU with a device id */
    EXPECT_INFER(SC_INVALID_DEVICE_ID, "dummy", OVMS_DATATYPE_FP32, shape, 2, 40, OVMS_BUFFERTYPE_CPU, 1);
    EXPECT_INFER(SC_INVALID_DEVICE_ID, "dummy", OVMS_DATATYPE_FP32, shape, 2, 40, OVMS_BUFFERTYPE_CPU, 12345);
    /* full details for one of them */
    OVMS_InferenceRequest *request = NULL;
    REQUIRE_OK(OVMS_InferenceRequestNew(&request, server, "dummy", 1));
    CHECK_OK(OVMS_InferenceRequestAddInput(request, "b", OVMS_DATATYPE_FP32, shape, 2));
    CHECK_OK(OVMS_InferenceRequestInputSetData(request, "b", buffer, 40, (OVMS_BufferType)999, 0));
    OVMS_InferenceResponse *response = NULL;
    CHECK_CODE(OVMS_Inference(server, request, &response), SC_INVALID_BUFFER_TYPE);
    CHECK_OK(OVMS_InferenceRequestInputRemoveData(request, "b"));
    CHECK_OK(OVMS_InferenceRequestInputSetData(request, "b", buffer, 40, OVMS_BUFFERTYPE_CPU, 1));
    CHECK_CODE(OVMS_Inference(server, request, &response), SC_INVALID_DEVICE_ID);
    /* and it still works when fixed */
    CHECK_OK(OVMS_InferenceRequestInputRemoveData(request, "b"));
    CHECK_OK(OVMS_InferenceRequestInputSetData(request, "b", buffer, 40, OVMS_BUFFERTYPE_CPU, 0));
    CHECK_OK(OVMS_Inference(server, request, &response));
    OVMS_InferenceResponseDelete(response);
    OVMS_InferenceRequestDelete(request);
}

/* CAPIInference.ValidationMaliciousTensorStaticShapeModel / DynamicShapeModel: a shape whose
 * element count overflows size_t (and wraps to a small number matching the buffer). */
static void test_malicious_overflowing_shapes(void) {
    const int64_t shape[2] = {(int64_t)(SIZE_MAX / 5 + 2), 5};
    size_t wrapped = (size_t)shape[0] * (size_t)shape[1]; /* wraps around */
    REQUIRE(wrapped * sizeof(float) <= sizeof buffer);
    EXPECT_STATUS("dummy", shape, 2, OVMS_DATATYPE_FP32, wrapped * sizeof(float), SC_INVALID_BATCH_SIZE);
    EXPECT_STATUS("dummy_full", shape, 2, OVMS_DATATYPE_FP32, wrapped * sizeof(float), SC_INVALID_SHAPE);
    /* huge dims on a fully dynamic model, and byte-size overflow through the element size */
    const int64_t huge[2] = {INT64_MAX, INT64_MAX};
    EXPECT_STATUS("dummy_full", huge, 2, OVMS_DATATYPE_FP32, 40, SC_INVALID_SHAPE);
    const int64_t by_element[2] = {(int64_t)(SIZE_MAX / 4 / 2 + 1), 2};
    EXPECT_STATUS("dummy_full", by_element, 2, OVMS_DATATYPE_FP32, 0, SC_INVALID_SHAPE);
    /* the same on a model that is dynamic by itself (U8 [-1,-1], no reshape involved) */
    CHECK_EQ_INT(infer_one("passthrough", "input", OVMS_DATATYPE_U8, shape, 2, buffer, wrapped, OVMS_BUFFERTYPE_CPU, 0,
                           true),
                 SC_INVALID_SHAPE);
    CHECK_EQ_INT(infer_one("passthrough", "input", OVMS_DATATYPE_U8, huge, 2, buffer, 40, OVMS_BUFFERTYPE_CPU, 0, true),
                 SC_INVALID_SHAPE);
    const int64_t dyn_batch[2] = {(int64_t)(SIZE_MAX / 10 + 1), 10};
    CHECK_EQ_INT(infer_one("dummy_dyn", "b", OVMS_DATATYPE_FP32, dyn_batch, 2, buffer, 40, OVMS_BUFFERTYPE_CPU, 0, true),
                 SC_INVALID_SHAPE);
}

/* Validation order: inputs are checked in name order, first error wins. */
static void test_validation_order(void) {
    const int64_t shape[2] = {1, 10};
    const int64_t bad_shape[2] = {1, 3};
    OVMS_InferenceRequest *request = NULL;
    REQUIRE_OK(OVMS_InferenceRequestNew(&request, server, "add", 1));
    /* input1 has the wrong precision, input2 the wrong shape: input1 is reported */
    CHECK_OK(OVMS_InferenceRequestAddInput(request, "input2", OVMS_DATATYPE_FP32, bad_shape, 2));
    CHECK_OK(OVMS_InferenceRequestInputSetData(request, "input2", buffer, 12, OVMS_BUFFERTYPE_CPU, 0));
    CHECK_OK(OVMS_InferenceRequestAddInput(request, "input1", OVMS_DATATYPE_I32, shape, 2));
    CHECK_OK(OVMS_InferenceRequestInputSetData(request, "input1", buffer, 40, OVMS_BUFFERTYPE_CPU, 0));
    OVMS_InferenceResponse *response = NULL;
    CHECK_CODE(OVMS_Inference(server, request, &response), SC_INVALID_PRECISION);
    /* precision before rank before shape before buffer checks, within one input */
    CHECK_OK(OVMS_InferenceRequestRemoveInput(request, "input1"));
    CHECK_OK(OVMS_InferenceRequestAddInput(request, "input1", OVMS_DATATYPE_FP32, shape, 2));
    CHECK_OK(OVMS_InferenceRequestInputSetData(request, "input1", buffer, 40, OVMS_BUFFERTYPE_CPU, 0));
    CHECK_CODE(OVMS_Inference(server, request, &response), SC_INVALID_SHAPE);
    CHECK_OK(OVMS_InferenceRequestRemoveInput(request, "input2"));
    CHECK_OK(OVMS_InferenceRequestAddInput(request, "input2", OVMS_DATATYPE_FP32, shape, 2));
    CHECK_OK(OVMS_InferenceRequestInputSetData(request, "input2", buffer, 3, (OVMS_BufferType)999, 5));
    CHECK_CODE(OVMS_Inference(server, request, &response), SC_INVALID_CONTENT_SIZE);
    CHECK_OK(OVMS_InferenceRequestInputRemoveData(request, "input2"));
    CHECK_OK(OVMS_InferenceRequestInputSetData(request, "input2", buffer, 40, (OVMS_BufferType)999, 5));
    CHECK_CODE(OVMS_Inference(server, request, &response), SC_INVALID_BUFFER_TYPE);
    CHECK(response == NULL);
    OVMS_InferenceRequestDelete(request);
}

/* ---- preallocated outputs ---- */
static uint32_t infer_with_output(OVMS_DataType datatype, const int64_t *shape, size_t dims, void *data, size_t bytes,
                                  OVMS_BufferType buffer_type, uint32_t device, bool set_data) {
    float input[10] = {0};
    OVMS_InferenceRequest *request = make_dummy_request(server, "dummy", 1, input);
    if (request == NULL)
        return 3000;
    uint32_t code = status_code_of(OVMS_InferenceRequestAddOutput(request, "a", datatype, shape, dims));
    if (code == SC_OK && set_data)
        code = status_code_of(OVMS_InferenceRequestOutputSetData(request, "a", data, bytes, buffer_type, device));
    if (code != SC_OK) {
        OVMS_InferenceRequestDelete(request);
        return 1000 + code;
    }
    OVMS_InferenceResponse *response = NULL;
    code = status_code_of(OVMS_Inference(server, request, &response));
    OVMS_InferenceResponseDelete(response);
    OVMS_InferenceRequestDelete(request);
    return code;
}

static void test_preallocated_output_validation(void) {
    float out[20];
    const int64_t shape[2] = {1, 10};
    const int64_t small[2] = {1, 9};
    const int64_t batch2[2] = {2, 10};
    const int64_t rank1[1] = {10};
    CHECK_EQ_INT(infer_with_output(OVMS_DATATYPE_FP32, shape, 2, out, 40, OVMS_BUFFERTYPE_CPU, 0, true), SC_OK);
    CHECK_EQ_INT(infer_with_output(OVMS_DATATYPE_FP32, shape, 2, out, 36, OVMS_BUFFERTYPE_CPU, 0, true),
                 SC_INVALID_CONTENT_SIZE);
    CHECK_EQ_INT(infer_with_output(OVMS_DATATYPE_FP32, shape, 2, out, 80, OVMS_BUFFERTYPE_CPU, 0, true),
                 SC_INVALID_CONTENT_SIZE);
    CHECK_EQ_INT(infer_with_output(OVMS_DATATYPE_FP32, small, 2, out, 36, OVMS_BUFFERTYPE_CPU, 0, true),
                 SC_INVALID_SHAPE);
    CHECK_EQ_INT(infer_with_output(OVMS_DATATYPE_FP32, batch2, 2, out, 80, OVMS_BUFFERTYPE_CPU, 0, true),
                 SC_INVALID_BATCH_SIZE);
    CHECK_EQ_INT(infer_with_output(OVMS_DATATYPE_FP32, rank1, 1, out, 40, OVMS_BUFFERTYPE_CPU, 0, true),
                 SC_INVALID_NO_OF_SHAPE_DIMENSIONS);
    CHECK_EQ_INT(infer_with_output(OVMS_DATATYPE_FP16, shape, 2, out, 20, OVMS_BUFFERTYPE_CPU, 0, true),
                 SC_INVALID_PRECISION);
    CHECK_EQ_INT(infer_with_output(OVMS_DATATYPE_I32, shape, 2, out, 40, OVMS_BUFFERTYPE_CPU, 0, true),
                 SC_INVALID_PRECISION);
    CHECK_EQ_INT(infer_with_output(OVMS_DATATYPE_FP32, shape, 2, out, 40, OVMS_BUFFERTYPE_CPU, 0, false),
                 SC_NONEXISTENT_BUFFER);
    CHECK_EQ_INT(infer_with_output(OVMS_DATATYPE_FP32, shape, 2, out, 40, (OVMS_BufferType)999, 0, true),
                 SC_INVALID_BUFFER_TYPE);
    CHECK_EQ_INT(infer_with_output(OVMS_DATATYPE_FP32, shape, 2, out, 40, OVMS_BUFFERTYPE_GPU, 0, true),
                 SC_INVALID_BUFFER_TYPE);
    CHECK_EQ_INT(infer_with_output(OVMS_DATATYPE_FP32, shape, 2, out, 40, OVMS_BUFFERTYPE_CPU, 3, true),
                 SC_INVALID_DEVICE_ID);

    /* details of the output errors name the output */
    float input[10] = {0};
    OVMS_InferenceRequest *request = make_dummy_request(server, "dummy", 1, input);
    REQUIRE(request != NULL);
    CHECK_OK(OVMS_InferenceRequestAddOutput(request, "a", OVMS_DATATYPE_FP32, shape, 2));
    OVMS_InferenceResponse *response = NULL;
    CHECK_CODE(OVMS_Inference(server, request, &response), SC_NONEXISTENT_BUFFER);
    CHECK_OK(OVMS_InferenceRequestOutputSetData(request, "a", out, 36, OVMS_BUFFERTYPE_CPU, 0));
    CHECK_CODE(OVMS_Inference(server, request, &response), SC_INVALID_CONTENT_SIZE);
    CHECK(response == NULL);
    OVMS_InferenceRequestDelete(request);
}

int main(void) {
    for (size_t i = 0; i < sizeof buffer / sizeof buffer[0]; i++)
        buffer[i] = (float)(i % 17);
    server = start_server("config_all.json");
    if (server == NULL)
        return test_summary() | 1;
    RUN_TEST(test_valid_request);
    RUN_TEST(test_number_of_inputs);
    RUN_TEST(test_precision);
    RUN_TEST(test_rank);
    RUN_TEST(test_batch_and_shape);
    RUN_TEST(test_missing_buffer);
    RUN_TEST(test_content_size);
    RUN_TEST(test_buffer_type_and_device);
    RUN_TEST(test_malicious_overflowing_shapes);
    RUN_TEST(test_validation_order);
    RUN_TEST(test_preallocated_output_validation);
    stop_server();
    return test_summary();
}
