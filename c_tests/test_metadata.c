/* Server metadata and servable metadata (tests CAPIServerMetadata.Basic,
 * CAPIMetadata.Negative / BasicDummy / BasicScalar / DummyDynamicShapes / TwoInputsAddModel). */
#include "test_util.h"

/* ---- server metadata ---- */

/* Reads the string value of "key" from `json` into `out` (no escapes expected). */
static bool json_string_field(const char *json, const char *key, char *out, size_t out_size) {
    char pattern[64];
    snprintf(pattern, sizeof pattern, "\"%s\":\"", key);
    const char *at = strstr(json, pattern);
    if (at == NULL)
        return false;
    at += strlen(pattern);
    const char *end = strchr(at, '"');
    if (end == NULL || (size_t)(end - at) >= out_size)
        return false;
    memcpy(out, at, (size_t)(end - at));
    out[end - at] = '\0';
    return true;
}

static void check_server_metadata(OVMS_Server *server) {
    OVMS_Metadata *metadata = NULL;
    CHECK_NULLPTR(OVMS_ServerMetadata(NULL, &metadata), "server");
    CHECK_NULLPTR(OVMS_ServerMetadata(server, NULL), "metadata");
    REQUIRE_OK(OVMS_ServerMetadata(server, &metadata));
    REQUIRE(metadata != NULL);

    const char *json = NULL;
    size_t size = 0;
    CHECK_NULLPTR(OVMS_SerializeMetadataToString(NULL, &json, &size), "metadata");
    CHECK_NULLPTR(OVMS_SerializeMetadataToString(metadata, NULL, &size), "json");
    CHECK_NULLPTR(OVMS_SerializeMetadataToString(metadata, &json, NULL), "size");
    REQUIRE_OK(OVMS_SerializeMetadataToString(metadata, &json, &size));
    REQUIRE(json != NULL);
    CHECK_EQ_INT(size, strlen(json));
    /* exactly {"name":...,"version":...,"ov_version":...}, in this order, compact */
    char name[256] = "", version[256] = "", ov_version[256] = "";
    CHECK(json_string_field(json, "name", name, sizeof name));
    CHECK(json_string_field(json, "version", version, sizeof version));
    CHECK(json_string_field(json, "ov_version", ov_version, sizeof ov_version));
    CHECK_EQ_STR(name, "OpenVINO Model Server");
    CHECK(strlen(version) > 0);
    CHECK(strlen(ov_version) > 0);
    /* OVMS's YYYY.N.P.build form: the OVMS release matched, then the library's own version. */
    unsigned year = 0, minor = 0, patch = 0;
    char build[256] = "";
    CHECK(sscanf(version, "%4u.%u.%u.%255s", &year, &minor, &patch, build) == 4);
    CHECK(year == 2026 && minor == 3 && patch == 0);
    CHECK(strncmp(build, "ovms-shared-", 12) == 0 && strchr(build, '.') == NULL);
    char expected[1024];
    snprintf(expected, sizeof expected, "{\"name\":\"%s\",\"version\":\"%s\",\"ov_version\":\"%s\"}", name, version,
             ov_version);
    CHECK_EQ_STR(json, expected);
    OVMS_StringFree(json);

    const char *value = NULL;
    CHECK_NULLPTR(OVMS_MetadataFieldByPointer(NULL, "/name", &value, &size), "metadata");
    CHECK_NULLPTR(OVMS_MetadataFieldByPointer(metadata, NULL, &value, &size), "pointer");
    CHECK_NULLPTR(OVMS_MetadataFieldByPointer(metadata, "/name", NULL, &size), "value");
    CHECK_NULLPTR(OVMS_MetadataFieldByPointer(metadata, "/name", &value, NULL), "size");
    const char *pointers[3] = {"/name", "/version", "/ov_version"};
    const char *expected_values[3] = {name, version, ov_version};
    for (int i = 0; i < 3; i++) {
        value = NULL;
        size = 0;
        CHECK_OK(OVMS_MetadataFieldByPointer(metadata, pointers[i], &value, &size));
        CHECK_EQ_STR(value, expected_values[i]);
        if (value != NULL)
            CHECK_EQ_INT(size, strlen(value));
        OVMS_StringFree(value);
    }
    value = NULL;
    CHECK_CODE(OVMS_MetadataFieldByPointer(metadata, "/dummy", &value, &size), SC_JSON_SERIALIZATION_ERROR);
    CHECK_CODE(OVMS_MetadataFieldByPointer(metadata, "/name/deeper", &value, &size), SC_JSON_SERIALIZATION_ERROR);
    OVMS_StringFree(NULL); /* no-op */

    CHECK_NULLPTR(OVMS_ServerMetadataDelete(NULL), "metadata");
    CHECK_OK(OVMS_ServerMetadataDelete(metadata));
}

