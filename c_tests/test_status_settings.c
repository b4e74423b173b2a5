/* API version, status objects, server settings and models settings (tests
 * CAPI.ApiVersion, CAPIStatusTest.GetCodeAndDetails, CAPIConfigTest.MultiModelConfiguration).
 * No server start is needed here. */
#include "test_util.h"

static void test_api_version(void) {
    uint32_t major = 0, minor = 0;
    CHECK_NULLPTR(OVMS_ApiVersion(NULL, &minor), "major version");
    CHECK_NULLPTR(OVMS_ApiVersion(&major, NULL), "minor version");
    CHECK_NULLPTR(OVMS_ApiVersion(NULL, NULL), "major version");
    CHECK_OK(OVMS_ApiVersion(&major, &minor));
    CHECK_EQ_INT(major, OVMS_API_VERSION_MAJOR);
    CHECK_EQ_INT(minor, OVMS_API_VERSION_MINOR);
    CHECK_EQ_INT(major, 1);
    CHECK_EQ_INT(minor, 3);
}

static void test_status_code_and_details(void) {
    /* A real status: ServerNew(NULL) gives NONEXISTENT_PTR naming "server". */
    OVMS_Status *status = OVMS_ServerNew(NULL);
    REQUIRE(status != NULL);
    uint32_t code = 0;
    const char *details = NULL;
    CHECK_NULLPTR(OVMS_StatusCode(NULL, &code), "status");
    CHECK_NULLPTR(OVMS_StatusCode(status, NULL), "code");
    CHECK_NULLPTR(OVMS_StatusDetails(NULL, &details), "status");
    CHECK_NULLPTR(OVMS_StatusDetails(status, NULL), "details");
    CHECK_OK(OVMS_StatusCode(status, &code));
    CHECK_EQ_INT(code, SC_NONEXISTENT_PTR);
    CHECK_OK(OVMS_StatusDetails(status, &details));
    CHECK_EQ_STR(details, "Tried to use nonexisting pointer - server");
    /* the details pointer stays valid and stable while the status lives */
    const char *again = NULL;
    CHECK_OK(OVMS_StatusDetails(status, &again));
    CHECK(again == details);
    CHECK_OK(OVMS_StatusCode(status, &code));
    CHECK_EQ_INT(code, SC_NONEXISTENT_PTR);
    OVMS_StatusDelete(status);
    OVMS_StatusDelete(NULL); /* no-op */

    /* a status without context: just the canonical message */
    OVMS_ServerSettings *ss = NULL;
    REQUIRE_OK(OVMS_ServerSettingsNew(&ss));
    status = OVMS_ServerSettingsSetLogLevel(ss, (OVMS_LogLevel)99);
    REQUIRE(status != NULL);
    CHECK_OK(OVMS_StatusCode(status, &code));
    CHECK_EQ_INT(code, SC_NONEXISTENT_LOG_LEVEL);
    CHECK_OK(OVMS_StatusDetails(status, &details));
    CHECK(details != NULL && strncmp(details, "Tried to use nonexisting log level", 34) == 0);
    OVMS_StatusDelete(status);
    OVMS_ServerSettingsDelete(ss);
}

