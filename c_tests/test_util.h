/*
 * test_util.h: the tiny test harness of the C suite (plain C11, no framework).
 *
 * - Status codes are OVMS v2026.3 numbers (docs/c-api.md); ovms.h names them in OVMS_ExStatusCode.
 * - CHECK* macros record a failure (file:line, and for statuses the code and details) and go on;
 *   REQUIRE* macros do the same and then `return` from the current test function.
 * - RUN_TEST(fn) runs one test function; test_summary() prints "N passed, N failed" (tests) and
 *   returns the process exit code (non-zero when any check failed).
 *
 * Only the public header is used. Paths come from the build as OVMS_TEST_CONFIG_DIR and
 * OVMS_TEST_MODELS_DIR.
 */
#ifndef OVMS_C_TESTS_TEST_UTIL_H
#define OVMS_C_TESTS_TEST_UTIL_H

#include "ovms.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef OVMS_TEST_CONFIG_DIR
#error "OVMS_TEST_CONFIG_DIR must be defined by the build"
#endif
#ifndef OVMS_TEST_MODELS_DIR
#error "OVMS_TEST_MODELS_DIR must be defined by the build"
#endif

#if defined(__GNUC__)
#define TU_UNUSED __attribute__((unused))
#else
#define TU_UNUSED
#endif

/* ---- status codes, OVMS v2026.3 numbering ---------------------------------------------- */
enum {
    SC_OK = 0,
    SC_CONFIG_FILE_INVALID = 4,
    SC_JSON_INVALID = 7,
    SC_JSON_SERIALIZATION_ERROR = 9,
    SC_MODEL_NAME_MISSING = 45,
    SC_MODEL_VERSION_MISSING = 47,
    SC_MODEL_VERSION_NOT_LOADED_ANYMORE = 48,
    SC_MODEL_VERSION_NOT_LOADED_YET = 49,
    SC_INVALID_NO_OF_INPUTS = 51,
    SC_INVALID_MISSING_INPUT = 52,
    SC_INVALID_NO_OF_SHAPE_DIMENSIONS = 55,
    SC_INVALID_BATCH_SIZE = 56,
    SC_INVALID_SHAPE = 57,
    SC_INVALID_PRECISION = 58,
    SC_INVALID_CONTENT_SIZE = 60,
    SC_INVALID_BUFFER_TYPE = 62,
    SC_INVALID_DEVICE_ID = 63,
    SC_OV_INTERNAL_INFERENCE_ERROR = 69,
    SC_INTERNAL_ERROR = 76,
    SC_NOT_IMPLEMENTED = 78,
    SC_PIPELINE_DEFINITION_NAME_MISSING = 144,
    SC_DOUBLE_BUFFER_SET = 244,
    SC_DOUBLE_TENSOR_INSERT = 245,
    SC_DOUBLE_PARAMETER_INSERT = 246,
    SC_NONEXISTENT_BUFFER = 247,
    SC_NONEXISTENT_BUFFER_FOR_REMOVAL = 248,
    SC_NONEXISTENT_PARAMETER = 249,
    SC_NONEXISTENT_TENSOR = 250,
    SC_NONEXISTENT_TENSOR_FOR_SET_BUFFER = 251,
    SC_NONEXISTENT_TENSOR_FOR_REMOVE_BUFFER = 252,
    SC_NONEXISTENT_TENSOR_FOR_REMOVAL = 253,
    SC_NONEXISTENT_LOG_LEVEL = 254,
    SC_NONEXISTENT_PTR = 255,
    SC_SERVER_NOT_READY = 256,
    SC_OPTIONS_USAGE_ERROR = 257,
    SC_SERVER_ALREADY_STARTED = 260,
    SC_SERVER_ALREADY_STARTING = 261
};

