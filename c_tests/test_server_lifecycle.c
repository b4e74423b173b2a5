/* Server lifecycle (start-time validation, start, delete, config.json; docs/architecture.md invariant 10): singleton, start flow,
 * failed starts, live/ready, restart, config errors, failed model loads, servable state.
 * Tests CAPIStartTest.*, CAPIStateIntegration.*, CAPIState.ServerNull,
 * CAPIInference.CallInferenceServerNotStarted. The first test must run before any start. */
#include "test_util.h"

#include <sys/stat.h>
#include <unistd.h>

static bool is_live(OVMS_Server *server) {
    bool live = false;
    OVMS_Status *status = OVMS_ServerLive(server, &live);
    CHECK_OK(status);
    return live;
}

static bool is_ready(OVMS_Server *server) {
    bool ready = false;
    OVMS_Status *status = OVMS_ServerReady(server, &ready);
    CHECK_OK(status);
    return ready;
}

/* Settings objects for a start from `config` (absolute path), with ERROR logging. */
static bool make_settings(OVMS_ServerSettings **ss, OVMS_ModelsSettings **ms, const char *config) {
    *ss = NULL;
    *ms = NULL;
    if (!tu_expect_ok(OVMS_ServerSettingsNew(ss), "OVMS_ServerSettingsNew", __FILE__, __LINE__) ||
        !tu_expect_ok(OVMS_ServerSettingsSetLogLevel(*ss, OVMS_LOG_ERROR), "SetLogLevel", __FILE__, __LINE__) ||
        !tu_expect_ok(OVMS_ModelsSettingsNew(ms), "OVMS_ModelsSettingsNew", __FILE__, __LINE__))
        return false;
    if (config != NULL &&
        !tu_expect_ok(OVMS_ModelsSettingsSetConfigPath(*ms, config), "SetConfigPath", __FILE__, __LINE__))
        return false;
    return true;
}

static void free_settings(OVMS_ServerSettings *ss, OVMS_ModelsSettings *ms) {
    OVMS_ServerSettingsDelete(ss);
    OVMS_ModelsSettingsDelete(ms);
}

/* Must be the first test: nothing has been started in this process yet. */
static void test_never_started(void) {
    OVMS_Server *server = get_server();
    REQUIRE(server != NULL);
    CHECK(!is_live(server));
    CHECK(!is_ready(server));
    CHECK_EQ_INT(infer_dummy_code(server, "dummy", 1), SC_SERVER_NOT_READY);
    OVMS_ServableMetadata *metadata = NULL;
    CHECK_CODE(OVMS_GetServableMetadata(server, "dummy", 1, &metadata), SC_SERVER_NOT_READY);
    CHECK(metadata == NULL);
    OVMS_ServableState state;
    CHECK_CODE(OVMS_GetServableState(server, "dummy", 1, &state), SC_SERVER_NOT_READY);
    /* deleting a server that never started is harmless */
    OVMS_ServerDelete(server);
    CHECK(!is_live(server));
}

static void test_server_new_returns_singleton(void) {
    CHECK_NULLPTR(OVMS_ServerNew(NULL), "server");
    OVMS_Server *first = NULL, *second = NULL;
    CHECK_OK(OVMS_ServerNew(&first));
    CHECK_OK(OVMS_ServerNew(&second));
    CHECK(first != NULL);
    CHECK(first == second);
    OVMS_ServerDelete(NULL); /* no-op */
}

static void test_live_ready_null_server(void) {
    bool flag = false;
    CHECK_NULLPTR(OVMS_ServerLive(NULL, &flag), "server");
    CHECK_NULLPTR(OVMS_ServerReady(NULL, &flag), "server");
}

static void test_start_null_arguments(void) {
    OVMS_Server *server = get_server();
    OVMS_ServerSettings *ss;
    OVMS_ModelsSettings *ms;
    REQUIRE(make_settings(&ss, &ms, config_path("config_dummy.json")));
    CHECK_NULLPTR(OVMS_ServerStartFromConfigurationFile(NULL, ss, ms), "server");
    CHECK_NULLPTR(OVMS_ServerStartFromConfigurationFile(server, NULL, ms), "server settings");
    CHECK_NULLPTR(OVMS_ServerStartFromConfigurationFile(server, ss, NULL), "models settings");
    CHECK_NULLPTR(OVMS_ServerStartFromConfigurationFile(NULL, NULL, NULL), "server");
    CHECK(!is_live(server));
    free_settings(ss, ms);
}