static void test_server_settings_setters(void) {
    CHECK_NULLPTR(OVMS_ServerSettingsNew(NULL), "server settings");
    OVMS_ServerSettings *ss = NULL;
    REQUIRE_OK(OVMS_ServerSettingsNew(&ss));
    REQUIRE(ss != NULL);

    /* every setter stores */
    CHECK_OK(OVMS_ServerSettingsSetGrpcPort(ss, 5555));
    CHECK_OK(OVMS_ServerSettingsSetRestPort(ss, 6666));
    CHECK_OK(OVMS_ServerSettingsSetGrpcWorkers(ss, 1));
    CHECK_OK(OVMS_ServerSettingsSetGrpcBindAddress(ss, "2.2.2.2"));
    CHECK_OK(OVMS_ServerSettingsSetRestWorkers(ss, 4));
    CHECK_OK(OVMS_ServerSettingsSetRestBindAddress(ss, "3.3.3.3"));
    CHECK_OK(OVMS_ServerSettingsSetGrpcChannelArguments(ss, "grpc.max_connection_age_ms=2000"));
    CHECK_OK(OVMS_ServerSettingsSetGrpcMaxThreads(ss, 8));
    CHECK_OK(OVMS_ServerSettingsSetGrpcMemoryQuota(ss, (size_t)1 << 30));
    CHECK_OK(OVMS_ServerSettingsSetFileSystemPollWaitSeconds(ss, 2));
    CHECK_OK(OVMS_ServerSettingsSetCustomNodeResourcesCleanerIntervalSeconds(ss, 4));
    CHECK_OK(OVMS_ServerSettingsSetCpuExtensionPath(ss, "/ovms/src/test"));
    CHECK_OK(OVMS_ServerSettingsSetCacheDir(ss, "/tmp/cache"));
    CHECK_OK(OVMS_ServerSettingsSetLogPath(ss, "/logs"));
    CHECK_OK(OVMS_ServerSettingsSetAllowedLocalMediaPath(ss, "/media"));
    CHECK_OK(OVMS_ServerSettingsSetAllowedMediaDomains(ss, "raw.githubusercontent.com,example.com"));
    /* values may be set more than once */
    CHECK_OK(OVMS_ServerSettingsSetGrpcPort(ss, 0));
    CHECK_OK(OVMS_ServerSettingsSetLogPath(ss, ""));

    /* log levels: all five valid, anything else NONEXISTENT_LOG_LEVEL */
    CHECK_OK(OVMS_ServerSettingsSetLogLevel(ss, OVMS_LOG_TRACE));
    CHECK_OK(OVMS_ServerSettingsSetLogLevel(ss, OVMS_LOG_DEBUG));
    CHECK_OK(OVMS_ServerSettingsSetLogLevel(ss, OVMS_LOG_INFO));
    CHECK_OK(OVMS_ServerSettingsSetLogLevel(ss, OVMS_LOG_WARNING));
    CHECK_OK(OVMS_ServerSettingsSetLogLevel(ss, OVMS_LOG_ERROR));
    CHECK_CODE(OVMS_ServerSettingsSetLogLevel(ss, (OVMS_LogLevel)99), SC_NONEXISTENT_LOG_LEVEL);
    CHECK_CODE(OVMS_ServerSettingsSetLogLevel(ss, (OVMS_LogLevel)5), SC_NONEXISTENT_LOG_LEVEL);
    CHECK_CODE(OVMS_ServerSettingsSetLogLevel(ss, (OVMS_LogLevel)-1), SC_NONEXISTENT_LOG_LEVEL);

    /* deprecated: NOT_IMPLEMENTED always, even with NULL settings */
    CHECK_CODE(OVMS_ServerSettingsSetSequenceCleanerPollWaitMinutes(ss, 7), SC_NOT_IMPLEMENTED);
    CHECK_CODE(OVMS_ServerSettingsSetSequenceCleanerPollWaitMinutes(NULL, 7), SC_NOT_IMPLEMENTED);

    /* NULL string arguments name the argument */
    CHECK_NULLPTR(OVMS_ServerSettingsSetGrpcBindAddress(ss, NULL), "grpc bind address");
    CHECK_NULLPTR(OVMS_ServerSettingsSetRestBindAddress(ss, NULL), "rest bind address");
    CHECK_NULLPTR(OVMS_ServerSettingsSetGrpcChannelArguments(ss, NULL), "grpc channel arguments");
    CHECK_NULLPTR(OVMS_ServerSettingsSetCpuExtensionPath(ss, NULL), "cpu extension path");
    CHECK_NULLPTR(OVMS_ServerSettingsSetCacheDir(ss, NULL), "cache dir");
    CHECK_NULLPTR(OVMS_ServerSettingsSetLogPath(ss, NULL), "log path");
    CHECK_NULLPTR(OVMS_ServerSettingsSetAllowedLocalMediaPath(ss, NULL), "allowed local media path");
    CHECK_NULLPTR(OVMS_ServerSettingsSetAllowedMediaDomains(ss, NULL), "allowed media domains");

    OVMS_ServerSettingsDelete(ss);
    OVMS_ServerSettingsDelete(NULL); /* no-op */
}

