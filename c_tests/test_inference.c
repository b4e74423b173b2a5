/* Synchronous inference (tests CAPIInference.Basic, ReuseInputRemoveAndAddData,
 * ReuseRequestRemoveAndAddInput, Scalar, NegativeInference (servable lookup), the response
 * accessors, preallocated outputs and output restore (SyncWithoutCallbackDummyCheckResetOutputCPU),
 * the sync-with-callback behaviour (SyncWithCallbackDummy), version policies, several models. */
#include "test_util.h"

#include <pthread.h>

static OVMS_Server *server;

/* CAPIInference.Basic */
static void test_basic_dummy(void) {
    float input[10] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
    OVMS_InferenceRequest *request = NULL;
    REQUIRE_OK(OVMS_InferenceRequestNew(&request, server, "dummy", 1));
    uint64_t sequence_id = 1;
    CHECK_OK(OVMS_InferenceRequestAddParameter(request, "sequence_id", OVMS_DATATYPE_U64, &sequence_id, 8));
    CHECK_CODE(OVMS_InferenceRequestAddParameter(request, "sequence_id", OVMS_DATATYPE_U64, &sequence_id, 8),
               SC_DOUBLE_PARAMETER_INSERT);
    CHECK_OK(OVMS_InferenceRequestAddInput(request, "b", OVMS_DATATYPE_FP32, DUMMY_SHAPE, 2));
    CHECK_OK(OVMS_InferenceRequestInputSetData(request, "b", input, sizeof input, OVMS_BUFFERTYPE_CPU, 0));

    OVMS_InferenceResponse *response = NULL;
    REQUIRE_OK(OVMS_Inference(server, request, &response));
    REQUIRE(response != NULL);
    uint32_t count = 99;
    CHECK_OK(OVMS_InferenceResponseOutputCount(response, &count));
    CHECK_EQ_INT(count, 1);
    count = 99;
    CHECK_OK(OVMS_InferenceResponseParameterCount(response, &count));
    CHECK_EQ_INT(count, 0);

    const char *name = NULL;
    OVMS_DataType datatype = OVMS_DATATYPE_UNDEFINED;
    const int64_t *shape = NULL;
    size_t dims = 0;
    const void *data = NULL;
    size_t byte_size = 0;
    OVMS_BufferType buffer_type = OVMS_BUFFERTYPE_HDDL;
    uint32_t device = 42;
    CHECK_OK(OVMS_InferenceResponseOutput(response, 0, &name, &datatype, &shape, &dims, &data, &byte_size,
                                          &buffer_type, &device));
    CHECK_EQ_STR(name, "a");
    CHECK_EQ_INT(datatype, OVMS_DATATYPE_FP32);
    CHECK_EQ_INT(dims, 2);
    REQUIRE(shape != NULL && data != NULL);
    CHECK_EQ_INT(shape[0], 1);
    CHECK_EQ_INT(shape[1], 10);
    CHECK_EQ_INT(byte_size, 40);
    CHECK_EQ_INT(buffer_type, OVMS_BUFFERTYPE_CPU);
    CHECK_EQ_INT(device, 0);
    CHECK(data != (const void *)input); /* a copy owned by the response */
    for (int i = 0; i < 10; i++)
        CHECK_NEAR(((const float *)data)[i], input[i] + 1.0f);

    /* the response's accessors: NULL matrix, out-of-range ids */
    CHECK_NULLPTR(OVMS_InferenceResponseOutputCount(response, NULL), "output count");
    CHECK_NULLPTR(OVMS_InferenceResponseParameterCount(response, NULL), "parameter count");
    CHECK_NULLPTR(OVMS_InferenceResponseOutput(NULL, 0, &name, &datatype, &shape, &dims, &data, &byte_size,
                                               &buffer_type, &device),
                  "inference response");
    CHECK_NULLPTR(OVMS_InferenceResponseOutput(response, 0, NULL, &datatype, &shape, &dims, &data, &byte_size,
                                               &buffer_type, &device),
                  "output name");
    CHECK_NULLPTR(OVMS_InferenceResponseOutput(response, 0, &name, NULL, &shape, &dims, &data, &byte_size,
                                               &buffer_type, &device),
                  "data type");
    CHECK_NULLPTR(OVMS_InferenceResponseOutput(response, 0, &name, &datatype, NULL, &dims, &data, &byte_size,
                                               &buffer_type, &device),
                  "shape");
    CHECK_NULLPTR(OVMS_InferenceResponseOutput(response, 0, &name, &datatype, &shape, NULL, &data, &byte_size,
                                               &buffer_type, &device),
                  "dimension count");
    CHECK_NULLPTR(OVMS_InferenceResponseOutput(response, 0, &name, &datatype, &shape, &dims, NULL, &byte_size,
                                               &buffer_type, &device),
                  "data");
    CHECK_NULLPTR(OVMS_InferenceResponseOutput(response, 0, &name, &datatype, &shape, &dims, &data, NULL,
                                               &buffer_type, &device),
                  "byte size");
    CHECK_NULLPTR(OVMS_InferenceResponseOutput(response, 0, &name, &datatype, &shape, &dims, &data, &byte_size,
                                               NULL, &device),
                  "buffer type");
    CHECK_NULLPTR(OVMS_InferenceResponseOutput(response, 0, &name, &datatype, &shape, &dims, &data, &byte_size,
                                               &buffer_type, NULL),
                  "device id");
    CHECK_CODE(OVMS_InferenceResponseOutput(response, 1, &name, &datatype, &shape, &dims, &data, &byte_size,
                                            &buffer_type, &device),
               SC_NONEXISTENT_TENSOR);
    CHECK_CODE(OVMS_InferenceResponseOutput(response, 123, &name, &datatype, &shape, &dims, &data, &byte_size,
                                            &buffer_type, &device),
               SC_NONEXISTENT_TENSOR);
    const void *parameter = NULL;
    CHECK_NULLPTR(OVMS_InferenceResponseParameter(response, 0, NULL, &parameter), "data type");
    CHECK_NULLPTR(OVMS_InferenceResponseParameter(response, 0, &datatype, NULL), "data");
    CHECK_CODE(OVMS_InferenceResponseParameter(response, 0, &datatype, &parameter), SC_NONEXISTENT_PARAMETER);
    CHECK_CODE(OVMS_InferenceResponseParameter(response, 123, &datatype, &parameter), SC_NONEXISTENT_PARAMETER);
    OVMS_InferenceResponseDelete(response);

    /* editing the request afterwards */
    CHECK_OK(OVMS_InferenceRequestRemoveParameter(request, "sequence_id"));
    CHECK_CODE(OVMS_InferenceRequestRemoveParameter(request, "sequence_id"), SC_NONEXISTENT_PARAMETER);
    CHECK_OK(OVMS_InferenceRequestInputRemoveData(request, "b"));
    CHECK_CODE(OVMS_InferenceRequestInputRemoveData(request, "b"), SC_NONEXISTENT_BUFFER_FOR_REMOVAL);
    response = NULL;
    CHECK_CODE(OVMS_Inference(server, request, &response), SC_NONEXISTENT_BUFFER);
    CHECK(response == NULL);
    CHECK_OK(OVMS_InferenceRequestRemoveInput(request, "b"));
    CHECK_CODE(OVMS_InferenceRequestRemoveInput(request, "b"), SC_NONEXISTENT_TENSOR_FOR_REMOVAL);
    CHECK_CODE(OVMS_Inference(server, request, &response), SC_INVALID_NO_OF_INPUTS);
    CHECK_OK(OVMS_InferenceRequestAddInput(request, "b", OVMS_DATATYPE_FP32, DUMMY_SHAPE, 2));
    CHECK_OK(OVMS_InferenceRequestInputSetData(request, "b", input, sizeof input, OVMS_BUFFERTYPE_CPU, 0));
    CHECK_OK(OVMS_Inference(server, request, &response));
    if (response != NULL)
        CHECK_DUMMY_RESPONSE(response, input, 1.0f);
    OVMS_InferenceResponseDelete(response);
    OVMS_InferenceRequestDelete(request);
}

