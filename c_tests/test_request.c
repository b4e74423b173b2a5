/* The inference request object (tests CAPIInferenceRequest.Basic and the
 * request parts of CAPIInference.NegativeInference / Basic): NULL matrices and the error codes of
 * building and editing a request. Only OVMS_ServerNew is needed, no start. */
#include "test_util.h"

static OVMS_Server *server;

static void test_request_new_and_delete(void) {
    OVMS_InferenceRequest *request = NULL;
    CHECK_NULLPTR(OVMS_InferenceRequestNew(NULL, server, "dummy", 1), "inference request");
    CHECK_NULLPTR(OVMS_InferenceRequestNew(&request, NULL, "dummy", 1), "server");
    CHECK_NULLPTR(OVMS_InferenceRequestNew(&request, server, NULL, 1), "servable name");
    CHECK(request == NULL);
    /* the servable need not exist and the server need not be started */
    REQUIRE_OK(OVMS_InferenceRequestNew(&request, server, "no_such_servable", 7));
    CHECK(request != NULL);
    OVMS_InferenceRequestDelete(request);
    OVMS_InferenceRequestDelete(NULL); /* no-op */
}

static void test_add_input(void) {
    OVMS_InferenceRequest *request = NULL;
    REQUIRE_OK(OVMS_InferenceRequestNew(&request, server, "dummy", 1));
    CHECK_NULLPTR(OVMS_InferenceRequestAddInput(NULL, "b", OVMS_DATATYPE_FP32, DUMMY_SHAPE, 2), "inference request");
    CHECK_NULLPTR(OVMS_InferenceRequestAddInput(request, NULL, OVMS_DATATYPE_FP32, DUMMY_SHAPE, 2), "input name");
    CHECK_NULLPTR(OVMS_InferenceRequestAddInput(request, "b", OVMS_DATATYPE_FP32, NULL, 2), "shape");
    CHECK_OK(OVMS_InferenceRequestAddInput(request, "b", OVMS_DATATYPE_FP32, DUMMY_SHAPE, 2));
    CHECK_CODE(OVMS_InferenceRequestAddInput(request, "b", OVMS_DATATYPE_FP32, DUMMY_SHAPE, 2), SC_DOUBLE_TENSOR_INSERT);
    /* the duplicate check is by name only */
    CHECK_CODE(OVMS_InferenceRequestAddInput(request, "b", OVMS_DATATYPE_U8, NULL, 0), SC_DOUBLE_TENSOR_INSERT);
    /* a scalar: dimCount 0 with a NULL shape is fine */
    CHECK_OK(OVMS_InferenceRequestAddInput(request, "scalar", OVMS_DATATYPE_FP32, NULL, 0));
    /* no model validation when adding: any datatype, any shape */
    const int64_t odd_shape[3] = {-5, 0, 123456789};
    CHECK_OK(OVMS_InferenceRequestAddInput(request, "odd", OVMS_DATATYPE_BIN, odd_shape, 3));
    /* the shape is copied: changing the caller's array later must not matter (checked at infer
     * time elsewhere); here only that a stack array can go away */
    {
        int64_t temp[2] = {1, 10};
        CHECK_OK(OVMS_InferenceRequestAddInput(request, "temp", OVMS_DATATYPE_FP32, temp, 2));
        temp[0] = 99;
    }
    /* names are copied too */
    {
        char name[8] = "copied";
        CHECK_OK(OVMS_InferenceRequestAddInput(request, name, OVMS_DATATYPE_FP32, DUMMY_SHAPE, 2));
        name[0] = 'X';
        CHECK_CODE(OVMS_InferenceRequestAddInput(request, "copied", OVMS_DATATYPE_FP32, DUMMY_SHAPE, 2),
                   SC_DOUBLE_TENSOR_INSERT);
    }
    OVMS_InferenceRequestDelete(request);
}

