/* STRING tensors as a C++ host sends them (tests CAPIInference.String and
 * AcceptInputRejectOutputStringPrecision): inputs are arrays of std::string with byteSize
 * N * sizeof(std::string), outputs come back as arrays of std::string that the response owns.
 * Built with g++ against the public header only; the library reads libstdc++'s C++11 layout. */
#include "test_util.h"

#include <cstring>
#include <string>

static_assert(sizeof(std::string) == 32, "libstdc++'s C++11 std::string is 32 bytes");

enum { SC_INVALID_STRING_INPUT = 64 };

static OVMS_Server *server;
static const char *const MODEL = "passthrough_string";
static const char *const NAME = "my_name";

/* A request for passthrough_string with `count` std::string objects at `data`, byteSize
 * `byte_size`. NULL (and a recorded failure) if building it fails. */
static OVMS_InferenceRequest *string_request(const void *data, int64_t count, size_t byte_size) {
    OVMS_InferenceRequest *request = NULL;
    if (!tu_expect_ok(OVMS_InferenceRequestNew(&request, server, MODEL, 1), "OVMS_InferenceRequestNew", __FILE__,
                      __LINE__))
        return NULL;
    const int64_t shape[1] = {count};
    if (!tu_expect_ok(OVMS_InferenceRequestAddInput(request, NAME, OVMS_DATATYPE_STRING, shape, 1),
                      "OVMS_InferenceRequestAddInput", __FILE__, __LINE__) ||
        !tu_expect_ok(OVMS_InferenceRequestInputSetData(request, NAME, data, byte_size, OVMS_BUFFERTYPE_CPU, 0),
                      "OVMS_InferenceRequestInputSetData", __FILE__, __LINE__)) {
        OVMS_InferenceRequestDelete(request);
        return NULL;
    }
    return request;
}

/* Checks the response's one output is STRING [count] holding `expected`; returns its data. */
static const std::string *check_strings_at(OVMS_InferenceResponse *response, const std::string *expected,
                                           size_t count, const char *file, int line) {
    uint32_t outputs = 99;
    tu_expect_ok(OVMS_InferenceResponseOutputCount(response, &outputs), "OVMS_InferenceResponseOutputCount", file,
                 line);
    tu_check(outputs == 1, "one output", file, line);
    const char *name = NULL;
    OVMS_DataType datatype = OVMS_DATATYPE_UNDEFINED;
    const int64_t *shape = NULL;
    size_t dims = 99;
    const void *data = NULL;
    size_t byte_size = 0;
    OVMS_BufferType buffer_type = OVMS_BUFFERTYPE_HDDL;
    uint32_t device = 42;
    if (!tu_expect_ok(OVMS_InferenceResponseOutput(response, 0, &name, &datatype, &shape, &dims, &data, &byte_size,
                                                   &buffer_type, &device),
                      "OVMS_InferenceResponseOutput", file, line))
        return NULL;
    tu_check(name != NULL && std::strcmp(name, NAME) == 0, "output name my_name", file, line);
    tu_check(datatype == OVMS_DATATYPE_STRING, "output datatype STRING", file, line);
    tu_check(dims == 1 && shape != NULL && shape[0] == (int64_t)count, "output shape [count]", file, line);
    tu_check(byte_size == count * sizeof(std::string), "output byteSize == count * sizeof(std::string)", file,
             line);
    tu_check(buffer_type == OVMS_BUFFERTYPE_CPU, "output bufferType CPU", file, line);
    tu_check(device == 0, "output deviceId 0", file, line);
    if (!tu_check(data != NULL, "output data non-NULL", file, line) || byte_size != count * sizeof(std::string))
        return NULL;
    const std::string *strings = static_cast<const std::string *>(data);
    for (size_t i = 0; i < count; i++) {
        if (strings[i] != expected[i]) {
            char buf[512];
            std::snprintf(buf, sizeof buf, "output[%zu] = \"%.200s\", expected \"%.200s\"", i, strings[i].c_str(),
                          expected[i].c_str());
            tu_check(false, buf, file, line);
        }
        /* As libstdc++ keeps it: NUL-terminated, and c_str() agrees with data(). */
        tu_check(strings[i].c_str()[strings[i].size()] == '\0', "output string NUL-terminated", file, line);
    }
    return strings;
}
#define CHECK_STRINGS(response, expected, count) check_strings_at((response), (expected), (count), __FILE__, __LINE__)