/* CAPIStartTest.StartFlow */
static void test_start_flow(void) {
    OVMS_Server *server = get_server();
    OVMS_ServerSettings *ss;
    OVMS_ModelsSettings *ms;
    REQUIRE(make_settings(&ss, &ms, config_path("config_dummy.json")));
    /* same non-zero gRPC and REST port: options error, nothing started */
    CHECK_OK(OVMS_ServerSettingsSetGrpcPort(ss, 19178));
    CHECK_OK(OVMS_ServerSettingsSetRestPort(ss, 19178));
    CHECK_CODE(OVMS_ServerStartFromConfigurationFile(server, ss, ms), SC_OPTIONS_USAGE_ERROR);
    CHECK(!is_live(server));
    CHECK(!is_ready(server));
    /* fixed: starts */
    CHECK_OK(OVMS_ServerSettingsSetRestPort(ss, 19179));
    CHECK_OK(OVMS_ServerStartFromConfigurationFile(server, ss, ms));
    CHECK(is_live(server));
    CHECK(is_ready(server));
    INFER_DUMMY(server, "dummy", 1, 0.0f, 1.0f);
    /* a second start: already started (with any config) */
    CHECK_CODE(OVMS_ServerStartFromConfigurationFile(server, ss, ms), SC_SERVER_ALREADY_STARTED);
    CHECK_OK(OVMS_ModelsSettingsSetConfigPath(ms, config_path("config_empty.json")));
    CHECK_CODE(OVMS_ServerStartFromConfigurationFile(server, ss, ms), SC_SERVER_ALREADY_STARTED);
    /* the running server is unaffected */
    INFER_DUMMY(server, "dummy", 1, 5.0f, 1.0f);
    OVMS_ServerDelete(server);
    CHECK(!is_live(server));
    CHECK(!is_ready(server));
    CHECK_EQ_INT(infer_dummy_code(server, "dummy", 1), SC_SERVER_NOT_READY);
    free_settings(ss, ms);
}

/* Start-time validation of the settings: OPTIONS_USAGE_ERROR, nothing started. */
static void test_options_validation(void) {
    OVMS_Server *server = get_server();
    const char *config = config_path("config_dummy.json");
    struct {
        const char *what;
        int kind;
    } cases[] = {
        {"no config path", 0},         {"gRPC port > 65535", 1},     {"REST port > 65535", 2},
        {"gRPC workers 0", 3},         {"gRPC workers 100000", 4},   {"bad gRPC bind address", 5},
        {"bad REST bind address", 6},  {"REST workers without REST port", 7},
        {"missing CPU extension", 9},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        OVMS_ServerSettings *ss;
        OVMS_ModelsSettings *ms;
        if (!make_settings(&ss, &ms, cases[i].kind == 0 ? NULL : config))
            return;
        switch (cases[i].kind) {
        case 1: CHECK_OK(OVMS_ServerSettingsSetGrpcPort(ss, 70000)); break;
        case 2: CHECK_OK(OVMS_ServerSettingsSetRestPort(ss, 70001)); break;
        case 3: CHECK_OK(OVMS_ServerSettingsSetGrpcWorkers(ss, 0)); break;
        case 4: CHECK_OK(OVMS_ServerSettingsSetGrpcWorkers(ss, 100000)); break;
        case 5: CHECK_OK(OVMS_ServerSettingsSetGrpcBindAddress(ss, "not an address!")); break;
        case 6:
            CHECK_OK(OVMS_ServerSettingsSetRestPort(ss, 19180));
            CHECK_OK(OVMS_ServerSettingsSetRestBindAddress(ss, "bad address#"));
            break;
        case 7: CHECK_OK(OVMS_ServerSettingsSetRestWorkers(ss, 4)); break;
        case 9: CHECK_OK(OVMS_ServerSettingsSetCpuExtensionPath(ss, "/nonexistent/libcpu_extension.so")); break;
        default: break;
        }
        tu_expect_code(OVMS_ServerStartFromConfigurationFile(server, ss, ms), SC_OPTIONS_USAGE_ERROR, NULL,
                       cases[i].what, __FILE__, __LINE__);
        CHECK(!is_live(server));
        free_settings(ss, ms);
        OVMS_ServerDelete(server); /* in case one of them started after all */
    }
}