static void test_server_settings_null_settings(void) {
    const char *n = "server settings";
    CHECK_NULLPTR(OVMS_ServerSettingsSetGrpcPort(NULL, 5555), n);
    CHECK_NULLPTR(OVMS_ServerSettingsSetRestPort(NULL, 6666), n);
    CHECK_NULLPTR(OVMS_ServerSettingsSetGrpcWorkers(NULL, 1), n);
    CHECK_NULLPTR(OVMS_ServerSettingsSetGrpcBindAddress(NULL, "2.2.2.2"), n);
    CHECK_NULLPTR(OVMS_ServerSettingsSetGrpcBindAddress(NULL, NULL), n);
    CHECK_NULLPTR(OVMS_ServerSettingsSetRestWorkers(NULL, 4), n);
    CHECK_NULLPTR(OVMS_ServerSettingsSetRestBindAddress(NULL, "3.3.3.3"), n);
    CHECK_NULLPTR(OVMS_ServerSettingsSetGrpcChannelArguments(NULL, "a=b"), n);
    CHECK_NULLPTR(OVMS_ServerSettingsSetGrpcMaxThreads(NULL, 8), n);
    CHECK_NULLPTR(OVMS_ServerSettingsSetGrpcMemoryQuota(NULL, 1024), n);
    CHECK_NULLPTR(OVMS_ServerSettingsSetFileSystemPollWaitSeconds(NULL, 2), n);
    CHECK_NULLPTR(OVMS_ServerSettingsSetCustomNodeResourcesCleanerIntervalSeconds(NULL, 4), n);
    CHECK_NULLPTR(OVMS_ServerSettingsSetCpuExtensionPath(NULL, "/x"), n);
    CHECK_NULLPTR(OVMS_ServerSettingsSetCacheDir(NULL, "/x"), n);
    CHECK_NULLPTR(OVMS_ServerSettingsSetLogLevel(NULL, OVMS_LOG_INFO), n);
    CHECK_NULLPTR(OVMS_ServerSettingsSetLogLevel(NULL, (OVMS_LogLevel)99), n);
    CHECK_NULLPTR(OVMS_ServerSettingsSetLogPath(NULL, "/x"), n);
    CHECK_NULLPTR(OVMS_ServerSettingsSetAllowedLocalMediaPath(NULL, "/x"), n);
    CHECK_NULLPTR(OVMS_ServerSettingsSetAllowedMediaDomains(NULL, "a.com"), n);
}

static void test_models_settings(void) {
    CHECK_NULLPTR(OVMS_ModelsSettingsNew(NULL), "model settings");
    OVMS_ModelsSettings *ms = NULL;
    REQUIRE_OK(OVMS_ModelsSettingsNew(&ms));
    REQUIRE(ms != NULL);
    CHECK_OK(OVMS_ModelsSettingsSetConfigPath(ms, "/config.json"));
    CHECK_OK(OVMS_ModelsSettingsSetConfigPath(ms, "/other/config.json"));
    CHECK_NULLPTR(OVMS_ModelsSettingsSetConfigPath(NULL, "/config.json"), "models settings");
    CHECK_NULLPTR(OVMS_ModelsSettingsSetConfigPath(ms, NULL), "config path");
    OVMS_ModelsSettingsDelete(ms);
    OVMS_ModelsSettingsDelete(NULL); /* no-op */
}

/* Each call returns a fresh status object the caller owns: two statuses are independent. */
static void test_statuses_are_independent(void) {
    OVMS_Status *a = OVMS_ServerNew(NULL);
    OVMS_Status *b = OVMS_ApiVersion(NULL, NULL);
    REQUIRE(a != NULL && b != NULL);
    CHECK(a != b);
    const char *da = NULL, *db = NULL;
    CHECK_OK(OVMS_StatusDetails(a, &da));
    OVMS_StatusDelete(b);
    CHECK_OK(OVMS_StatusDetails(a, &da));
    CHECK_EQ_STR(da, "Tried to use nonexisting pointer - server");
    (void)db;
    OVMS_StatusDelete(a);
}

int main(void) {
    RUN_TEST(test_api_version);
    RUN_TEST(test_status_code_and_details);
    RUN_TEST(test_server_settings_setters);
    RUN_TEST(test_server_settings_null_settings);
    RUN_TEST(test_models_settings);
    RUN_TEST(test_statuses_are_independent);
    return test_summary();
}