/* Canonical detail text of a code (docs/c-api.md); NULL when the suite does not know it. */
static TU_UNUSED const char *tu_canonical_message(uint32_t code) {
    switch (code) {
    case 4: return "Configuration file not found or cannot open";
    case 7: return "The file is not valid json";
    case 9: return "Data serialization to json format failed";
    case 45: return "Model with requested name is not found";
    case 47: return "Model with requested version is not found";
    case 48: return "Model with requested version is retired";
    case 49: return "Model with requested version is not loaded yet";
    case 51: return "Invalid number of inputs";
    case 52: return "Missing input with specific name";
    case 55: return "Invalid number of shape dimensions";
    case 56: return "Invalid input batch size";
    case 57: return "Invalid input shape";
    case 58: return "Invalid input precision";
    case 60: return "Invalid content size of tensor proto";
    case 62: return "Invalid input buffer type";
    case 63: return "Invalid input buffer device id";
    case 69: return "Internal inference error";
    case 76: return "Internal server error";
    case 78: return "Functionality not implemented";
    case 144: return "Pipeline with requested name is not found";
    case 244: return "Cannot set buffer more than once to the same tensor";
    case 245: return "Cannot insert more than one tensor with the same name";
    case 246: return "Cannot insert more than one parameter with the same name";
    case 247: return "Output does not contain buffer";
    case 248: return "Tried to remove nonexisting buffer";
    case 249: return "Tried to use nonexisting parameter";
    case 250: return "Tried to get nonexisting tensor";
    case 251: return "Tried to set buffer for nonexisting tensor";
    case 252: return "Tried to remove buffer for nonexisting tensor";
    case 253: return "Tried to remove nonexisting tensor";
    case 254: return "Tried to use nonexisting log level";
    case 255: return "Tried to use nonexisting pointer";
    case 256: return "Server is not ready";
    case 257: return "options validation error";
    case 260: return "Server has already started";
    case 261: return "Server is already starting";
    default: return NULL;
    }
}

/* ---- bookkeeping ------------------------------------------------------------------------ */
static int tu_checks_failed_total = 0;  /* all failed checks of the process */
static int tu_checks_total = 0;
static int tu_current_failed = 0;       /* failed checks of the running test */
static int tu_tests_passed = 0;
static int tu_tests_failed = 0;
static const char *tu_current_test = "(none)";

static TU_UNUSED void tu_fail(const char *file, int line, const char *message) {
    tu_checks_failed_total++;
    tu_current_failed++;
    fprintf(stderr, "%s:%d: FAILED in %s: %s\n", file, line, tu_current_test, message);
    fflush(stderr);
}

/* Reads a status' code and details (both accessors must work). Returns false if they fail. */
static TU_UNUSED bool tu_status_info(OVMS_Status *status, uint32_t *code, const char **details) {
    *code = 0xFFFFFFFFu;
    *details = NULL;
    OVMS_Status *s1 = OVMS_StatusCode(status, code);
    OVMS_Status *s2 = OVMS_StatusDetails(status, details);
    bool ok = s1 == NULL && s2 == NULL && *details != NULL;
    OVMS_StatusDelete(s1);
    OVMS_StatusDelete(s2);
    return ok;
}

/* Expects success (NULL). Deletes a non-NULL status. Returns true on success. */
static TU_UNUSED bool tu_expect_ok(OVMS_Status *status, const char *expr, const char *file, int line) {
    tu_checks_total++;
    if (status == NULL)
        return true;
    uint32_t code;
    const char *details;
    tu_status_info(status, &code, &details);
    char buf[1024];
    snprintf(buf, sizeof buf, "%s: expected success, got code %u, details \"%s\"", expr, code,
             details ? details : "(null)");
    tu_fail(file, line, buf);
    OVMS_StatusDelete(status);
    return false;
}

/*
 * Expects a status with `code`; its details must start with the canonical message of the code
 * (when known) followed by nothing or " - ..."; if `exact_details` is non-NULL the details must
 * equal it. Deletes the status. Returns true when everything matched.
 */