static void test_input_set_and_remove_data(void) {
    float data[10] = {0};
    OVMS_InferenceRequest *request = NULL;
    REQUIRE_OK(OVMS_InferenceRequestNew(&request, server, "dummy", 1));
    REQUIRE_OK(OVMS_InferenceRequestAddInput(request, "b", OVMS_DATATYPE_FP32, DUMMY_SHAPE, 2));

    CHECK_NULLPTR(OVMS_InferenceRequestInputSetData(NULL, "b", data, sizeof data, OVMS_BUFFERTYPE_CPU, 0),
                  "inference request");
    CHECK_NULLPTR(OVMS_InferenceRequestInputSetData(request, NULL, data, sizeof data, OVMS_BUFFERTYPE_CPU, 0),
                  "input name");
    CHECK_CODE(OVMS_InferenceRequestInputSetData(request, "nonexistent", data, sizeof data, OVMS_BUFFERTYPE_CPU, 0),
               SC_NONEXISTENT_TENSOR_FOR_SET_BUFFER);
    CHECK_OK(OVMS_InferenceRequestInputSetData(request, "b", data, sizeof data, OVMS_BUFFERTYPE_CPU, 0));
    CHECK_CODE(OVMS_InferenceRequestInputSetData(request, "b", data, sizeof data, OVMS_BUFFERTYPE_CPU, 0),
               SC_DOUBLE_BUFFER_SET);

    CHECK_NULLPTR(OVMS_InferenceRequestInputRemoveData(NULL, "b"), "inference request");
    CHECK_NULLPTR(OVMS_InferenceRequestInputRemoveData(request, NULL), "input name");
    CHECK_CODE(OVMS_InferenceRequestInputRemoveData(request, "nonexistent"), SC_NONEXISTENT_TENSOR_FOR_REMOVE_BUFFER);
    CHECK_OK(OVMS_InferenceRequestInputRemoveData(request, "b"));
    CHECK_CODE(OVMS_InferenceRequestInputRemoveData(request, "b"), SC_NONEXISTENT_BUFFER_FOR_REMOVAL);
    /* after removal a buffer can be set again */
    CHECK_OK(OVMS_InferenceRequestInputSetData(request, "b", data, sizeof data, OVMS_BUFFERTYPE_CPU, 0));
    CHECK_OK(OVMS_InferenceRequestInputRemoveData(request, "b"));
    /* input data may be NULL (a VA surface id 0 is legal in OVMS): accepted at this point */
    CHECK_OK(OVMS_InferenceRequestInputSetData(request, "b", NULL, 0, OVMS_BUFFERTYPE_CPU, 0));
    CHECK_OK(OVMS_InferenceRequestInputRemoveData(request, "b"));
    /* buffer type and device are only validated at inference */
    CHECK_OK(OVMS_InferenceRequestInputSetData(request, "b", data, 3, (OVMS_BufferType)999, 42));
    OVMS_InferenceRequestDelete(request);
}

static void test_remove_input(void) {
    float data[10] = {0};
    OVMS_InferenceRequest *request = NULL;
    REQUIRE_OK(OVMS_InferenceRequestNew(&request, server, "dummy", 1));
    REQUIRE_OK(OVMS_InferenceRequestAddInput(request, "b", OVMS_DATATYPE_FP32, DUMMY_SHAPE, 2));
    CHECK_NULLPTR(OVMS_InferenceRequestRemoveInput(NULL, "b"), "inference request");
    CHECK_NULLPTR(OVMS_InferenceRequestRemoveInput(request, NULL), "input name");
    CHECK_CODE(OVMS_InferenceRequestRemoveInput(request, "nonexistent"), SC_NONEXISTENT_TENSOR_FOR_REMOVAL);
    CHECK_OK(OVMS_InferenceRequestRemoveInput(request, "b"));
    CHECK_CODE(OVMS_InferenceRequestRemoveInput(request, "b"), SC_NONEXISTENT_TENSOR_FOR_REMOVAL);
    /* a removed input is gone: its data cannot be set or removed */
    CHECK_CODE(OVMS_InferenceRequestInputSetData(request, "b", data, sizeof data, OVMS_BUFFERTYPE_CPU, 0),
               SC_NONEXISTENT_TENSOR_FOR_SET_BUFFER);
    CHECK_CODE(OVMS_InferenceRequestInputRemoveData(request, "b"), SC_NONEXISTENT_TENSOR_FOR_REMOVE_BUFFER);
    /* and can be added again */
    CHECK_OK(OVMS_InferenceRequestAddInput(request, "b", OVMS_DATATYPE_FP32, DUMMY_SHAPE, 2));
    CHECK_OK(OVMS_InferenceRequestInputSetData(request, "b", data, sizeof data, OVMS_BUFFERTYPE_CPU, 0));
    /* removing an input that has data works too */
    CHECK_OK(OVMS_InferenceRequestRemoveInput(request, "b"));
    OVMS_InferenceRequestDelete(request);
}