/* CAPIInference.String: a short (SSO) and a long (heap) string round-trip; the first response keeps
 * its own copy through a second inference after the inputs changed. */
static void test_short_and_long_strings_round_trip(void) {
    std::string inputs[2] = {"Pan", "Kleks, a string longer than fifteen bytes"};
    const std::string first[2] = {inputs[0], inputs[1]};
    OVMS_InferenceRequest *request = string_request(inputs, 2, 2 * sizeof(std::string));
    REQUIRE(request != NULL);
    OVMS_InferenceResponse *response = NULL;
    CHECK_OK(OVMS_Inference(server, request, &response));
    if (response != NULL) {
        const std::string *out = CHECK_STRINGS(response, first, 2);
        CHECK(out != NULL && static_cast<const void *>(out) != static_cast<const void *>(inputs));
    }

    /* The request still points at `inputs`; change them and run again. */
    inputs[0] = "Habana";
    inputs[1] = "Gaudi, another string of more than fifteen bytes";
    const std::string second[2] = {inputs[0], inputs[1]};
    OVMS_InferenceResponse *response2 = NULL;
    CHECK_OK(OVMS_Inference(server, request, &response2));
    if (response2 != NULL)
        CHECK_STRINGS(response2, second, 2);
    /* The first response still holds the old values. */
    if (response != NULL)
        CHECK_STRINGS(response, first, 2);
    OVMS_InferenceResponseDelete(response2);
    OVMS_InferenceResponseDelete(response);
    OVMS_InferenceRequestDelete(request);
}

/* The SSO boundary (15 and 16 bytes), an empty string and bytes outside ASCII. */
static void test_boundary_strings(void) {
    std::string inputs[4] = {"", "exactly15bytes!", "exactly16bytes!!", "caf\xc3\xa9 \xe2\x82\xac"};
    OVMS_InferenceRequest *request = string_request(inputs, 4, sizeof inputs);
    REQUIRE(request != NULL);
    OVMS_InferenceResponse *response = NULL;
    CHECK_OK(OVMS_Inference(server, request, &response));
    if (response != NULL)
        CHECK_STRINGS(response, inputs, 4);
    OVMS_InferenceResponseDelete(response);
    OVMS_InferenceRequestDelete(request);
}

/* byteSize must be N * sizeof(std::string). */
static void test_wrong_byte_size(void) {
    std::string inputs[2] = {"Pan", "Kleks"};
    for (size_t byte_size : {2 * sizeof(std::string) - 1, 3 * sizeof(std::string), (size_t)2}) {
        OVMS_InferenceRequest *request = string_request(inputs, 2, byte_size);
        if (request == NULL)
            continue;
        OVMS_InferenceResponse *response = NULL;
        CHECK_CODE(OVMS_Inference(server, request, &response), SC_INVALID_CONTENT_SIZE);
        CHECK(response == NULL);
        OVMS_InferenceRequestDelete(request);
    }
}

/* AcceptInputRejectOutputStringPrecision: STRING inputs work, STRING outputs cannot be added. */
static void test_string_output_cannot_be_preallocated(void) {
    std::string inputs[1] = {"RandomString"};
    OVMS_InferenceRequest *request = string_request(inputs, 1, sizeof inputs);
    REQUIRE(request != NULL);
    OVMS_InferenceResponse *response = NULL;
    CHECK_OK(OVMS_Inference(server, request, &response));
    if (response != NULL)
        CHECK_STRINGS(response, inputs, 1);
    OVMS_InferenceResponseDelete(response);
    const int64_t shape[1] = {1};
    CHECK_CODE(OVMS_InferenceRequestAddOutput(request, NAME, OVMS_DATATYPE_STRING, shape, 1), SC_NOT_IMPLEMENTED);
    OVMS_InferenceRequestDelete(request);
}

/* Another precision for the STRING input is INVALID_PRECISION. */
static void test_other_precision(void) {
    unsigned char bytes[2] = {1, 2};
    OVMS_InferenceRequest *request = NULL;
    REQUIRE_OK(OVMS_InferenceRequestNew(&request, server, MODEL, 1));
    const int64_t shape[1] = {2};
    CHECK_OK(OVMS_InferenceRequestAddInput(request, NAME, OVMS_DATATYPE_U8, shape, 1));
    CHECK_OK(OVMS_InferenceRequestInputSetData(request, NAME, bytes, sizeof bytes, OVMS_BUFFERTYPE_CPU, 0));
    OVMS_InferenceResponse *response = NULL;
    CHECK_CODE(OVMS_Inference(server, request, &response), SC_INVALID_PRECISION);
    OVMS_InferenceRequestDelete(request);
}