/* Works before any start (and is the first test, so nothing was started yet). */
static void test_server_metadata_before_start(void) {
    OVMS_Server *server = get_server();
    REQUIRE(server != NULL);
    check_server_metadata(server);
}

static void test_servable_metadata_before_start(void) {
    OVMS_Server *server = get_server();
    OVMS_ServableMetadata *metadata = NULL;
    CHECK_CODE(OVMS_GetServableMetadata(server, "dummy", 1, &metadata), SC_SERVER_NOT_READY);
    CHECK(metadata == NULL);
}

static void test_server_metadata_after_start(void) {
    OVMS_Server *server = get_server();
    check_server_metadata(server);
}

/* ---- servable metadata ---- */

typedef struct {
    const char *name;
    OVMS_DataType datatype;
    size_t dims;
    int64_t min[6];
    int64_t max[6];
} expected_tensor;

static void check_tensor_at(OVMS_ServableMetadata *metadata, bool input, uint32_t id, const expected_tensor *e,
                            const char *file, int line) {
    const char *name = NULL;
    OVMS_DataType datatype = OVMS_DATATYPE_UNDEFINED;
    size_t dims = 99;
    int64_t *min = NULL, *max = NULL;
    OVMS_Status *status = input ? OVMS_ServableMetadataInput(metadata, id, &name, &datatype, &dims, &min, &max)
                                : OVMS_ServableMetadataOutput(metadata, id, &name, &datatype, &dims, &min, &max);
    if (!tu_expect_ok(status, input ? "OVMS_ServableMetadataInput" : "OVMS_ServableMetadataOutput", file, line))
        return;
    char what[256];
    snprintf(what, sizeof what, "%s %u name is \"%s\" (got \"%s\")", input ? "input" : "output", id, e->name,
             name ? name : "(null)");
    tu_check(name != NULL && strcmp(name, e->name) == 0, what, file, line);
    snprintf(what, sizeof what, "%s %s datatype %d (got %d)", input ? "input" : "output", e->name, (int)e->datatype,
             (int)datatype);
    tu_check(datatype == e->datatype, what, file, line);
    snprintf(what, sizeof what, "%s %s dimCount %zu (got %zu)", input ? "input" : "output", e->name, e->dims, dims);
    if (!tu_check(dims == e->dims, what, file, line))
        return;
    for (size_t i = 0; i < dims; i++) {
        if (!tu_check(min != NULL && max != NULL, "shape arrays non-NULL", file, line))
            return;
        snprintf(what, sizeof what, "%s %s dim %zu: min %lld max %lld (got %lld, %lld)", input ? "input" : "output",
                 e->name, i, (long long)e->min[i], (long long)e->max[i], (long long)min[i], (long long)max[i]);
        tu_check(min[i] == e->min[i] && max[i] == e->max[i], what, file, line);
    }
}
#define CHECK_INPUT(md, id, ...)                                          \
    do {                                                                  \
        expected_tensor e_ = __VA_ARGS__;                                 \
        check_tensor_at((md), true, (id), &e_, __FILE__, __LINE__);       \
    } while (0)
#define CHECK_OUTPUT(md, id, ...)                                         \
    do {                                                                  \
        expected_tensor e_ = __VA_ARGS__;                                 \
        check_tensor_at((md), false, (id), &e_, __FILE__, __LINE__);      \
    } while (0)