/* Every setter with a valid value, then a start: the values are accepted. */
static void test_start_with_all_settings(void) {
    OVMS_Server *server = get_server();
    OVMS_ServerSettings *ss;
    OVMS_ModelsSettings *ms;
    REQUIRE(make_settings(&ss, &ms, config_path("config_dummy.json")));
    char log_path[1024], cache_dir[1024];
    snprintf(log_path, sizeof log_path, "%s/lifecycle_server.log", OVMS_TEST_WORK_DIR);
    snprintf(cache_dir, sizeof cache_dir, "%s/lifecycle_cache", OVMS_TEST_WORK_DIR);
    unlink(log_path);
    mkdir(cache_dir, 0755);
    CHECK_OK(OVMS_ServerSettingsSetGrpcPort(ss, 19182));
    CHECK_OK(OVMS_ServerSettingsSetRestPort(ss, 19183));
    CHECK_OK(OVMS_ServerSettingsSetGrpcWorkers(ss, 1));
    CHECK_OK(OVMS_ServerSettingsSetGrpcBindAddress(ss, "127.0.0.1"));
    CHECK_OK(OVMS_ServerSettingsSetRestWorkers(ss, 2));
    CHECK_OK(OVMS_ServerSettingsSetRestBindAddress(ss, "localhost"));
    CHECK_OK(OVMS_ServerSettingsSetGrpcChannelArguments(ss, "grpc.max_connection_age_ms=2000"));
    CHECK_OK(OVMS_ServerSettingsSetGrpcMaxThreads(ss, 8));
    CHECK_OK(OVMS_ServerSettingsSetGrpcMemoryQuota(ss, (size_t)64 << 20));
    CHECK_OK(OVMS_ServerSettingsSetFileSystemPollWaitSeconds(ss, 0));
    CHECK_OK(OVMS_ServerSettingsSetCustomNodeResourcesCleanerIntervalSeconds(ss, 10));
    CHECK_OK(OVMS_ServerSettingsSetCacheDir(ss, cache_dir));
    CHECK_OK(OVMS_ServerSettingsSetLogLevel(ss, OVMS_LOG_DEBUG));
    CHECK_OK(OVMS_ServerSettingsSetLogPath(ss, log_path));
    CHECK_OK(OVMS_ServerSettingsSetAllowedLocalMediaPath(ss, OVMS_TEST_WORK_DIR));
    CHECK_OK(OVMS_ServerSettingsSetAllowedMediaDomains(ss, "example.com,example.org"));
    CHECK_CODE(OVMS_ServerSettingsSetSequenceCleanerPollWaitMinutes(ss, 1), SC_NOT_IMPLEMENTED);
    CHECK_OK(OVMS_ServerStartFromConfigurationFile(server, ss, ms));
    /* the settings may be deleted right after the start */
    free_settings(ss, ms);
    CHECK(is_ready(server));
    INFER_DUMMY(server, "dummy", 1, 1.0f, 1.0f);
    OVMS_ServerDelete(server);
    /* the log went to the file */
    struct stat st;
    CHECK(stat(log_path, &st) == 0);
    CHECK(st.st_size > 0);
}

static void test_missing_config_file(void) {
    OVMS_Server *server = get_server();
    CHECK_CODE(start_server_status(config_path("no_such_config.json")), SC_CONFIG_FILE_INVALID);
    CHECK(!is_ready(server));
    OVMS_ServerDelete(server);
    CHECK(!is_live(server));
}

/* CAPIStateIntegration.LiveReadyFromMalformedConfig */
static void test_live_ready_from_malformed_config(void) {
    OVMS_Server *server = get_server();
    OVMS_ServerDelete(server);
    CHECK(!is_live(server));
    CHECK(!is_ready(server));
    CHECK_CODE(start_server_status(config_path("config_malformed.json")), SC_JSON_INVALID);
    /* the failed start leaves the server live but not ready */
    CHECK(is_live(server));
    CHECK(!is_ready(server));
    CHECK_EQ_INT(infer_dummy_code(server, "dummy", 1), SC_SERVER_NOT_READY);
    /* and further starts are refused until ServerDelete */
    OVMS_ServerSettings *ss;
    OVMS_ModelsSettings *ms;
    REQUIRE(make_settings(&ss, &ms, config_path("config_dummy.json")));
    CHECK_CODE(OVMS_ServerStartFromConfigurationFile(server, ss, ms), SC_SERVER_ALREADY_STARTED);
    CHECK(is_live(server));
    CHECK(!is_ready(server));
    OVMS_ServerDelete(server);
    CHECK(!is_live(server));
    CHECK_OK(OVMS_ServerStartFromConfigurationFile(server, ss, ms));
    CHECK(is_live(server));
    CHECK(is_ready(server));
    INFER_DUMMY(server, "dummy", 1, 0.0f, 1.0f);
    OVMS_ServerDelete(server);
    free_settings(ss, ms);
}