static TU_UNUSED bool tu_expect_code(OVMS_Status *status, uint32_t expected, const char *exact_details,
                                     const char *expr, const char *file, int line) {
    tu_checks_total++;
    char buf[1400];
    if (status == NULL) {
        snprintf(buf, sizeof buf, "%s: expected code %u, got success (NULL status)", expr, expected);
        tu_fail(file, line, buf);
        return false;
    }
    uint32_t code;
    const char *details;
    bool readable = tu_status_info(status, &code, &details);
    bool ok = readable && code == expected;
    const char *canonical = tu_canonical_message(expected);
    if (ok && canonical != NULL) {
        size_t n = strlen(canonical);
        if (strncmp(details, canonical, n) != 0 || (details[n] != '\0' && strncmp(details + n, " - ", 3) != 0))
            ok = false;
    }
    if (ok && exact_details != NULL && strcmp(details, exact_details) != 0)
        ok = false;
    if (!ok) {
        snprintf(buf, sizeof buf, "%s: expected code %u%s%s%s, got code %u, details \"%s\"%s", expr, expected,
                 exact_details ? " with details \"" : "", exact_details ? exact_details : "",
                 exact_details ? "\"" : "", code, details ? details : "(null)",
                 readable ? "" : " (status accessors failed)");
        tu_fail(file, line, buf);
    }
    OVMS_StatusDelete(status);
    return ok;
}

static TU_UNUSED bool tu_expect_nullptr(OVMS_Status *status, const char *arg, const char *expr, const char *file,
                                        int line) {
    char expected[256];
    snprintf(expected, sizeof expected, "Tried to use nonexisting pointer - %s", arg);
    return tu_expect_code(status, SC_NONEXISTENT_PTR, expected, expr, file, line);
}

static TU_UNUSED bool tu_check(bool cond, const char *expr, const char *file, int line) {
    tu_checks_total++;
    if (!cond) {
        char buf[1024];
        snprintf(buf, sizeof buf, "check failed: %s", expr);
        tu_fail(file, line, buf);
    }
    return cond;
}