static OVMS_ServableMetadata *get_metadata_at(const char *servable, int64_t version, uint32_t inputs, uint32_t outputs,
                                              const char *file, int line) {
    OVMS_Server *server = get_server();
    OVMS_ServableMetadata *metadata = NULL;
    if (!tu_expect_ok(OVMS_GetServableMetadata(server, servable, version, &metadata), servable, file, line))
        return NULL;
    if (!tu_check(metadata != NULL, "metadata non-NULL", file, line))
        return NULL;
    uint32_t count = 99;
    tu_expect_ok(OVMS_ServableMetadataInputCount(metadata, &count), "InputCount", file, line);
    tu_check(count == inputs, "input count", file, line);
    count = 99;
    tu_expect_ok(OVMS_ServableMetadataOutputCount(metadata, &count), "OutputCount", file, line);
    tu_check(count == outputs, "output count", file, line);
    return metadata;
}
#define GET_METADATA(servable, version, inputs, outputs) \
    get_metadata_at((servable), (version), (inputs), (outputs), __FILE__, __LINE__)

/* CAPIMetadata.BasicDummy */
static void test_dummy(void) {
    OVMS_ServableMetadata *metadata = GET_METADATA("dummy", 1, 1, 1);
    REQUIRE(metadata != NULL);
    CHECK_INPUT(metadata, 0, {"b", OVMS_DATATYPE_FP32, 2, {1, 10}, {1, 10}});
    CHECK_OUTPUT(metadata, 0, {"a", OVMS_DATATYPE_FP32, 2, {1, 10}, {1, 10}});
    OVMS_ServableMetadataDelete(metadata);
    /* default version */
    metadata = GET_METADATA("dummy", 0, 1, 1);
    REQUIRE(metadata != NULL);
    CHECK_INPUT(metadata, 0, {"b", OVMS_DATATYPE_FP32, 2, {1, 10}, {1, 10}});
    OVMS_ServableMetadataDelete(metadata);
}

/* CAPIMetadata.DummyDynamicShapes: (-1,1:10) */
static void test_dynamic_shapes(void) {
    OVMS_ServableMetadata *metadata = GET_METADATA("dummy_dynamic", 1, 1, 1);
    REQUIRE(metadata != NULL);
    CHECK_INPUT(metadata, 0, {"b", OVMS_DATATYPE_FP32, 2, {-1, 1}, {-1, 10}});
    OVMS_ServableMetadataDelete(metadata);
    metadata = GET_METADATA("dummy_range", 1, 1, 1);
    REQUIRE(metadata != NULL);
    CHECK_INPUT(metadata, 0, {"b", OVMS_DATATYPE_FP32, 2, {1, 1}, {1, 10}});
    OVMS_ServableMetadataDelete(metadata);
    metadata = GET_METADATA("dummy_full", 1, 1, 1);
    REQUIRE(metadata != NULL);
    CHECK_INPUT(metadata, 0, {"b", OVMS_DATATYPE_FP32, 2, {-1, -1}, {-1, -1}});
    OVMS_ServableMetadataDelete(metadata);
    /* the model itself is dynamic in its batch */
    metadata = GET_METADATA("dummy_dyn", 1, 1, 1);
    REQUIRE(metadata != NULL);
    CHECK_INPUT(metadata, 0, {"b", OVMS_DATATYPE_FP32, 2, {-1, 10}, {-1, 10}});
    OVMS_ServableMetadataDelete(metadata);
}