static void test_outputs(void) {
    float data[10] = {0};
    OVMS_InferenceRequest *request = NULL;
    REQUIRE_OK(OVMS_InferenceRequestNew(&request, server, "dummy", 1));
    CHECK_NULLPTR(OVMS_InferenceRequestAddOutput(NULL, "a", OVMS_DATATYPE_FP32, DUMMY_SHAPE, 2), "inference request");
    CHECK_NULLPTR(OVMS_InferenceRequestAddOutput(request, NULL, OVMS_DATATYPE_FP32, DUMMY_SHAPE, 2), "output name");
    CHECK_NULLPTR(OVMS_InferenceRequestAddOutput(request, "a", OVMS_DATATYPE_FP32, NULL, 2), "shape");
    CHECK_CODE(OVMS_InferenceRequestAddOutput(request, "a", OVMS_DATATYPE_STRING, DUMMY_SHAPE, 2), SC_NOT_IMPLEMENTED);
    CHECK_OK(OVMS_InferenceRequestAddOutput(request, "a", OVMS_DATATYPE_FP32, DUMMY_SHAPE, 2));
    CHECK_CODE(OVMS_InferenceRequestAddOutput(request, "a", OVMS_DATATYPE_FP32, DUMMY_SHAPE, 2), SC_DOUBLE_TENSOR_INSERT);
    /* inputs and outputs are separate: an input may have an output's name */
    CHECK_OK(OVMS_InferenceRequestAddInput(request, "a", OVMS_DATATYPE_FP32, DUMMY_SHAPE, 2));
    CHECK_OK(OVMS_InferenceRequestAddOutput(request, "scalar_out", OVMS_DATATYPE_FP32, NULL, 0));

    CHECK_NULLPTR(OVMS_InferenceRequestOutputSetData(NULL, "a", data, sizeof data, OVMS_BUFFERTYPE_CPU, 0),
                  "inference request");
    CHECK_NULLPTR(OVMS_InferenceRequestOutputSetData(request, NULL, data, sizeof data, OVMS_BUFFERTYPE_CPU, 0),
                  "output name");
    /* unlike inputs, output data must not be NULL */
    CHECK_NULLPTR(OVMS_InferenceRequestOutputSetData(request, "a", NULL, sizeof data, OVMS_BUFFERTYPE_CPU, 0), "data");
    CHECK_CODE(OVMS_InferenceRequestOutputSetData(request, "nonexistent", data, sizeof data, OVMS_BUFFERTYPE_CPU, 0),
               SC_NONEXISTENT_TENSOR_FOR_SET_BUFFER);
    CHECK_OK(OVMS_InferenceRequestOutputSetData(request, "a", data, sizeof data, OVMS_BUFFERTYPE_CPU, 0));
    CHECK_CODE(OVMS_InferenceRequestOutputSetData(request, "a", data, sizeof data, OVMS_BUFFERTYPE_CPU, 0),
               SC_DOUBLE_BUFFER_SET);

    CHECK_NULLPTR(OVMS_InferenceRequestOutputRemoveData(NULL, "a"), "inference request");
    CHECK_NULLPTR(OVMS_InferenceRequestOutputRemoveData(request, NULL), "output name");
    CHECK_CODE(OVMS_InferenceRequestOutputRemoveData(request, "nonexistent"), SC_NONEXISTENT_TENSOR_FOR_REMOVE_BUFFER);
    CHECK_OK(OVMS_InferenceRequestOutputRemoveData(request, "a"));
    CHECK_CODE(OVMS_InferenceRequestOutputRemoveData(request, "a"), SC_NONEXISTENT_BUFFER_FOR_REMOVAL);
    CHECK_OK(OVMS_InferenceRequestOutputSetData(request, "a", data, sizeof data, OVMS_BUFFERTYPE_CPU, 0));

    CHECK_NULLPTR(OVMS_InferenceRequestRemoveOutput(NULL, "a"), "inference request");
    CHECK_NULLPTR(OVMS_InferenceRequestRemoveOutput(request, NULL), "output name");
    CHECK_CODE(OVMS_InferenceRequestRemoveOutput(request, "nonexistent"), SC_NONEXISTENT_TENSOR_FOR_REMOVAL);
    CHECK_OK(OVMS_InferenceRequestRemoveOutput(request, "a"));
    CHECK_CODE(OVMS_InferenceRequestRemoveOutput(request, "a"), SC_NONEXISTENT_TENSOR_FOR_REMOVAL);
    CHECK_CODE(OVMS_InferenceRequestOutputSetData(request, "a", data, sizeof data, OVMS_BUFFERTYPE_CPU, 0),
               SC_NONEXISTENT_TENSOR_FOR_SET_BUFFER);
    /* removing the output did not touch the input of the same name */
    CHECK_OK(OVMS_InferenceRequestInputSetData(request, "a", data, sizeof data, OVMS_BUFFERTYPE_CPU, 0));
    CHECK_OK(OVMS_InferenceRequestRemoveInput(request, "a"));
    CHECK_OK(OVMS_InferenceRequestAddOutput(request, "a", OVMS_DATATYPE_FP32, DUMMY_SHAPE, 2));
    OVMS_InferenceRequestDelete(request);
}