/* 32 bytes that are no libstdc++ std::string are INVALID_STRING_INPUT naming the input, and the
 * server keeps serving. */
static void test_garbage_objects(void) {
    struct Fake {
        const char *ptr;
        size_t len;
        char local[16];
    };
    static_assert(sizeof(Fake) == sizeof(std::string), "same size as std::string");
    Fake null_ptr = {NULL, 5, {0}};
    /* A short string must point at its own buffer: a copied object points at the original's. */
    std::string real = "Pan";
    Fake moved;
    std::memcpy(static_cast<void *>(&moved), static_cast<const void *>(&real), sizeof moved);
    Fake moved_copy = moved;
    /* A long string's capacity is at least its length. */
    static const char text[] = "a string longer than fifteen bytes";
    Fake bad_capacity = {text, sizeof text - 1, {0}};
    size_t small = 3;
    std::memcpy(bad_capacity.local, &small, sizeof small);
    for (const Fake *fake : {&null_ptr, &moved_copy, &bad_capacity}) {
        OVMS_InferenceRequest *request = string_request(fake, 1, sizeof *fake);
        if (request == NULL)
            continue;
        OVMS_InferenceResponse *response = NULL;
        OVMS_Status *status = OVMS_Inference(server, request, &response);
        const char *details = NULL;
        uint32_t code = 0;
        if (status != NULL && tu_status_info(status, &code, &details)) {
            CHECK(std::strstr(details, "my_name") != NULL);
            CHECK(std::strstr(details, "libstdc++") != NULL);
        }
        CHECK_CODE(status, SC_INVALID_STRING_INPUT);
        CHECK(response == NULL);
        OVMS_InferenceRequestDelete(request);
    }
    /* Still serving. */
    std::string inputs[2] = {"still", "serving after garbage input objects"};
    OVMS_InferenceRequest *request = string_request(inputs, 2, sizeof inputs);
    REQUIRE(request != NULL);
    OVMS_InferenceResponse *response = NULL;
    CHECK_OK(OVMS_Inference(server, request, &response));
    if (response != NULL)
        CHECK_STRINGS(response, inputs, 2);
    OVMS_InferenceResponseDelete(response);
    OVMS_InferenceRequestDelete(request);
}

/* Zero strings: shape [0], byteSize 0, data may be NULL. */
static void test_no_strings(void) {
    OVMS_InferenceRequest *request = string_request(NULL, 0, 0);
    REQUIRE(request != NULL);
    OVMS_InferenceResponse *response = NULL;
    CHECK_OK(OVMS_Inference(server, request, &response));
    if (response != NULL) {
        const char *name = NULL;
        OVMS_DataType datatype = OVMS_DATATYPE_UNDEFINED;
        const int64_t *shape = NULL;
        size_t dims = 99;
        const void *data = NULL;
        size_t byte_size = 99;
        OVMS_BufferType buffer_type = OVMS_BUFFERTYPE_HDDL;
        uint32_t device = 42;
        CHECK_OK(OVMS_InferenceResponseOutput(response, 0, &name, &datatype, &shape, &dims, &data, &byte_size,
                                              &buffer_type, &device));
        CHECK(datatype == OVMS_DATATYPE_STRING);
        CHECK(dims == 1 && shape != NULL && shape[0] == 0);
        CHECK_EQ_INT(byte_size, 0);
    }
    OVMS_InferenceResponseDelete(response);
    OVMS_InferenceRequestDelete(request);
}

int main(void) {
    server = start_server("config_string.json");
    if (server == NULL)
        return test_summary() | 1;
    RUN_TEST(test_short_and_long_strings_round_trip);
    RUN_TEST(test_boundary_strings);
    RUN_TEST(test_wrong_byte_size);
    RUN_TEST(test_string_output_cannot_be_preallocated);
    RUN_TEST(test_other_precision);
    RUN_TEST(test_garbage_objects);
    RUN_TEST(test_no_strings);
    stop_server();
    return test_summary();
}