/* CAPIInference.ReuseInputRemoveAndAddData, and the input buffer being referenced, not copied. */
static void test_reuse_request_data(void) {
    float first[10], second[10];
    for (int i = 0; i < 10; i++) {
        first[i] = (float)i;
        second[i] = 100.0f + (float)i;
    }
    OVMS_InferenceRequest *request = make_dummy_request(server, "dummy", 1, first);
    REQUIRE(request != NULL);
    OVMS_InferenceResponse *response = NULL;
    CHECK_OK(OVMS_Inference(server, request, &response));
    if (response != NULL)
        CHECK_DUMMY_RESPONSE(response, first, 1.0f);
    OVMS_InferenceResponse *first_response = response;

    CHECK_OK(OVMS_InferenceRequestInputRemoveData(request, "b"));
    CHECK_OK(OVMS_InferenceRequestInputSetData(request, "b", second, sizeof second, OVMS_BUFFERTYPE_CPU, 0));
    response = NULL;
    CHECK_OK(OVMS_Inference(server, request, &response));
    if (response != NULL)
        CHECK_DUMMY_RESPONSE(response, second, 1.0f);
    OVMS_InferenceResponseDelete(response);

    /* a kept request is validated again after each edit: with its data removed it is refused,
     * and set again it is served with the new buffer */
    CHECK_OK(OVMS_InferenceRequestInputRemoveData(request, "b"));
    response = NULL;
    CHECK_CODE(OVMS_Inference(server, request, &response), SC_NONEXISTENT_BUFFER);
    CHECK(response == NULL);
    CHECK_OK(OVMS_InferenceRequestInputSetData(request, "b", second, sizeof second, OVMS_BUFFERTYPE_CPU, 0));

    /* the first response keeps its own data after later inferences */
    if (first_response != NULL)
        CHECK_DUMMY_RESPONSE(first_response, first, 1.0f);
    OVMS_InferenceResponseDelete(first_response);

    /* the buffer is referenced: changing it in place changes the next result */
    for (int i = 0; i < 10; i++)
        second[i] = -50.0f + (float)i;
    response = NULL;
    CHECK_OK(OVMS_Inference(server, request, &response));
    if (response != NULL)
        CHECK_DUMMY_RESPONSE(response, second, 1.0f);
    OVMS_InferenceResponseDelete(response);

    /* the response outlives the request */
    response = NULL;
    CHECK_OK(OVMS_Inference(server, request, &response));
    OVMS_InferenceRequestDelete(request);
    if (response != NULL)
        CHECK_DUMMY_RESPONSE(response, second, 1.0f);
    OVMS_InferenceResponseDelete(response);
}

/* CAPIInference.ReuseRequestRemoveAndAddInput: shape (1,1:10), [1,5] then [1,10]. */
static void reuse_remove_and_add_input(const char *servable) {
    float input[10] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
    const int64_t shape5[2] = {1, 5};
    OVMS_InferenceRequest *request = make_request(server, servable, 1, "b", shape5, 2, input, 5 * sizeof(float));
    REQUIRE(request != NULL);
    OVMS_InferenceResponse *response = NULL;
    CHECK_OK(OVMS_Inference(server, request, &response));
    if (response != NULL)
        CHECK_FLOAT_RESPONSE(response, "a", shape5, 2, input, 1.0f);
    OVMS_InferenceResponseDelete(response);

    CHECK_OK(OVMS_InferenceRequestRemoveInput(request, "b"));
    CHECK_OK(OVMS_InferenceRequestAddInput(request, "b", OVMS_DATATYPE_FP32, DUMMY_SHAPE, 2));
    CHECK_OK(OVMS_InferenceRequestInputSetData(request, "b", input, sizeof input, OVMS_BUFFERTYPE_CPU, 0));
    response = NULL;
    CHECK_OK(OVMS_Inference(server, request, &response));
    if (response != NULL)
        CHECK_FLOAT_RESPONSE(response, "a", DUMMY_SHAPE, 2, input, 1.0f);
    OVMS_InferenceResponseDelete(response);
    OVMS_InferenceRequestDelete(request);
}