/* shape as a per-input object, batch_size, and the "auto" values (served as dynamic dims). */
static void test_configured_shapes(void) {
    OVMS_ServableMetadata *metadata = GET_METADATA("dummy_shape_obj", 1, 1, 1);
    REQUIRE(metadata != NULL);
    CHECK_INPUT(metadata, 0, {"b", OVMS_DATATYPE_FP32, 2, {2, 10}, {2, 10}});
    CHECK_OUTPUT(metadata, 0, {"a", OVMS_DATATYPE_FP32, 2, {2, 10}, {2, 10}});
    OVMS_ServableMetadataDelete(metadata);
    metadata = GET_METADATA("dummy_batch3", 1, 1, 1);
    REQUIRE(metadata != NULL);
    CHECK_INPUT(metadata, 0, {"b", OVMS_DATATYPE_FP32, 2, {3, 10}, {3, 10}});
    OVMS_ServableMetadataDelete(metadata);
    metadata = GET_METADATA("dummy_shape_auto", 1, 1, 1);
    REQUIRE(metadata != NULL);
    CHECK_INPUT(metadata, 0, {"b", OVMS_DATATYPE_FP32, 2, {-1, -1}, {-1, -1}});
    OVMS_ServableMetadataDelete(metadata);
    metadata = GET_METADATA("dummy_batch_auto", 1, 1, 1);
    REQUIRE(metadata != NULL);
    CHECK_INPUT(metadata, 0, {"b", OVMS_DATATYPE_FP32, 2, {-1, 10}, {-1, 10}});
    OVMS_ServableMetadataDelete(metadata);
}

/* CAPIMetadata.TwoInputsAddModel: inputs in name order */
static void test_add_model(void) {
    OVMS_ServableMetadata *metadata = GET_METADATA("add", 1, 2, 1);
    REQUIRE(metadata != NULL);
    CHECK_INPUT(metadata, 0, {"input1", OVMS_DATATYPE_FP32, 2, {1, 10}, {1, 10}});
    CHECK_INPUT(metadata, 1, {"input2", OVMS_DATATYPE_FP32, 2, {1, 10}, {1, 10}});
    CHECK_OUTPUT(metadata, 0, {"sum", OVMS_DATATYPE_FP32, 2, {1, 10}, {1, 10}});
    OVMS_ServableMetadataDelete(metadata);
}

/* CAPIMetadata.BasicScalar */
static void test_scalar_model(void) {
    OVMS_ServableMetadata *metadata = GET_METADATA("scalar", 1, 1, 1);
    REQUIRE(metadata != NULL);
    CHECK_INPUT(metadata, 0, {"model_scalar_input", OVMS_DATATYPE_FP32, 0, {0}, {0}});
    CHECK_OUTPUT(metadata, 0, {"model_scalar_output", OVMS_DATATYPE_FP32, 0, {0}, {0}});
    OVMS_ServableMetadataDelete(metadata);
}

static void test_other_models(void) {
    OVMS_ServableMetadata *metadata = GET_METADATA("passthrough", 1, 1, 1);
    REQUIRE(metadata != NULL);
    CHECK_INPUT(metadata, 0, {"input", OVMS_DATATYPE_U8, 2, {-1, -1}, {-1, -1}});
    CHECK_OUTPUT(metadata, 0, {"copy:0", OVMS_DATATYPE_U8, 2, {-1, -1}, {-1, -1}});
    OVMS_ServableMetadataDelete(metadata);
    metadata = GET_METADATA("increment", 1, 1, 1);
    REQUIRE(metadata != NULL);
    CHECK_INPUT(metadata, 0, {"input", OVMS_DATATYPE_FP32, 4, {1, 3, 4, 5}, {1, 3, 4, 5}});
    CHECK_OUTPUT(metadata, 0, {"output", OVMS_DATATYPE_FP32, 4, {1, 3, 4, 5}, {1, 3, 4, 5}});
    OVMS_ServableMetadataDelete(metadata);
    metadata = GET_METADATA("dummy_onnx", 1, 1, 1);
    REQUIRE(metadata != NULL);
    CHECK_INPUT(metadata, 0, {"b", OVMS_DATATYPE_FP32, 2, {1, 10}, {1, 10}});
    CHECK_OUTPUT(metadata, 0, {"a", OVMS_DATATYPE_FP32, 2, {1, 10}, {1, 10}});
    OVMS_ServableMetadataDelete(metadata);
    /* base_path naming a single model file: synthetic version 1 */
    metadata = GET_METADATA("dummy_file", 1, 1, 1);
    REQUIRE(metadata != NULL);
    CHECK_INPUT(metadata, 0, {"b", OVMS_DATATYPE_FP32, 2, {1, 10}, {1, 10}});
    OVMS_ServableMetadataDelete(metadata);
    metadata = GET_METADATA("fail_odd", 1, 1, 1);
    REQUIRE(metadata != NULL);
    CHECK_INPUT(metadata, 0, {"x", OVMS_DATATYPE_FP32, 1, {-1}, {-1}});
    OVMS_ServableMetadataDelete(metadata);
}