/* Schema violations: JSON_INVALID. */
static void test_invalid_configs(void) {
    OVMS_Server *server = get_server();
    const char *files[] = {"config_unknown_key.json", "config_unknown_model_key.json", "config_no_model_list.json"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        tu_expect_code(start_server_status(config_path(files[i])), SC_JSON_INVALID, NULL, files[i], __FILE__,
                       __LINE__);
        CHECK(!is_ready(server));
        OVMS_ServerDelete(server);
    }
}

/* CAPIStateIntegration.LiveReadyFromConfig (empty model list) */
static void test_live_ready_from_empty_config(void) {
    OVMS_Server *server = start_server("config_empty.json");
    REQUIRE(server != NULL);
    CHECK(is_live(server));
    CHECK(is_ready(server));
    CHECK_EQ_INT(servable_state(server, "dummy", 1), 1000 + SC_MODEL_NAME_MISSING);
    CHECK_EQ_INT(infer_dummy_code(server, "dummy", 1), SC_PIPELINE_DEFINITION_NAME_MISSING);
    OVMS_ServableMetadata *metadata = NULL;
    CHECK_CODE(OVMS_GetServableMetadata(server, "dummy", 1, &metadata), SC_PIPELINE_DEFINITION_NAME_MISSING);
    OVMS_ServerDelete(server);
    CHECK(!is_live(server));
    CHECK(!is_ready(server));
}

/* The server can be started again after ServerDelete; requests outlive a restart. */
static void test_restart_after_delete(void) {
    float input[10] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
    OVMS_Server *server = start_server("config_dummy.json");
    REQUIRE(server != NULL);
    OVMS_InferenceRequest *request = make_dummy_request(server, "dummy", 1, input);
    REQUIRE(request != NULL);
    for (int round = 0; round < 3; round++) {
        OVMS_InferenceResponse *response = NULL;
        CHECK_OK(OVMS_Inference(server, request, &response));
        if (response != NULL)
            CHECK_DUMMY_RESPONSE(response, input, 1.0f);
        OVMS_InferenceResponseDelete(response);
        OVMS_ServerDelete(server);
        response = NULL;
        CHECK_CODE(OVMS_Inference(server, request, &response), SC_SERVER_NOT_READY);
        CHECK(response == NULL);
        OVMS_Server *again = start_server("config_dummy.json");
        CHECK(again == server);
    }
    OVMS_InferenceRequestDelete(request);
    OVMS_ServerDelete(server);
}

/* A model that fails to load does not fail the start; it is LOADING_FAILED, others work. */
static void test_failed_model_load(void) {
    OVMS_Server *server = start_server("config_broken.json");
    REQUIRE(server != NULL);
    CHECK(is_ready(server));
    CHECK_EQ_INT(servable_state(server, "broken", 1), OVMS_STATE_LOADING_FAILED);
    CHECK_EQ_INT(servable_state(server, "dummy", 1), OVMS_STATE_AVAILABLE);
    CHECK_EQ_INT(servable_state(server, "dummy", 0), OVMS_STATE_AVAILABLE);
    INFER_DUMMY(server, "dummy", 1, 2.0f, 1.0f);
    INFER_DUMMY(server, "dummy", 0, 3.0f, 1.0f);
    OVMS_ServerDelete(server);
}

/* Bad model entries never fail the start or crash: each such model is missing or LOADING_FAILED
 * and refuses inference; a duplicate name serves the first entry, as in OVMS. */