/* On the [-1,10] model (its constant broadcasts over any shape) reshaped to (1,1:10). */
static void test_reuse_request_remove_and_add_input(void) {
    reuse_remove_and_add_input("dummy_dyn_range");
}

/* The same on `dummy` reshaped to (1,1:10), as OVMS's test does: needs a dummy whose constant
 * broadcasts (OVMS's dummy adds a [1,1] constant). */
static void test_reuse_request_remove_and_add_input_on_dummy(void) {
    reuse_remove_and_add_input("dummy_range");
}

/* Servable lookup errors (CAPIInference.NegativeInference, version policy). */
static void test_unknown_servable_and_version(void) {
    CHECK_EQ_INT(infer_dummy_code(server, "NONEXISTENT_MODEL", 1), SC_PIPELINE_DEFINITION_NAME_MISSING);
    CHECK_EQ_INT(infer_dummy_code(server, "NONEXISTENT_MODEL", 0), SC_PIPELINE_DEFINITION_NAME_MISSING);
    CHECK_EQ_INT(infer_dummy_code(server, "", 1), SC_PIPELINE_DEFINITION_NAME_MISSING);
    CHECK_EQ_INT(infer_dummy_code(server, "dummy", 2), SC_MODEL_VERSION_MISSING);
    CHECK_EQ_INT(infer_dummy_code(server, "dummy", -1), SC_MODEL_VERSION_MISSING);
    CHECK_EQ_INT(infer_dummy_code(server, "dummy", 123456789), SC_MODEL_VERSION_MISSING);
    /* the model name is case sensitive */
    CHECK_EQ_INT(infer_dummy_code(server, "DUMMY", 1), SC_PIPELINE_DEFINITION_NAME_MISSING);
}

/* Version policies on `versioned` (a = b + version): all, latest (1), latest 2, specific [1,3]. */
static void test_version_policies(void) {
    INFER_DUMMY(server, "versioned_all", 1, 0.0f, 1.0f);
    INFER_DUMMY(server, "versioned_all", 2, 0.0f, 2.0f);
    INFER_DUMMY(server, "versioned_all", 3, 0.0f, 3.0f);
    INFER_DUMMY(server, "versioned_all", 0, 0.0f, 3.0f); /* default: highest */
    CHECK_EQ_INT(infer_dummy_code(server, "versioned_all", 4), SC_MODEL_VERSION_MISSING);

    INFER_DUMMY(server, "versioned_latest", 3, 1.0f, 3.0f);
    INFER_DUMMY(server, "versioned_latest", 0, 1.0f, 3.0f);
    CHECK_EQ_INT(infer_dummy_code(server, "versioned_latest", 1), SC_MODEL_VERSION_MISSING);
    CHECK_EQ_INT(infer_dummy_code(server, "versioned_latest", 2), SC_MODEL_VERSION_MISSING);

    INFER_DUMMY(server, "versioned_latest2", 2, 2.0f, 2.0f);
    INFER_DUMMY(server, "versioned_latest2", 3, 2.0f, 3.0f);
    INFER_DUMMY(server, "versioned_latest2", 0, 2.0f, 3.0f);
    CHECK_EQ_INT(infer_dummy_code(server, "versioned_latest2", 1), SC_MODEL_VERSION_MISSING);

    INFER_DUMMY(server, "versioned_specific", 1, 3.0f, 1.0f);
    INFER_DUMMY(server, "versioned_specific", 3, 3.0f, 3.0f);
    INFER_DUMMY(server, "versioned_specific", 0, 3.0f, 3.0f);
    CHECK_EQ_INT(infer_dummy_code(server, "versioned_specific", 2), SC_MODEL_VERSION_MISSING);

    /* states: served versions AVAILABLE, unserved ones unknown */
    CHECK_EQ_INT(servable_state(server, "versioned_all", 1), OVMS_STATE_AVAILABLE);
    CHECK_EQ_INT(servable_state(server, "versioned_all", 2), OVMS_STATE_AVAILABLE);
    CHECK_EQ_INT(servable_state(server, "versioned_all", 3), OVMS_STATE_AVAILABLE);
    CHECK_EQ_INT(servable_state(server, "versioned_latest", 3), OVMS_STATE_AVAILABLE);
    CHECK_EQ_INT(servable_state(server, "versioned_latest", 1), 1000 + SC_MODEL_NAME_MISSING);
    CHECK_EQ_INT(servable_state(server, "versioned_specific", 2), 1000 + SC_MODEL_NAME_MISSING);
}

/* A model that failed to load is LOADING_FAILED while every other model works. */
static void test_failed_model_does_not_affect_others(void) {
    CHECK_EQ_INT(servable_state(server, "broken", 1), OVMS_STATE_LOADING_FAILED);
    CHECK_EQ_INT(servable_state(server, "dummy", 1), OVMS_STATE_AVAILABLE);
    INFER_DUMMY(server, "dummy", 1, 7.0f, 1.0f);
}