/* Versions: every served version has metadata; others are MODEL_VERSION_MISSING. */
static void test_versions(void) {
    OVMS_Server *server = get_server();
    for (int64_t v = 0; v <= 3; v++) {
        OVMS_ServableMetadata *metadata = GET_METADATA("versioned_all", v, 1, 1);
        if (metadata != NULL)
            CHECK_INPUT(metadata, 0, {"b", OVMS_DATATYPE_FP32, 2, {1, 10}, {1, 10}});
        OVMS_ServableMetadataDelete(metadata);
    }
    OVMS_ServableMetadata *metadata = NULL;
    CHECK_CODE(OVMS_GetServableMetadata(server, "versioned_all", 4, &metadata), SC_MODEL_VERSION_MISSING);
    CHECK_CODE(OVMS_GetServableMetadata(server, "versioned_latest", 1, &metadata), SC_MODEL_VERSION_MISSING);
    CHECK_CODE(OVMS_GetServableMetadata(server, "versioned_specific", 2, &metadata), SC_MODEL_VERSION_MISSING);
    metadata = GET_METADATA("versioned_specific", 3, 1, 1);
    OVMS_ServableMetadataDelete(metadata);
    CHECK(metadata != NULL);
}

/* CAPIMetadata.Negative */
static void test_metadata_negative(void) {
    OVMS_Server *server = get_server();
    OVMS_ServableMetadata *metadata = NULL;
    CHECK_NULLPTR(OVMS_GetServableMetadata(NULL, "dummy", 1, &metadata), "server");
    CHECK_NULLPTR(OVMS_GetServableMetadata(server, NULL, 1, &metadata), "servable name");
    CHECK_NULLPTR(OVMS_GetServableMetadata(server, "dummy", 1, NULL), "servable metadata");
    CHECK_CODE(OVMS_GetServableMetadata(server, "NONEXISTENT_NAME", 1, &metadata), SC_PIPELINE_DEFINITION_NAME_MISSING);
    CHECK_CODE(OVMS_GetServableMetadata(server, "dummy", -1, &metadata), SC_MODEL_VERSION_MISSING);
    CHECK_CODE(OVMS_GetServableMetadata(server, "dummy", 2, &metadata), SC_MODEL_VERSION_MISSING);
    CHECK(metadata == NULL);

    REQUIRE_OK(OVMS_GetServableMetadata(server, "dummy", 1, &metadata));
    REQUIRE(metadata != NULL);
    uint32_t count = 0;
    CHECK_NULLPTR(OVMS_ServableMetadataInputCount(NULL, &count), "servable metadata");
    CHECK_NULLPTR(OVMS_ServableMetadataInputCount(metadata, NULL), "count");
    CHECK_NULLPTR(OVMS_ServableMetadataOutputCount(NULL, &count), "servable metadata");
    CHECK_NULLPTR(OVMS_ServableMetadataOutputCount(metadata, NULL), "count");

    const char *name = NULL;
    OVMS_DataType datatype;
    size_t dims = 0;
    int64_t *min = NULL, *max = NULL;
    CHECK_NULLPTR(OVMS_ServableMetadataInput(NULL, 0, &name, &datatype, &dims, &min, &max), "servable metadata");
    CHECK_NULLPTR(OVMS_ServableMetadataInput(metadata, 0, NULL, &datatype, &dims, &min, &max), "name");
    CHECK_NULLPTR(OVMS_ServableMetadataInput(metadata, 0, &name, NULL, &dims, &min, &max), "data type");
    CHECK_NULLPTR(OVMS_ServableMetadataInput(metadata, 0, &name, &datatype, NULL, &min, &max), "dimension count");
    CHECK_NULLPTR(OVMS_ServableMetadataInput(metadata, 0, &name, &datatype, &dims, NULL, &max), "shape min array");
    CHECK_NULLPTR(OVMS_ServableMetadataInput(metadata, 0, &name, &datatype, &dims, &min, NULL), "shape max array");
    CHECK_CODE(OVMS_ServableMetadataInput(metadata, 412, &name, &datatype, &dims, &min, &max), SC_NONEXISTENT_TENSOR);
    CHECK_CODE(OVMS_ServableMetadataInput(metadata, 1, &name, &datatype, &dims, &min, &max), SC_NONEXISTENT_TENSOR);

    CHECK_NULLPTR(OVMS_ServableMetadataOutput(NULL, 0, &name, &datatype, &dims, &min, &max), "servable metadata");
    CHECK_NULLPTR(OVMS_ServableMetadataOutput(metadata, 0, NULL, &datatype, &dims, &min, &max), "name");
    CHECK_NULLPTR(OVMS_ServableMetadataOutput(metadata, 0, &name, NULL, &dims, &min, &max), "data type");
    CHECK_NULLPTR(OVMS_ServableMetadataOutput(metadata, 0, &name, &datatype, NULL, &min, &max), "dimension count");
    CHECK_NULLPTR(OVMS_ServableMetadataOutput(metadata, 0, &name, &datatype, &dims, NULL, &max), "shape min array");
    CHECK_NULLPTR(OVMS_ServableMetadataOutput(metadata, 0, &name, &datatype, &dims, &min, NULL), "shape max array");
    CHECK_CODE(OVMS_ServableMetadataOutput(metadata, 412, &name, &datatype, &dims, &min, &max), SC_NONEXISTENT_TENSOR);
    CHECK_CODE(OVMS_ServableMetadataOutput(metadata, 1, &name, &datatype, &dims, &min, &max), SC_NONEXISTENT_TENSOR);

    const void *info = NULL;
    CHECK_NULLPTR(OVMS_ServableMetadataInfo(NULL, &info), "servable metadata");
    CHECK_NULLPTR(OVMS_ServableMetadataInfo(metadata, NULL), "info");
    /* info is a C++ ov::AnyMap* (test_metadata_info.cpp reads it): a library built with its C++
     * part hands out the same non-NULL map on every call, one built without it NOT_IMPLEMENTED */
    uint32_t info_code = status_code_of(OVMS_ServableMetadataInfo(metadata, &info));
    CHECK(info_code == SC_OK || info_code == SC_NOT_IMPLEMENTED);
    if (info_code == SC_OK) {
        const void *again = NULL;
        CHECK(info != NULL);
        CHECK_OK(OVMS_ServableMetadataInfo(metadata, &again));
        CHECK(again == info);
    }

    OVMS_ServableMetadataDelete(metadata);
    OVMS_ServableMetadataDelete(NULL); /* no-op */
}