static void test_parameters(void) {
    uint64_t sequence_id = 42;
    OVMS_InferenceRequest *request = NULL;
    REQUIRE_OK(OVMS_InferenceRequestNew(&request, server, "dummy", 1));
    CHECK_NULLPTR(OVMS_InferenceRequestAddParameter(NULL, "sequence_id", OVMS_DATATYPE_U64, &sequence_id, 8),
                  "inference request");
    CHECK_NULLPTR(OVMS_InferenceRequestAddParameter(request, NULL, OVMS_DATATYPE_U64, &sequence_id, 8),
                  "parameter name");
    CHECK_NULLPTR(OVMS_InferenceRequestAddParameter(request, "sequence_id", OVMS_DATATYPE_U64, NULL, 8), "data");
    CHECK_OK(OVMS_InferenceRequestAddParameter(request, "sequence_id", OVMS_DATATYPE_U64, &sequence_id, 8));
    CHECK_CODE(OVMS_InferenceRequestAddParameter(request, "sequence_id", OVMS_DATATYPE_U64, &sequence_id, 8),
               SC_DOUBLE_PARAMETER_INSERT);
    /* byteSize is ignored (the datatype's size is copied) */
    uint32_t control = 1;
    CHECK_OK(OVMS_InferenceRequestAddParameter(request, "sequence_control_input", OVMS_DATATYPE_U32, &control, 0));

    CHECK_NULLPTR(OVMS_InferenceRequestRemoveParameter(NULL, "sequence_id"), "inference request");
    CHECK_NULLPTR(OVMS_InferenceRequestRemoveParameter(request, NULL), "parameter name");
    CHECK_OK(OVMS_InferenceRequestRemoveParameter(request, "sequence_id"));
    CHECK_CODE(OVMS_InferenceRequestRemoveParameter(request, "sequence_id"), SC_NONEXISTENT_PARAMETER);
    CHECK_CODE(OVMS_InferenceRequestRemoveParameter(request, "never_added"), SC_NONEXISTENT_PARAMETER);
    /* a removed parameter can be added again */
    CHECK_OK(OVMS_InferenceRequestAddParameter(request, "sequence_id", OVMS_DATATYPE_U64, &sequence_id, 8));
    OVMS_InferenceRequestDelete(request);
}