/* CAPIInference.Scalar */
static void test_scalar(void) {
    float value = 3.5f;
    OVMS_InferenceRequest *request = NULL;
    REQUIRE_OK(OVMS_InferenceRequestNew(&request, server, "scalar", 1));
    CHECK_OK(OVMS_InferenceRequestAddInput(request, "model_scalar_input", OVMS_DATATYPE_FP32, NULL, 0));
    CHECK_OK(OVMS_InferenceRequestInputSetData(request, "model_scalar_input", &value, sizeof value,
                                               OVMS_BUFFERTYPE_CPU, 0));
    OVMS_InferenceResponse *response = NULL;
    REQUIRE_OK(OVMS_Inference(server, request, &response));
    const char *name = NULL;
    OVMS_DataType datatype;
    const int64_t *shape = NULL;
    size_t dims = 99;
    const void *data = NULL;
    size_t byte_size = 0;
    OVMS_BufferType buffer_type;
    uint32_t device = 1;
    CHECK_OK(OVMS_InferenceResponseOutput(response, 0, &name, &datatype, &shape, &dims, &data, &byte_size,
                                          &buffer_type, &device));
    CHECK_EQ_STR(name, "model_scalar_output");
    CHECK_EQ_INT(datatype, OVMS_DATATYPE_FP32);
    CHECK_EQ_INT(dims, 0);
    CHECK_EQ_INT(byte_size, 4);
    CHECK_EQ_INT(buffer_type, OVMS_BUFFERTYPE_CPU);
    CHECK_EQ_INT(device, 0);
    REQUIRE(data != NULL);
    CHECK_NEAR(*(const float *)data, 3.5f);
    OVMS_InferenceResponseDelete(response);

    /* a rank-1 shape for a scalar input is a rank error */
    const int64_t one[1] = {1};
    CHECK_OK(OVMS_InferenceRequestRemoveInput(request, "model_scalar_input"));
    CHECK_OK(OVMS_InferenceRequestAddInput(request, "model_scalar_input", OVMS_DATATYPE_FP32, one, 1));
    CHECK_OK(OVMS_InferenceRequestInputSetData(request, "model_scalar_input", &value, sizeof value,
                                               OVMS_BUFFERTYPE_CPU, 0));
    response = NULL;
    CHECK_CODE(OVMS_Inference(server, request, &response), SC_INVALID_NO_OF_SHAPE_DIMENSIONS);
    OVMS_InferenceRequestDelete(request);
}

/* U8 passthrough, with values and with a zero-size dimension. */
static void run_passthrough(const int64_t *shape, const uint8_t *input, size_t bytes) {
    OVMS_InferenceRequest *request = NULL;
    REQUIRE_OK(OVMS_InferenceRequestNew(&request, server, "passthrough", 1));
    CHECK_OK(OVMS_InferenceRequestAddInput(request, "input", OVMS_DATATYPE_U8, shape, 2));
    CHECK_OK(OVMS_InferenceRequestInputSetData(request, "input", input, bytes, OVMS_BUFFERTYPE_CPU, 0));
    OVMS_InferenceResponse *response = NULL;
    CHECK_OK(OVMS_Inference(server, request, &response));
    if (response != NULL) {
        uint32_t count = 0;
        CHECK_OK(OVMS_InferenceResponseOutputCount(response, &count));
        CHECK_EQ_INT(count, 1);
        const char *name = NULL;
        OVMS_DataType datatype;
        const int64_t *out_shape = NULL;
        size_t dims = 0;
        const void *data = NULL;
        size_t byte_size = 99;
        OVMS_BufferType buffer_type;
        uint32_t device = 1;
        CHECK_OK(OVMS_InferenceResponseOutput(response, 0, &name, &datatype, &out_shape, &dims, &data, &byte_size,
                                              &buffer_type, &device));
        CHECK_EQ_STR(name, "copy:0");
        CHECK_EQ_INT(datatype, OVMS_DATATYPE_U8);
        CHECK_EQ_INT(dims, 2);
        if (dims == 2 && out_shape != NULL) {
            CHECK_EQ_INT(out_shape[0], shape[0]);
            CHECK_EQ_INT(out_shape[1], shape[1]);
        }
        CHECK_EQ_INT(byte_size, bytes);
        CHECK_EQ_INT(buffer_type, OVMS_BUFFERTYPE_CPU);
        if (bytes > 0 && byte_size == bytes) {
            CHECK(data != NULL);
            if (data != NULL)
                CHECK(memcmp(data, input, bytes) == 0);
        }
    }
    OVMS_InferenceResponseDelete(response);
    OVMS_InferenceRequestDelete(request);
}

static void test_passthrough_u8(void) {
    const int64_t shape[2] = {2, 3};
    const uint8_t input[6] = {0, 1, 2, 127, 200, 255};
    run_passthrough(shape, input, sizeof input);
    const int64_t wide[2] = {1, 1000};
    uint8_t many[1000];
    for (int i = 0; i < 1000; i++)
        many[i] = (uint8_t)(i * 7);
    run_passthrough(wide, many, sizeof many);
}

static void test_zero_size_dimension(void) {
    const int64_t shape[2] = {0, 3};
    const uint8_t unused[1] = {0};
    run_passthrough(shape, unused, 0);
    const int64_t shape2[2] = {4, 0};
    run_passthrough(shape2, unused, 0);
}