/* The metadata object is a snapshot owned by the caller: it stays valid after a server stop. */
static void test_metadata_outlives_server(void) {
    OVMS_ServableMetadata *metadata = GET_METADATA("add", 1, 2, 1);
    REQUIRE(metadata != NULL);
    stop_server();
    CHECK_INPUT(metadata, 1, {"input2", OVMS_DATATYPE_FP32, 2, {1, 10}, {1, 10}});
    CHECK_OUTPUT(metadata, 0, {"sum", OVMS_DATATYPE_FP32, 2, {1, 10}, {1, 10}});
    OVMS_ServableMetadataDelete(metadata);
    OVMS_ServableMetadata *again = NULL;
    CHECK_CODE(OVMS_GetServableMetadata(get_server(), "add", 1, &again), SC_SERVER_NOT_READY);
}

int main(void) {
    RUN_TEST(test_server_metadata_before_start);
    RUN_TEST(test_servable_metadata_before_start);
    if (start_server("config_all.json") == NULL)
        return test_summary() | 1;
    RUN_TEST(test_server_metadata_after_start);
    RUN_TEST(test_dummy);
    RUN_TEST(test_dynamic_shapes);
    RUN_TEST(test_configured_shapes);
    RUN_TEST(test_add_model);
    RUN_TEST(test_scalar_model);
    RUN_TEST(test_other_models);
    RUN_TEST(test_versions);
    RUN_TEST(test_metadata_negative);
    RUN_TEST(test_metadata_outlives_server);
    stop_server();
    return test_summary();
}