static void callback_noop(OVMS_InferenceResponse *response, uint32_t flag, void *user) {
    (void)flag;
    (void)user;
    OVMS_InferenceResponseDelete(response);
}

static void test_completion_callback(void) {
    int user = 0;
    OVMS_InferenceRequest *request = NULL;
    REQUIRE_OK(OVMS_InferenceRequestNew(&request, server, "dummy", 1));
    CHECK_NULLPTR(OVMS_InferenceRequestSetCompletionCallback(NULL, callback_noop, &user), "inference request");
    CHECK_OK(OVMS_InferenceRequestSetCompletionCallback(request, callback_noop, &user));
    CHECK_OK(OVMS_InferenceRequestSetCompletionCallback(request, callback_noop, NULL));
    CHECK_OK(OVMS_InferenceRequestSetCompletionCallback(request, NULL, NULL)); /* clears */
    OVMS_InferenceRequestDelete(request);
}

/* NULL arguments of the execution calls are reported before anything else (the server is not
 * even started here). */
static void test_inference_null_arguments(void) {
    float data[10] = {0};
    OVMS_InferenceRequest *request = make_dummy_request(server, "dummy", 1, data);
    REQUIRE(request != NULL);
    OVMS_InferenceResponse *response = NULL;
    CHECK_NULLPTR(OVMS_Inference(NULL, request, &response), "server");
    CHECK_NULLPTR(OVMS_Inference(server, NULL, &response), "inference request");
    CHECK_NULLPTR(OVMS_Inference(server, request, NULL), "inference response");
    CHECK_NULLPTR(OVMS_InferenceAsync(NULL, request), "server");
    CHECK_NULLPTR(OVMS_InferenceAsync(server, NULL), "inference request");
    CHECK(response == NULL);
    OVMS_InferenceRequestDelete(request);
}

/* Response accessors with a NULL response. */
static void test_response_null_response(void) {
    uint32_t count = 0;
    const char *name = NULL;
    OVMS_DataType datatype;
    const int64_t *shape = NULL;
    size_t dims = 0;
    const void *data = NULL;
    size_t byte_size = 0;
    OVMS_BufferType buffer_type;
    uint32_t device = 0;
    CHECK_NULLPTR(OVMS_InferenceResponseOutputCount(NULL, &count), "inference response");
    CHECK_NULLPTR(OVMS_InferenceResponseParameterCount(NULL, &count), "inference response");
    CHECK_NULLPTR(OVMS_InferenceResponseOutput(NULL, 0, &name, &datatype, &shape, &dims, &data, &byte_size,
                                               &buffer_type, &device),
                  "inference response");
    CHECK_NULLPTR(OVMS_InferenceResponseParameter(NULL, 0, &datatype, &data), "inference response");
    OVMS_InferenceResponseDelete(NULL); /* no-op */
}

int main(void) {
    server = get_server();
    if (server == NULL)
        return test_summary() | 1;
    RUN_TEST(test_request_new_and_delete);
    RUN_TEST(test_add_input);
    RUN_TEST(test_input_set_and_remove_data);
    RUN_TEST(test_remove_input);
    RUN_TEST(test_outputs);
    RUN_TEST(test_parameters);
    RUN_TEST(test_completion_callback);
    RUN_TEST(test_inference_null_arguments);
    RUN_TEST(test_response_null_response);
    return test_summary();
}