/* Two inputs, one output: sum = input1 + input2. */
static void test_add_two_inputs(void) {
    float in1[10], in2[10], expected_base[10];
    for (int i = 0; i < 10; i++) {
        in1[i] = (float)i;
        in2[i] = 10.0f * (float)i;
        expected_base[i] = in1[i] + in2[i];
    }
    OVMS_InferenceRequest *request = NULL;
    REQUIRE_OK(OVMS_InferenceRequestNew(&request, server, "add", 1));
    CHECK_OK(OVMS_InferenceRequestAddInput(request, "input2", OVMS_DATATYPE_FP32, DUMMY_SHAPE, 2));
    CHECK_OK(OVMS_InferenceRequestAddInput(request, "input1", OVMS_DATATYPE_FP32, DUMMY_SHAPE, 2));
    CHECK_OK(OVMS_InferenceRequestInputSetData(request, "input1", in1, sizeof in1, OVMS_BUFFERTYPE_CPU, 0));
    CHECK_OK(OVMS_InferenceRequestInputSetData(request, "input2", in2, sizeof in2, OVMS_BUFFERTYPE_CPU, 0));
    OVMS_InferenceResponse *response = NULL;
    CHECK_OK(OVMS_Inference(server, request, &response));
    if (response != NULL)
        CHECK_FLOAT_RESPONSE(response, "sum", DUMMY_SHAPE, 2, expected_base, 0.0f);
    OVMS_InferenceResponseDelete(response);
    /* only one of the two inputs: wrong number of inputs */
    CHECK_OK(OVMS_InferenceRequestRemoveInput(request, "input2"));
    response = NULL;
    CHECK_CODE(OVMS_Inference(server, request, &response), SC_INVALID_NO_OF_INPUTS);
    OVMS_InferenceRequestDelete(request);
}

static void test_increment_4d(void) {
    float input[60];
    for (int i = 0; i < 60; i++)
        input[i] = (float)i * 0.5f - 7.0f;
    const int64_t shape[4] = {1, 3, 4, 5};
    OVMS_InferenceRequest *request = make_request(server, "increment", 1, "input", shape, 4, input, sizeof input);
    REQUIRE(request != NULL);
    OVMS_InferenceResponse *response = NULL;
    CHECK_OK(OVMS_Inference(server, request, &response));
    if (response != NULL)
        CHECK_FLOAT_RESPONSE(response, "output", shape, 4, input, 1.0f);
    OVMS_InferenceResponseDelete(response);
    OVMS_InferenceRequestDelete(request);
}

static void test_onnx_and_single_file_models(void) {
    INFER_DUMMY(server, "dummy_onnx", 1, 0.0f, 1.0f);
    INFER_DUMMY(server, "dummy_onnx", 0, 20.0f, 1.0f);
    INFER_DUMMY(server, "dummy_file", 1, 0.0f, 1.0f);
    INFER_DUMMY(server, "dummy_file", 0, -3.0f, 1.0f);
    CHECK_EQ_INT(servable_state(server, "dummy_file", 1), OVMS_STATE_AVAILABLE);
}

static void infer_shape(const char *servable, const int64_t *shape, const float *input, const char *file,
                        int line) {
    size_t n = (size_t)(shape[0] * shape[1]);
    OVMS_InferenceRequest *request = make_request(server, servable, 1, "b", shape, 2, input, n * sizeof(float));
    if (request == NULL)
        return;
    OVMS_InferenceResponse *response = NULL;
    char what[256];
    snprintf(what, sizeof what, "%s with shape [%lld,%lld]", servable, (long long)shape[0], (long long)shape[1]);
    if (tu_expect_ok(OVMS_Inference(server, request, &response), what, file, line) && response != NULL)
        check_float_response_at(response, "a", shape, 2, input, 1.0f, NULL, file, line);
    OVMS_InferenceResponseDelete(response);
    OVMS_InferenceRequestDelete(request);
}
#define INFER_SHAPE(servable, shape, input) infer_shape((servable), (shape), (input), __FILE__, __LINE__)

/* A large static input (128 KiB) is read from the caller's buffer in place rather than copied;
 * the slot lets go of that buffer afterwards: a second request with another buffer, after the
 * first was overwritten and freed, gets its own results. */
#define LARGE 32768
static void infer_large(float first, float *output_copy) {
    float *input = (float *)malloc(LARGE * sizeof(float));
    REQUIRE(input != NULL);
    for (int i = 0; i < LARGE; i++)
        input[i] = first + (float)i;
    const int64_t shape[2] = {1, LARGE};
    OVMS_InferenceRequest *request = NULL;
    REQUIRE_OK(OVMS_InferenceRequestNew(&request, server, "dummy_large", 1));
    CHECK_OK(OVMS_InferenceRequestAddInput(request, "b", OVMS_DATATYPE_FP32, shape, 2));
    CHECK_OK(OVMS_InferenceRequestInputSetData(request, "b", input, LARGE * sizeof(float), OVMS_BUFFERTYPE_CPU, 0));
    OVMS_InferenceResponse *response = NULL;
    REQUIRE_OK(OVMS_Inference(server, request, &response));
    const char *name;
    OVMS_DataType datatype;
    const int64_t *out_shape;
    size_t dims, byte_size = 0;
    const void *data = NULL;
    OVMS_BufferType buffer_type;
    uint32_t device;
    CHECK_OK(OVMS_InferenceResponseOutput(response, 0, &name, &datatype, &out_shape, &dims, &data, &byte_size,
                                          &buffer_type, &device));
    CHECK_EQ_INT(byte_size, LARGE * sizeof(float));
    if (data != NULL && byte_size == LARGE * sizeof(float))
        memcpy(output_copy, data, byte_size);
    OVMS_InferenceResponseDelete(response);
    OVMS_InferenceRequestDelete(request);
    memset(input, 0xff, LARGE * sizeof(float)); /* NaN: a stale pointer to it would show */
    free(input);
}

static void test_large_input_in_place(void) {
    float *output = (float *)malloc(LARGE * sizeof(float));
    REQUIRE(output != NULL);
    for (int round = 0; round < 3; round++) {
        float first = (float)(round * 1000);
        memset(output, 0, LARGE * sizeof(float));
        infer_large(first, output);
        int wrong = 0;
        for (int i = 0; i < LARGE; i++)
            if (fabsf(output[i] - (first + (float)i + 1.0f)) > 1e-2f)
                wrong++;
        CHECK_EQ_INT(wrong, 0);
    }
    uint32_t slots = 0, idle = 0, queued = 99;
    CHECK_OK(OVMS_ExServableSlots(server, "dummy_large", 1, &slots, &idle, &queued));
    CHECK_EQ_INT(idle, slots);
    free(output);
}