static void test_bad_model_entries(void) {
    OVMS_Server *server = start_server("config_bad_models.json");
    REQUIRE(server != NULL);
    CHECK(is_ready(server));
    const char *bad[] = {"no_such_path", "no_versions", "bad_device", "huge_nireq", "bad_shape", "shape_rank",
                         "broken"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int state = servable_state(server, bad[i], 1);
        char what[256];
        snprintf(what, sizeof what, "%s: state is LOADING_FAILED or MODEL_NAME_MISSING (got %d)", bad[i], state);
        tu_check(state == OVMS_STATE_LOADING_FAILED || state == 1000 + SC_MODEL_NAME_MISSING, what, __FILE__,
                 __LINE__);
        uint32_t code = infer_dummy_code(server, bad[i], 1);
        snprintf(what, sizeof what, "%s: inference refused (got code %u)", bad[i], code);
        tu_check(code != SC_OK, what, __FILE__, __LINE__);
    }
    /* the first "dup" (dummy, b + 1) is served, not the second (versioned, b + 3) */
    INFER_DUMMY(server, "dup", 0, 0.0f, 1.0f);
    INFER_DUMMY(server, "dummy", 1, 0.0f, 1.0f);
    OVMS_ServerDelete(server);
}

/* CAPIState.ServerNull */
static void test_servable_state_arguments(void) {
    OVMS_Server *server = start_server("config_dummy.json");
    REQUIRE(server != NULL);
    OVMS_ServableState state = OVMS_STATE_BEGIN;
    CHECK_NULLPTR(OVMS_GetServableState(NULL, "dummy", 1, &state), "server");
    CHECK_NULLPTR(OVMS_GetServableState(server, NULL, 1, &state), "servable name");
    CHECK_NULLPTR(OVMS_GetServableState(server, "dummy", 1, NULL), "servable state");
    CHECK_CODE(OVMS_GetServableState(server, "dummy", -1, &state), SC_MODEL_NAME_MISSING);
    CHECK_CODE(OVMS_GetServableState(server, "dummy", 2, &state), SC_MODEL_NAME_MISSING);
    CHECK_CODE(OVMS_GetServableState(server, "", 1, &state), SC_MODEL_NAME_MISSING);
    CHECK_CODE(OVMS_GetServableState(server, "unknown", 1, &state), SC_MODEL_NAME_MISSING);
    CHECK_OK(OVMS_GetServableState(server, "dummy", 1, &state));
    CHECK_EQ_INT(state, OVMS_STATE_AVAILABLE);
    OVMS_ServerDelete(server);
    CHECK_CODE(OVMS_GetServableState(server, "dummy", 1, &state), SC_SERVER_NOT_READY);
}

/* A config written at run time with an absolute base_path. */
static void test_absolute_base_path(void) {
    char path[1024];
    snprintf(path, sizeof path, "%s/lifecycle_absolute.json", OVMS_TEST_WORK_DIR);
    FILE *f = fopen(path, "w");
    REQUIRE(f != NULL);
    fprintf(f, "{\"model_config_list\": [{\"config\": {\"name\": \"abs_dummy\", \"base_path\": \"%s/dummy\"}}]}\n",
            OVMS_TEST_MODELS_DIR);
    fclose(f);
    CHECK_OK(start_server_status(path));
    OVMS_Server *server = get_server();
    INFER_DUMMY(server, "abs_dummy", 1, 0.5f, 1.0f);
    CHECK_EQ_INT(servable_state(server, "abs_dummy", 1), OVMS_STATE_AVAILABLE);
    OVMS_ServerDelete(server);
}

static void test_global_va_display(void) {
    OVMS_Server *server = get_server();
    CHECK_OK(OVMS_ServerSetGlobalVADisplay(server, NULL));
    CHECK_OK(OVMS_ServerSetGlobalVADisplay(NULL, NULL));
}

int main(void) {
    RUN_TEST(test_never_started);
    RUN_TEST(test_server_new_returns_singleton);
    RUN_TEST(test_live_ready_null_server);
    RUN_TEST(test_start_null_arguments);
    RUN_TEST(test_start_flow);
    RUN_TEST(test_options_validation);
    RUN_TEST(test_start_with_all_settings);
    RUN_TEST(test_missing_config_file);
    RUN_TEST(test_live_ready_from_malformed_config);
    RUN_TEST(test_invalid_configs);
    RUN_TEST(test_live_ready_from_empty_config);
    RUN_TEST(test_restart_after_delete);
    RUN_TEST(test_failed_model_load);
    RUN_TEST(test_bad_model_entries);
    RUN_TEST(test_servable_state_arguments);
    RUN_TEST(test_absolute_base_path);
    RUN_TEST(test_global_va_display);
    stop_server();
    return test_summary();
}
