/* Loading the OpenVINO runtime (README "The OpenVINO runtime"; issue 9 defect 3, issue 13 item 4):
 * OVMS_OPENVINO_LIB naming the C++ libopenvino.so or a missing file is an INTERNAL_ERROR that names
 * the file, never a crash and never a fall-back to another runtime, and it leaves nothing behind:
 * with the variable fixed the next start in the same process works.
 * The order matters (the runtime is loaded once per process): metadata must be the very first
 * call, and the good start comes last.
 *
 * The real libopenvino_c.so.* is the file OVMS_OPENVINO_LIB names when the environment sets it,
 * else the newest one in OVMS_TEST_OPENVINO_LIBS_DIR (the venv's libs dir found at configure
 * time). Without either the test prints a skip line and passes. */
#include "test_util.h"

#include <dirent.h>
#include <sys/stat.h>

#ifndef OVMS_TEST_OPENVINO_LIBS_DIR
#define OVMS_TEST_OPENVINO_LIBS_DIR ""
#endif

static char c_library[1024];   /* the real OpenVINO C library */
static char cxx_library[1024]; /* the C++ libopenvino.so.* beside it */

static bool is_file(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* The newest `dir`/<prefix>* into `out` (names sort by version: same prefix, same digit count). */
static bool newest_in(const char *dir, const char *prefix, char *out, size_t size) {
    DIR *d = opendir(dir);
    if (d == NULL)
        return false;
    char best[256] = "";
    struct dirent *entry;
    while ((entry = readdir(d)) != NULL) {
        if (strncmp(entry->d_name, prefix, strlen(prefix)) == 0 && strcmp(entry->d_name, best) > 0 &&
            strlen(entry->d_name) < sizeof best)
            snprintf(best, sizeof best, "%s", entry->d_name);
    }
    closedir(d);
    if (best[0] == '\0')
        return false;
    snprintf(out, size, "%s/%s", dir, best);
    return is_file(out);
}

/* Fills c_library and cxx_library; false when no runtime is available. */
static bool find_runtime(void) {
    const char *from_env = getenv("OVMS_OPENVINO_LIB");
    char dir[1024] = "";
    if (from_env != NULL && from_env[0] != '\0' && is_file(from_env)) {
        snprintf(c_library, sizeof c_library, "%s", from_env);
        snprintf(dir, sizeof dir, "%s", from_env);
        char *slash = strrchr(dir, '/');
        if (slash == NULL)
            return false;
        *slash = '\0';
    } else {
        snprintf(dir, sizeof dir, "%s", OVMS_TEST_OPENVINO_LIBS_DIR);
        if (dir[0] == '\0' || !newest_in(dir, "libopenvino_c.so.", c_library, sizeof c_library))
            return false;
    }
    return newest_in(dir, "libopenvino.so.", cxx_library, sizeof cxx_library);
}

/* Expects INTERNAL_ERROR whose details contain `part1` and `part2` (either may be NULL). */
static bool expect_internal_error_at(OVMS_Status *status, const char *part1, const char *part2, const char *expr,
                                     const char *file, int line) {
    tu_checks_total++;
    char buf[3000];
    if (status == NULL) {
        snprintf(buf, sizeof buf, "%s: expected INTERNAL_ERROR, got success", expr);
        tu_fail(file, line, buf);
        return false;
    }
    uint32_t code;
    const char *details;
    bool ok = tu_status_info(status, &code, &details) && code == SC_INTERNAL_ERROR &&
              strncmp(details, "Internal server error - ", 24) == 0 && (part1 == NULL || strstr(details, part1)) &&
              (part2 == NULL || strstr(details, part2));
    if (!ok) {
        snprintf(buf, sizeof buf, "%s: expected INTERNAL_ERROR naming \"%.900s\" and \"%.300s\", got code %u, details \"%.1200s\"",
                 expr, part1 ? part1 : "", part2 ? part2 : "", code, details ? details : "(null)");
        tu_fail(file, line, buf);
    }
    OVMS_StatusDelete(status);
    return ok;
}
#define CHECK_INTERNAL_ERROR(expr, part1, part2) \
    ((void)expect_internal_error_at((expr), (part1), (part2), #expr, __FILE__, __LINE__))

static bool is_live(OVMS_Server *server) {
    bool live = true;
    CHECK_OK(OVMS_ServerLive(server, &live));
    return live;
}

/* Starts from config_dummy.json without deleting the server first. */
static OVMS_Status *start_dummy(OVMS_Server *server) {
    OVMS_ServerSettings *ss = NULL;
    OVMS_ModelsSettings *ms = NULL;
    OVMS_Status *status = OVMS_ServerSettingsNew(&ss);
    if (status == NULL)
        status = OVMS_ServerSettingsSetLogLevel(ss, OVMS_LOG_ERROR);
    if (status == NULL)
        status = OVMS_ModelsSettingsNew(&ms);
    if (status == NULL)
        status = OVMS_ModelsSettingsSetConfigPath(ms, config_path("config_dummy.json"));
    if (status == NULL)
        status = OVMS_ServerStartFromConfigurationFile(server, ss, ms);
    OVMS_ServerSettingsDelete(ss);
    OVMS_ModelsSettingsDelete(ms);
    return status;
}

/* The "ov_version" of OVMS_ServerMetadata into `out`; false if the call or the JSON fails. */
static bool ov_version_of_metadata(OVMS_Server *server, char *out, size_t size) {
    OVMS_Metadata *metadata = NULL;
    if (!tu_expect_ok(OVMS_ServerMetadata(server, &metadata), "OVMS_ServerMetadata", __FILE__, __LINE__))
        return false;
    const char *value = NULL;
    size_t length = 0;
    bool ok = tu_expect_ok(OVMS_MetadataFieldByPointer(metadata, "/ov_version", &value, &length),
                           "OVMS_MetadataFieldByPointer /ov_version", __FILE__, __LINE__);
    if (ok) {
        ok = value != NULL && length == strlen(value) && length < size;
        if (ok)
            memcpy(out, value, length + 1);
        OVMS_StringFree(value);
    }
    CHECK_OK(OVMS_ServerMetadataDelete(metadata));
    return ok;
}

/* (c) The very first call of the process: metadata with the C++ library named. It must answer
 * (with no OpenVINO version) and leave the next start able to report the real problem. */
static void test_metadata_first_with_cxx_library(void) {
    OVMS_Server *server = get_server();
    REQUIRE(server != NULL);
    REQUIRE(setenv("OVMS_OPENVINO_LIB", cxx_library, 1) == 0);
    char ov_version[256] = "unset";
    CHECK(ov_version_of_metadata(server, ov_version, sizeof ov_version));
    CHECK_EQ_STR(ov_version, "");
    CHECK_INTERNAL_ERROR(start_dummy(server), cxx_library, "is not OpenVINO's C library: it lacks ov_");
    CHECK(!is_live(server));
}

/* (b) A start with the C++ library named: the same error every time, never ALREADY_STARTING. */
static void test_start_with_cxx_library(void) {
    OVMS_Server *server = get_server();
    REQUIRE(server != NULL);
    REQUIRE(setenv("OVMS_OPENVINO_LIB", cxx_library, 1) == 0);
    for (int attempt = 0; attempt < 2; attempt++) {
        CHECK_INTERNAL_ERROR(start_dummy(server), cxx_library, "is not OpenVINO's C library: it lacks ov_");
        CHECK(!is_live(server));
    }
    OVMS_ServerDelete(server);
    CHECK_INTERNAL_ERROR(start_dummy(server), cxx_library, "libopenvino_c.so.");
    CHECK(!is_live(server));
}

/* (d) A file that does not exist: named in the error, and no other runtime is used instead
 * (the built-in search would find one). */
static void test_start_with_missing_file(void) {
    OVMS_Server *server = get_server();
    REQUIRE(server != NULL);
    const char *missing = "/nonexistent/ovms_runtime_test/libopenvino_c.so.9999";
    REQUIRE(setenv("OVMS_OPENVINO_LIB", missing, 1) == 0);
    CHECK_INTERNAL_ERROR(start_dummy(server), missing, "cannot be loaded");
    CHECK(!is_live(server));
    OVMS_ServerDelete(server);
}

/* (e) Fixed: the same process starts and serves. */
static void test_start_with_c_library_after_failures(void) {
    OVMS_Server *server = get_server();
    REQUIRE(server != NULL);
    OVMS_ServerDelete(server);
    REQUIRE(setenv("OVMS_OPENVINO_LIB", c_library, 1) == 0);
    REQUIRE_OK(start_dummy(server));
    CHECK(is_live(server));
    bool ready = false;
    CHECK_OK(OVMS_ServerReady(server, &ready));
    CHECK(ready);
    INFER_DUMMY(server, "dummy", 1, 0.0f, 1.0f);
    INFER_DUMMY(server, "dummy", 1, 7.5f, 1.0f);
    char ov_version[256] = "";
    CHECK(ov_version_of_metadata(server, ov_version, sizeof ov_version));
    CHECK(strncmp(ov_version, "20", 2) == 0);
    OVMS_ServerDelete(server);
    CHECK(!is_live(server));
}

int main(void) {
    if (!find_runtime()) {
        printf("SKIPPED: no libopenvino_c.so.* with libopenvino.so.* beside it (set OVMS_OPENVINO_LIB or "
               "create .venv with scripts/setup.sh)\n");
        return 0;
    }
    printf("runtime: %s\nC++ library: %s\n", c_library, cxx_library);
    RUN_TEST(test_metadata_first_with_cxx_library);
    RUN_TEST(test_start_with_cxx_library);
    RUN_TEST(test_start_with_missing_file);
    RUN_TEST(test_start_with_c_library_after_failures);
    stop_server();
    return test_summary();
}