/* Models configured with dynamic shapes accept several batch sizes. */
static void test_dynamic_batch(void) {
    float input[60];
    for (int i = 0; i < 60; i++)
        input[i] = (float)i;
    const int64_t shapes[][2] = {{1, 10}, {4, 10}, {2, 10}};
    const char *models[] = {"dummy_dyn", "dummy_dyn_full", "dummy_dyn_auto", "dummy_full", "dummy_shape_auto",
                            "dummy_batch_auto"};
    for (int s = 0; s < 3; s++)
        for (int m = 0; m < 6; m++)
            INFER_SHAPE(models[m], shapes[s], input);
    /* batch_size 3 and a shape object: exactly those shapes */
    const int64_t three[2] = {3, 10};
    INFER_SHAPE("dummy_batch3", three, input);
    const int64_t two[2] = {2, 10};
    INFER_SHAPE("dummy_shape_obj", two, input);
    CHECK_EQ_INT(infer_dummy_code(server, "dummy_batch3", 1), SC_INVALID_BATCH_SIZE);
    CHECK_EQ_INT(infer_dummy_code(server, "dummy_shape_obj", 1), SC_INVALID_BATCH_SIZE);
}

/* Fully dynamic / auto shapes also accept another second dimension. */
static void test_dynamic_width(void) {
    float input[60];
    for (int i = 0; i < 60; i++)
        input[i] = (float)i;
    const int64_t narrow[2] = {3, 7};
    const int64_t wide[2] = {2, 25};
    INFER_SHAPE("dummy_dyn_full", narrow, input);
    INFER_SHAPE("dummy_dyn_auto", narrow, input);
    INFER_SHAPE("dummy_dyn_full", wide, input);
}

/* The same on `dummy` reshaped to (-1,-1) / auto (needs a dummy whose constant broadcasts, as
 * OVMS's [1,1] one does). */
static void test_dynamic_width_on_dummy(void) {
    float input[60];
    for (int i = 0; i < 60; i++)
        input[i] = (float)i;
    const int64_t narrow[2] = {3, 7};
    INFER_SHAPE("dummy_full", narrow, input);
    INFER_SHAPE("dummy_shape_auto", narrow, input);
}

/* Preallocated output: written in place, returned by pointer; after the output is removed, the
 * next inference (same slot: nireq 1) must not write into the old user buffer. */
static void test_preallocated_output_and_restore(void) {
    float input[10], output[10];
    for (int i = 0; i < 10; i++) {
        input[i] = (float)i;
        output[i] = -1000.0f;
    }
    OVMS_InferenceRequest *request = make_dummy_request(server, "dummy_nireq1", 1, input);
    REQUIRE(request != NULL);
    CHECK_OK(OVMS_InferenceRequestAddOutput(request, "a", OVMS_DATATYPE_FP32, DUMMY_SHAPE, 2));
    CHECK_OK(OVMS_InferenceRequestOutputSetData(request, "a", output, sizeof output, OVMS_BUFFERTYPE_CPU, 0));
    OVMS_InferenceResponse *response = NULL;
    CHECK_OK(OVMS_Inference(server, request, &response));
    if (response != NULL)
        check_float_response_at(response, "a", DUMMY_SHAPE, 2, input, 1.0f, output, __FILE__, __LINE__);
    OVMS_InferenceResponseDelete(response);
    for (int i = 0; i < 10; i++)
        CHECK_NEAR(output[i], input[i] + 1.0f);

    /* the same preallocated buffer again with new input */
    for (int i = 0; i < 10; i++)
        input[i] = 10.0f * (float)i;
    response = NULL;
    CHECK_OK(OVMS_Inference(server, request, &response));
    if (response != NULL)
        check_float_response_at(response, "a", DUMMY_SHAPE, 2, input, 1.0f, output, __FILE__, __LINE__);
    OVMS_InferenceResponseDelete(response);
    for (int i = 0; i < 10; i++)
        CHECK_NEAR(output[i], input[i] + 1.0f);

    /* remove the output: results go to the response again; the user buffer stays untouched */
    float snapshot[10];
    memcpy(snapshot, output, sizeof output);
    CHECK_OK(OVMS_InferenceRequestRemoveOutput(request, "a"));
    for (int i = 0; i < 10; i++)
        input[i] = 500.0f + (float)i;
    response = NULL;
    CHECK_OK(OVMS_Inference(server, request, &response));
    const float *copy = NULL;
    if (response != NULL)
        copy = CHECK_DUMMY_RESPONSE(response, input, 1.0f);
    CHECK(copy != NULL && copy != output);
    CHECK(memcmp(snapshot, output, sizeof output) == 0);
    OVMS_InferenceResponseDelete(response);

    /* another request on the same model (same single slot) does not write there either */
    INFER_DUMMY(server, "dummy_nireq1", 1, 42.0f, 1.0f);
    CHECK(memcmp(snapshot, output, sizeof output) == 0);
    OVMS_InferenceRequestDelete(request);
}

/* A requested output the model does not have is ignored. */
static void test_unknown_output_is_ignored(void) {
    float input[10] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, extra[10] = {0};
    OVMS_InferenceRequest *request = make_dummy_request(server, "dummy", 1, input);
    REQUIRE(request != NULL);
    CHECK_OK(OVMS_InferenceRequestAddOutput(request, "not_an_output", OVMS_DATATYPE_FP32, DUMMY_SHAPE, 2));
    CHECK_OK(OVMS_InferenceRequestOutputSetData(request, "not_an_output", extra, sizeof extra, OVMS_BUFFERTYPE_CPU, 0));
    OVMS_InferenceResponse *response = NULL;
    CHECK_OK(OVMS_Inference(server, request, &response));
    if (response != NULL)
        CHECK_DUMMY_RESPONSE(response, input, 1.0f);
    OVMS_InferenceResponseDelete(response);
    for (int i = 0; i < 10; i++)
        CHECK_EQ_INT(extra[i], 0);
    OVMS_InferenceRequestDelete(request);
}