/* ---- the macros ------------------------------------------------------------------------- */
#define CHECK(cond) ((void)tu_check((cond) ? true : false, #cond, __FILE__, __LINE__))
#define REQUIRE(cond)                                                   \
    do {                                                                \
        if (!tu_check((cond) ? true : false, #cond, __FILE__, __LINE__)) \
            return;                                                     \
    } while (0)

#define CHECK_OK(expr) ((void)tu_expect_ok((expr), #expr, __FILE__, __LINE__))
#define REQUIRE_OK(expr)                                   \
    do {                                                   \
        if (!tu_expect_ok((expr), #expr, __FILE__, __LINE__)) \
            return;                                        \
    } while (0)

/* Non-NULL status with this code (and canonical message prefix). */
#define CHECK_CODE(expr, code) ((void)tu_expect_code((expr), (code), NULL, #expr, __FILE__, __LINE__))
/* Non-NULL status with this code and exactly these details. */
#define CHECK_CODE_DETAILS(expr, code, details) \
    ((void)tu_expect_code((expr), (code), (details), #expr, __FILE__, __LINE__))
/* NONEXISTENT_PTR with details "Tried to use nonexisting pointer - <arg>". */
#define CHECK_NULLPTR(expr, arg) ((void)tu_expect_nullptr((expr), (arg), #expr, __FILE__, __LINE__))

#define CHECK_EQ_INT(a, b)                                                                             \
    do {                                                                                               \
        long long tu_a_ = (long long)(a), tu_b_ = (long long)(b);                                      \
        tu_checks_total++;                                                                             \
        if (tu_a_ != tu_b_) {                                                                          \
            char tu_buf_[512];                                                                         \
            snprintf(tu_buf_, sizeof tu_buf_, "%s == %s: %lld != %lld", #a, #b, tu_a_, tu_b_);         \
            tu_fail(__FILE__, __LINE__, tu_buf_);                                          \
        }                                                                                              \
    } while (0)

#define CHECK_EQ_STR(a, b)                                                                             \
    do {                                                                                               \
        const char *tu_a_ = (a), *tu_b_ = (b);                                                         \
        tu_checks_total++;                                                                             \
        if (tu_a_ == NULL || tu_b_ == NULL || strcmp(tu_a_, tu_b_) != 0) {                             \
            char tu_buf_[2400];                                                                        \
            snprintf(tu_buf_, sizeof tu_buf_, "%.200s == %.200s: \"%.900s\" != \"%.900s\"", #a, #b,    \
                     tu_a_ ? tu_a_ : "(null)", tu_b_ ? tu_b_ : "(null)");                              \
            tu_fail(__FILE__, __LINE__, tu_buf_);                                          \
        }                                                                                              \
    } while (0)

#define CHECK_NEAR(a, b)                                                                               \
    do {                                                                                               \
        double tu_a_ = (double)(a), tu_b_ = (double)(b);                                               \
        tu_checks_total++;                                                                             \
        if (!(fabs(tu_a_ - tu_b_) <= 1e-5 * (1.0 + fabs(tu_b_)))) {                                    \
            char tu_buf_[512];                                                                         \
            snprintf(tu_buf_, sizeof tu_buf_, "%s ~= %s: %g != %g", #a, #b, tu_a_, tu_b_);             \
            tu_fail(__FILE__, __LINE__, tu_buf_);                                          \
        }                                                                                              \
    } while (0)

#define RUN_TEST(fn)                                                                      \
    do {                                                                                  \
        tu_current_test = #fn;                                                            \
        tu_current_failed = 0;                                                            \
        printf("[ RUN      ] %s\n", #fn);                                                 \
        fflush(stdout);                                                                   \
        fn();                                                                             \
        if (tu_current_failed == 0) {                                                     \
            tu_tests_passed++;                                                            \
            printf("[       OK ] %s\n", #fn);                                             \
        } else {                                                                          \
            tu_tests_failed++;                                                            \
            printf("[  FAILED  ] %s (%d failed checks)\n", #fn, tu_current_failed);       \
        }                                                                                 \
        fflush(stdout);                                                                   \
    } while (0)

/* Prints the summary line and returns the exit code. */
static TU_UNUSED int test_summary(void) {
    printf("%d checks, %d failed checks\n", tu_checks_total, tu_checks_failed_total);
    printf("%d passed, %d failed\n", tu_tests_passed, tu_tests_failed);
    fflush(stdout);
    return (tu_tests_failed == 0 && tu_checks_failed_total == 0) ? 0 : 1;
}

/* ---- helpers ---------------------------------------------------------------------------- */

/* Path of a config file in c_tests/configs (rotating static buffers, fine for a few at once). */
static TU_UNUSED const char *config_path(const char *file) {
    static char bufs[4][1024];
    static int next = 0;
    char *buf = bufs[next++ % 4];
    snprintf(buf, sizeof bufs[0], "%s/%s", OVMS_TEST_CONFIG_DIR, file);
    return buf;
}

static TU_UNUSED OVMS_Server *get_server(void) {
    OVMS_Server *server = NULL;
    OVMS_Status *status = OVMS_ServerNew(&server);
    if (status != NULL) {
        tu_expect_ok(status, "OVMS_ServerNew", __FILE__, __LINE__);
        return NULL;
    }
    return server;
}

/* Starts the server (stopping it first) from a config in c_tests/configs and returns the
 * server status as is (NULL on success); the settings objects are freed. */
static TU_UNUSED OVMS_Status *start_server_status(const char *config_file_path) {
    OVMS_Server *server = get_server();
    if (server == NULL)
        return NULL;
    OVMS_ServerDelete(server);
    OVMS_ServerSettings *ss = NULL;
    OVMS_ModelsSettings *ms = NULL;
    OVMS_Status *status = OVMS_ServerSettingsNew(&ss);
    if (status == NULL)
        status = OVMS_ServerSettingsSetLogLevel(ss, OVMS_LOG_ERROR);
    if (status == NULL)
        status = OVMS_ModelsSettingsNew(&ms);
    if (status == NULL)
        status = OVMS_ModelsSettingsSetConfigPath(ms, config_file_path);
    if (status == NULL)
        status = OVMS_ServerStartFromConfigurationFile(server, ss, ms);
    OVMS_ServerSettingsDelete(ss);
    OVMS_ModelsSettingsDelete(ms);
    return status;
}

/* Starts from c_tests/configs/<file>; records a failure and returns NULL if that fails. */
static TU_UNUSED OVMS_Server *start_server(const char *config_file) {
    const char *path = config_path(config_file);
    OVMS_Status *status = start_server_status(path);
    if (!tu_expect_ok(status, path, __FILE__, __LINE__))
        return NULL;
    return get_server();
}

static TU_UNUSED void stop_server(void) {
    OVMS_Server *server = NULL;
    OVMS_Status *status = OVMS_ServerNew(&server);
    OVMS_StatusDelete(status);
    OVMS_ServerDelete(server);
}

/* The code of a status (deleting it); SC_OK for NULL. */
static TU_UNUSED uint32_t status_code_of(OVMS_Status *status) {
    if (status == NULL)
        return SC_OK;
    uint32_t code = 0xFFFFFFFFu;
    OVMS_Status *s = OVMS_StatusCode(status, &code);
    OVMS_StatusDelete(s);
    OVMS_StatusDelete(status);
    return code;
}

static const int64_t DUMMY_SHAPE[2] = {1, 10};

/* A request for a model with one FP32 input of the given name/shape bound to `data`. */
static TU_UNUSED OVMS_InferenceRequest *make_request(OVMS_Server *server, const char *servable, int64_t version,
                                                     const char *input, const int64_t *shape, size_t dims,
                                                     const float *data, size_t byte_size) {
    OVMS_InferenceRequest *request = NULL;
    if (!tu_expect_ok(OVMS_InferenceRequestNew(&request, server, servable, version), "OVMS_InferenceRequestNew",
                      __FILE__, __LINE__))
        return NULL;
    if (!tu_expect_ok(OVMS_InferenceRequestAddInput(request, input, OVMS_DATATYPE_FP32, shape, dims),
                      "OVMS_InferenceRequestAddInput", __FILE__, __LINE__) ||
        !tu_expect_ok(OVMS_InferenceRequestInputSetData(request, input, data, byte_size, OVMS_BUFFERTYPE_CPU, 0),
                      "OVMS_InferenceRequestInputSetData", __FILE__, __LINE__)) {
        OVMS_InferenceRequestDelete(request);
        return NULL;
    }
    return request;
}

/* A dummy-like request: input "b" FP32 [1,10]. */
static TU_UNUSED OVMS_InferenceRequest *make_dummy_request(OVMS_Server *server, const char *servable, int64_t version,
                                                           const float *data) {
    return make_request(server, servable, version, "b", DUMMY_SHAPE, 2, data, 10 * sizeof(float));
}

/*
 * Checks a dummy-like response: one output `name`, FP32, shape [1, n], CPU, device 0, CPU copy
 * (or `expected_data_ptr` when non-NULL), values input[i] + add. Returns the output data pointer.
 */
static TU_UNUSED const float *check_float_response_at(OVMS_InferenceResponse *response, const char *name,
                                                      const int64_t *shape, size_t dims, const float *input,
                                                      float add, const void *expected_data_ptr, const char *file,
                                                      int line) {
    int failed_before = tu_checks_failed_total;
    uint32_t count = 0;
    tu_expect_ok(OVMS_InferenceResponseOutputCount(response, &count), "OVMS_InferenceResponseOutputCount", file, line);
    tu_check(count == 1, "response output count == 1", file, line);
    const char *out_name = NULL;
    OVMS_DataType datatype = OVMS_DATATYPE_UNDEFINED;
    const int64_t *out_shape = NULL;
    size_t out_dims = 99;
    const void *data = NULL;
    size_t byte_size = 0;
    OVMS_BufferType buffer_type = OVMS_BUFFERTYPE_HDDL;
    uint32_t device = 77;
    if (!tu_expect_ok(OVMS_InferenceResponseOutput(response, 0, &out_name, &datatype, &out_shape, &out_dims, &data,
                                                   &byte_size, &buffer_type, &device),
                      "OVMS_InferenceResponseOutput", file, line))
        return NULL;
    size_t elements = 1;
    for (size_t i = 0; i < dims; i++)
        elements *= (size_t)shape[i];
    tu_check(out_name != NULL && strcmp(out_name, name) == 0, "output name matches", file, line);
    tu_check(datatype == OVMS_DATATYPE_FP32, "output datatype FP32", file, line);
    tu_check(out_dims == dims, "output dimCount matches", file, line);
    if (out_dims == dims && dims > 0) {
        tu_check(out_shape != NULL, "output shape non-NULL", file, line);
        for (size_t i = 0; out_shape != NULL && i < dims; i++)
            tu_check(out_shape[i] == shape[i], "output shape dim matches", file, line);
    }
    tu_check(byte_size == elements * sizeof(float), "output byteSize == elements*4", file, line);
    tu_check(buffer_type == OVMS_BUFFERTYPE_CPU, "output bufferType CPU", file, line);
    tu_check(device == 0, "output deviceId 0", file, line);
    if (expected_data_ptr != NULL)
        tu_check(data == expected_data_ptr, "output data is the expected (user) buffer", file, line);
    if (!tu_check(data != NULL || elements == 0, "output data non-NULL", file, line))
        return NULL;
    const float *values = (const float *)data;
    for (size_t i = 0; i < elements && byte_size == elements * sizeof(float); i++) {
        if (fabsf(values[i] - (input[i] + add)) > 1e-5f) {
            char buf[256];
            snprintf(buf, sizeof buf, "output[%zu] = %g, expected %g", i, (double)values[i],
                     (double)(input[i] + add));
            tu_check(false, buf, file, line);
            break;
        }
    }
    (void)failed_before;
    return values;
}

#define CHECK_FLOAT_RESPONSE(resp, name, shape, dims, input, add) \
    check_float_response_at((resp), (name), (shape), (dims), (input), (add), NULL, __FILE__, __LINE__)
#define CHECK_DUMMY_RESPONSE(resp, input, add) \
    check_float_response_at((resp), "a", DUMMY_SHAPE, 2, (input), (add), NULL, __FILE__, __LINE__)

/* Runs one dummy-like inference (input "b" [1,10] = base + i) and checks a == b + add. */
static TU_UNUSED void infer_dummy_at(OVMS_Server *server, const char *servable, int64_t version, float base, float add,
                                     const char *file, int line) {
    float input[10];
    for (int i = 0; i < 10; i++)
        input[i] = base + (float)i;
    OVMS_InferenceRequest *request = make_dummy_request(server, servable, version, input);
    if (!tu_check(request != NULL, "request created", file, line))
        return;
    OVMS_InferenceResponse *response = NULL;
    if (tu_expect_ok(OVMS_Inference(server, request, &response), servable, file, line)) {
        tu_check(response != NULL, "response non-NULL", file, line);
        if (response != NULL)
            check_float_response_at(response, "a", DUMMY_SHAPE, 2, input, add, NULL, file, line);
    }
    OVMS_InferenceResponseDelete(response);
    OVMS_InferenceRequestDelete(request);
}
#define INFER_DUMMY(server, servable, version, base, add) \
    infer_dummy_at((server), (servable), (version), (base), (add), __FILE__, __LINE__)

/* The code of a dummy-like inference (input "b" [1,10]); the response, if any, is freed. */
static TU_UNUSED uint32_t infer_dummy_code(OVMS_Server *server, const char *servable, int64_t version) {
    float input[10] = {0};
    OVMS_InferenceRequest *request = NULL;
    OVMS_Status *status = OVMS_InferenceRequestNew(&request, server, servable, version);
    if (status != NULL)
        return status_code_of(status);
    OVMS_StatusDelete(OVMS_InferenceRequestAddInput(request, "b", OVMS_DATATYPE_FP32, DUMMY_SHAPE, 2));
    OVMS_StatusDelete(OVMS_InferenceRequestInputSetData(request, "b", input, sizeof input, OVMS_BUFFERTYPE_CPU, 0));
    OVMS_InferenceResponse *response = NULL;
    uint32_t code = status_code_of(OVMS_Inference(server, request, &response));
    OVMS_InferenceResponseDelete(response);
    OVMS_InferenceRequestDelete(request);
    return code;
}

/* Servable state, or 1000 + status code on error. */
static TU_UNUSED int servable_state(OVMS_Server *server, const char *name, int64_t version) {
    OVMS_ServableState state = OVMS_STATE_BEGIN;
    OVMS_Status *status = OVMS_GetServableState(server, name, version, &state);
    if (status != NULL)
        return 1000 + (int)status_code_of(status);
    return (int)state;
}

#endif /* OVMS_C_TESTS_TEST_UTIL_H */