/* ---- synchronous inference with a completion callback ---- */
typedef struct {
    int calls;
    uint32_t flag;
    OVMS_InferenceResponse *response;
    pthread_t thread;
    float first_value;
    uint32_t output_count;
} callback_record;

static void record_callback(OVMS_InferenceResponse *response, uint32_t flag, void *user) {
    callback_record *record = (callback_record *)user;
    record->calls++;
    record->flag = flag;
    record->response = response;
    record->thread = pthread_self();
    record->first_value = -1.0f;
    if (response != NULL) {
        uint32_t count = 0;
        OVMS_StatusDelete(OVMS_InferenceResponseOutputCount(response, &count));
        record->output_count = count;
        const char *name;
        OVMS_DataType datatype;
        const int64_t *shape;
        size_t dims, byte_size;
        const void *data = NULL;
        OVMS_BufferType buffer_type;
        uint32_t device;
        if (OVMS_InferenceResponseOutput(response, 0, &name, &datatype, &shape, &dims, &data, &byte_size,
                                         &buffer_type, &device) == NULL &&
            data != NULL)
            record->first_value = *(const float *)data;
        OVMS_InferenceResponseDelete(response); /* the callback takes ownership */
    }
}

static void test_sync_inference_with_callback(void) {
    float input[10] = {5, 1, 2, 3, 4, 5, 6, 7, 8, 9};
    callback_record record;
    memset(&record, 0, sizeof record);
    OVMS_InferenceRequest *request = make_dummy_request(server, "dummy", 1, input);
    REQUIRE(request != NULL);
    CHECK_OK(OVMS_InferenceRequestSetCompletionCallback(request, record_callback, &record));
    OVMS_InferenceResponse *response = NULL;
    CHECK_OK(OVMS_Inference(server, request, &response));
    CHECK_EQ_INT(record.calls, 1);
    CHECK_EQ_INT(record.flag, 0);
    CHECK(record.response != NULL);
    CHECK(record.response == response); /* same pointer; the callback owned and deleted it */
    CHECK(pthread_equal(record.thread, pthread_self()));
    CHECK_EQ_INT(record.output_count, 1);
    CHECK_NEAR(record.first_value, 6.0f);

    /* on failure after the NULL checks: callback(NULL, 1, user) and the error is returned */
    OVMS_InferenceRequest *bad = make_dummy_request(server, "NONEXISTENT_MODEL", 1, input);
    REQUIRE(bad != NULL);
    callback_record failure;
    memset(&failure, 0, sizeof failure);
    CHECK_OK(OVMS_InferenceRequestSetCompletionCallback(bad, record_callback, &failure));
    response = NULL;
    CHECK_CODE(OVMS_Inference(server, bad, &response), SC_PIPELINE_DEFINITION_NAME_MISSING);
    CHECK_EQ_INT(failure.calls, 1);
    CHECK_EQ_INT(failure.flag, 1);
    CHECK(failure.response == NULL);
    CHECK(pthread_equal(failure.thread, pthread_self()));
    CHECK(response == NULL);

    /* a validation failure also calls back with flag 1 */
    memset(&failure, 0, sizeof failure);
    CHECK_OK(OVMS_InferenceRequestInputRemoveData(request, "b"));
    CHECK_OK(OVMS_InferenceRequestSetCompletionCallback(request, record_callback, &failure));
    response = NULL;
    CHECK_CODE(OVMS_Inference(server, request, &response), SC_NONEXISTENT_BUFFER);
    CHECK_EQ_INT(failure.calls, 1);
    CHECK_EQ_INT(failure.flag, 1);
    CHECK(failure.response == NULL);

    /* NULL-argument errors do not call the callback */
    memset(&failure, 0, sizeof failure);
    CHECK_NULLPTR(OVMS_Inference(server, request, NULL), "inference response");
    CHECK_NULLPTR(OVMS_Inference(NULL, request, &response), "server");
    CHECK_EQ_INT(failure.calls, 0);

    /* clearing the callback: a plain sync inference again, the caller owns the response */
    CHECK_OK(OVMS_InferenceRequestInputSetData(request, "b", input, sizeof input, OVMS_BUFFERTYPE_CPU, 0));
    CHECK_OK(OVMS_InferenceRequestSetCompletionCallback(request, NULL, NULL));
    response = NULL;
    CHECK_OK(OVMS_Inference(server, request, &response));
    CHECK_EQ_INT(failure.calls, 0);
    if (response != NULL)
        CHECK_DUMMY_RESPONSE(response, input, 1.0f);
    OVMS_InferenceResponseDelete(response);
    OVMS_InferenceRequestDelete(bad);
    OVMS_InferenceRequestDelete(request);
}

/* A model whose inference fails inside OpenVINO for odd lengths (nireq 1): the error is
 * OV_INTERNAL_INFERENCE_ERROR, and the slot is not lost. */
static uint32_t infer_fail_odd(size_t length, float *out_first) {
    float input[16];
    for (size_t i = 0; i < 16; i++)
        input[i] = (float)i;
    const int64_t shape[1] = {(int64_t)length};
    OVMS_InferenceRequest *request = NULL;
    OVMS_Status *status = OVMS_InferenceRequestNew(&request, server, "fail_odd", 1);
    if (status != NULL)
        return status_code_of(status);
    OVMS_StatusDelete(OVMS_InferenceRequestAddInput(request, "x", OVMS_DATATYPE_FP32, shape, 1));
    OVMS_StatusDelete(
        OVMS_InferenceRequestInputSetData(request, "x", input, length * sizeof(float), OVMS_BUFFERTYPE_CPU, 0));
    OVMS_InferenceResponse *response = NULL;
    uint32_t code = status_code_of(OVMS_Inference(server, request, &response));
    if (code == SC_OK && response != NULL) {
        const char *name = NULL;
        OVMS_DataType datatype;
        const int64_t *out_shape = NULL;
        size_t dims = 0, byte_size = 0;
        const void *data = NULL;
        OVMS_BufferType buffer_type;
        uint32_t device;
        CHECK_OK(OVMS_InferenceResponseOutput(response, 0, &name, &datatype, &out_shape, &dims, &data, &byte_size,
                                              &buffer_type, &device));
        /* y = Reshape(x, [2, -1]) */
        CHECK_EQ_STR(name, "y");
        CHECK_EQ_INT(datatype, OVMS_DATATYPE_FP32);
        CHECK_EQ_INT(dims, 2);
        if (dims == 2 && out_shape != NULL) {
            CHECK_EQ_INT(out_shape[0], 2);
            CHECK_EQ_INT(out_shape[1], (int64_t)length / 2);
        }
        CHECK_EQ_INT(byte_size, length * sizeof(float));
        /* a reshape keeps the values */
        if (data != NULL && byte_size == length * sizeof(float))
            CHECK(memcmp(data, input, byte_size) == 0);
        if (out_first != NULL && data != NULL)
            *out_first = *(const float *)data;
    }
    OVMS_InferenceResponseDelete(response);
    OVMS_InferenceRequestDelete(request);
    return code;
}

static void test_runtime_inference_failure(void) {
    CHECK_EQ_INT(infer_fail_odd(4, NULL), SC_OK);
    for (int i = 0; i < 5; i++) {
        CHECK_EQ_INT(infer_fail_odd(3, NULL), SC_OV_INTERNAL_INFERENCE_ERROR);
        CHECK_EQ_INT(infer_fail_odd(1, NULL), SC_OV_INTERNAL_INFERENCE_ERROR);
    }
    /* still working, on its single slot, and so is everything else */
    CHECK_EQ_INT(infer_fail_odd(2, NULL), SC_OK);
    CHECK_EQ_INT(infer_fail_odd(8, NULL), SC_OK);
    CHECK_EQ_INT(servable_state(server, "fail_odd", 1), OVMS_STATE_AVAILABLE);
    INFER_DUMMY(server, "dummy", 1, 0.0f, 1.0f);

    /* the failure also reaches a sync callback as (NULL, 1) */
    float input[3] = {1, 2, 3};
    const int64_t shape[1] = {3};
    OVMS_InferenceRequest *request = make_request(server, "fail_odd", 1, "x", shape, 1, input, sizeof input);
    REQUIRE(request != NULL);
    callback_record record;
    memset(&record, 0, sizeof record);
    CHECK_OK(OVMS_InferenceRequestSetCompletionCallback(request, record_callback, &record));
    OVMS_InferenceResponse *response = NULL;
    CHECK_CODE(OVMS_Inference(server, request, &response), SC_OV_INTERNAL_INFERENCE_ERROR);
    CHECK_EQ_INT(record.calls, 1);
    CHECK_EQ_INT(record.flag, 1);
    CHECK(record.response == NULL);
    OVMS_InferenceRequestDelete(request);
    CHECK_EQ_INT(infer_fail_odd(6, NULL), SC_OK);
}

/* plugin_config, nireq and allow_cache are accepted; the slot count follows nireq. */
static void test_model_options(void) {
    const char *models[] = {"dummy_latency", "dummy_nireq1", "dummy_cache"};
    for (int i = 0; i < 3; i++) {
        CHECK_EQ_INT(servable_state(server, models[i], 1), OVMS_STATE_AVAILABLE);
        INFER_DUMMY(server, models[i], 1, (float)i, 1.0f);
    }
    uint32_t slots = 0, idle = 0, queued = 99;
    CHECK_OK(OVMS_ExServableSlots(server, "dummy_latency", 1, &slots, &idle, &queued));
    CHECK_EQ_INT(slots, 2);
    CHECK_EQ_INT(idle, 2);
    CHECK_EQ_INT(queued, 0);
    CHECK_OK(OVMS_ExServableSlots(server, "dummy_nireq1", 0, &slots, &idle, &queued));
    CHECK_EQ_INT(slots, 1);
    CHECK_EQ_INT(idle, 1);
    CHECK_OK(OVMS_ExServableSlots(server, "fail_odd", 1, &slots, &idle, &queued));
    CHECK_EQ_INT(slots, 1);
    CHECK_EQ_INT(idle, 1); /* no slot leaked by the failures above */
}

int main(void) {
    server = start_server("config_all.json");
    if (server == NULL)
        return test_summary() | 1;
    RUN_TEST(test_basic_dummy);
    RUN_TEST(test_reuse_request_data);
    RUN_TEST(test_reuse_request_remove_and_add_input);
    RUN_TEST(test_reuse_request_remove_and_add_input_on_dummy);
    RUN_TEST(test_unknown_servable_and_version);
    RUN_TEST(test_version_policies);
    RUN_TEST(test_failed_model_does_not_affect_others);
    RUN_TEST(test_scalar);
    RUN_TEST(test_passthrough_u8);
    RUN_TEST(test_zero_size_dimension);
    RUN_TEST(test_add_two_inputs);
    RUN_TEST(test_increment_4d);
    RUN_TEST(test_onnx_and_single_file_models);
    RUN_TEST(test_dynamic_batch);
    RUN_TEST(test_dynamic_width);
    RUN_TEST(test_dynamic_width_on_dummy);
    RUN_TEST(test_large_input_in_place);
    RUN_TEST(test_preallocated_output_and_restore);
    RUN_TEST(test_unknown_output_is_ignored);
    RUN_TEST(test_sync_inference_with_callback);
    RUN_TEST(test_runtime_inference_failure);
    RUN_TEST(test_model_options);
    stop_server();
    return test_summary();
}
