/*
 * test_pipeline_reload: the pipeline rows of OVMS's C-API config-change stress matrix
 * (c_api_stress_tests.cpp, StressCapiConfigChanges.*; the rows: docs/reload.md), through the
 * public header only.
 *
 * The DAG is OVMS's `pipeline1Dummy`: input custom_dummy_input -> model `dummy` (b -> a) ->
 * output custom_dummy_output. 8 threads load it (sync inference, OVMS_GetServableMetadata, or
 * async inference) while a change is applied mid-load with OVMS_ExServerReload (the watcher is
 * off, as in OVMS's tests). Each row: every code returned is in the row's required and allowed
 * sets, each required code is seen, every OK answer is right (a = b + version: models/dummy/1
 * is version 1, models/versioned/<v> version v, so an answer names the version it came from),
 * every accepted async request gets exactly one callback, and the model's pool is at rest after.
 * Row checks after the load name what the change must have done (states, codes, answers), and
 * where it stopped the pipeline, that undoing it serves the pipeline again. The few places
 * where a row's codes differ from OVMS's are said at `rows` and in docs/reload.md.
 *
 * Each row builds its repository and config.json under pipeline_reload_work_<pid>/ in the
 * working directory from copies of the models; the folder is removed unless a check failed.
 * OVMS_TEST_ROW=<part of a row name> runs only those rows. Run under valgrind too (ctest
 * pipeline_reload_memcheck, OVMS_TEST_SCALE=small).
 */
#include "async_util.h"

#include <ftw.h>
#include <limits.h>
#include <math.h>
#include <sys/stat.h>

enum {
    SC_OK = 0,
    SC_MODEL_VERSION_MISSING = 47,
    SC_NOT_LOADED_ANYMORE = 48,
    SC_NOT_LOADED_YET = 49,
    SC_PIPELINE_NOT_LOADED_ANYMORE = 145,
    SC_PIPELINE_NOT_LOADED_YET = 146,
    /* pseudo codes of this test */
    PC_BAD_VALUES = 1001,      /* OK, but the answer (or the metadata) is wrong */
    PC_CALLBACK_FAILED = 1002, /* an accepted async request completed with flag 1 */
    PC_CALLBACK_LOST = 1003,   /* an accepted async request got no callback */
    PC_NO_CODE = 1004,         /* OVMS_StatusCode failed */
    PC_REQUEST_FAILED = 1005,  /* building the request failed */
};
#define NCODES 1010

static const char *const PIPELINE = "pipeline1Dummy";
static const char *const PIPELINE_2ND = "pipeline1Dummy2ndPipeline";
static const char *const PIPELINE_INPUT = "custom_dummy_input";
static const char *const PIPELINE_OUTPUT = "custom_dummy_output";

static double bounded_wait_s(void) { return au_small() ? 60.0 : 10.0; }

/* ---- paths and files ------------------------------------------------------------------------- */
#define ROOT_MAX 1024 /* the roots are short, so every path built from them fits in PATH_MAX */
static char repo_root[PATH_MAX];
static char work_root[ROOT_MAX];
static int scen_counter = 0;

static bool init_paths(void) {
    char path[PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/../../..", OVMS_ASYNC_CONFIG_DIR);
    if (realpath(path, repo_root) == NULL || strlen(repo_root) >= ROOT_MAX)
        return false;
    char cwd[ROOT_MAX - 40];
    if (getcwd(cwd, sizeof cwd) == NULL)
        return false;
    snprintf(work_root, sizeof work_root, "%s/pipeline_reload_work_%d", cwd, (int)getpid());
    return mkdir(work_root, 0755) == 0;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
    (void)st;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0;
}

static void rm_rf(const char *path) { nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS); }

static bool copy_file(const char *src, const char *dst) {
    FILE *in = fopen(src, "rb");
    if (in == NULL)
        return false;
    FILE *out = fopen(dst, "wb");
    if (out == NULL) {
        fclose(in);
        return false;
    }
    char buf[65536];
    size_t n;
    bool ok = true;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0)
        if (fwrite(buf, 1, n, out) != n)
            ok = false;
    fclose(in);
    return fclose(out) == 0 && ok;
}

/* Writes `text` to path.tmp, then renames it over `path`: a reload never reads half a file. */
static bool write_atomic(const char *path, const char *text) {
    char tmp[PATH_MAX + 24];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "wb");
    if (f == NULL)
        return false;
    size_t len = strlen(text);
    bool ok = fwrite(text, 1, len, f) == len;
    ok = fclose(f) == 0 && ok;
    return ok && rename(tmp, path) == 0;
}

/* A scenario: a folder with config.json and the repository of `dummy`. */
typedef struct {
    char dir[PATH_MAX];
    char config[PATH_MAX + 16];
    char base[PATH_MAX + 16];
} scen;

static bool scen_new(scen *s, const char *label) {
    snprintf(s->dir, sizeof s->dir, "%s/%02d_%.64s", work_root, (++scen_counter) % 100, label);
    snprintf(s->config, sizeof s->config, "%s/config.json", s->dir);
    snprintf(s->base, sizeof s->base, "%s/dummy", s->dir);
    return mkdir(s->dir, 0755) == 0 && mkdir(s->base, 0755) == 0;
}

/* Version folder `version` (models/dummy/1 for 1, else models/versioned/<version>: a = b +
 * version), built under a name a version scan ignores, then renamed into place. */
static bool scen_add_version(scen *s, int version) {
    char src[PATH_MAX], tmp[PATH_MAX + 64], dst[PATH_MAX + 64], a[PATH_MAX + 80], b[PATH_MAX + 80];
    if (version == 1)
        snprintf(src, sizeof src, "%.*s/models/dummy/1", ROOT_MAX, repo_root);
    else
        snprintf(src, sizeof src, "%.*s/models/versioned/%d", ROOT_MAX, repo_root, version);
    snprintf(tmp, sizeof tmp, "%s/.building_%d", s->base, version);
    snprintf(dst, sizeof dst, "%s/%d", s->base, version);
    if (mkdir(tmp, 0755) != 0)
        return false;
    bool ok = true;
    const char *names[] = {"model.xml", "model.bin"};
    for (int i = 0; i < 2; i++) {
        snprintf(a, sizeof a, "%s/%s", src, names[i]);
        snprintf(b, sizeof b, "%s/%s", tmp, names[i]);
        ok = copy_file(a, b) && ok;
    }
    return ok && rename(tmp, dst) == 0;
}

/* ---- configs: OVMS's stress configs (stress_test_utils.hpp), nireq 4 instead of 100 ------------ */
#define LATEST_1 "\"model_version_policy\": {\"latest\": {\"num_versions\": 1}}, "
static const char *const MODEL_STATIC = LATEST_1 "\"shape\": {\"b\": \"(1,10)\"}";
static const char *const MODEL_AUTO = LATEST_1 "\"shape\": {\"b\": \"auto\"}";
static const char *const MODEL_STATIC_LATEST_2 =
    "\"model_version_policy\": {\"latest\": {\"num_versions\": 2}}, \"shape\": {\"b\": \"(1,10)\"}";

/* A pipeline_config_list entry: `name` runs `dummy` (its version `node_version`, 0: the default
 * one) with the node's output aliased `alias`. */
static void pipeline_json(char *out, size_t n, const char *name, int node_version, const char *alias) {
    char version[32] = "";
    if (node_version > 0)
        snprintf(version, sizeof version, "\"version\": %d, ", node_version);
    snprintf(out, n,
             "    {\"name\": \"%s\", \"inputs\": [\"%s\"],\n"
             "     \"nodes\": [{\"name\": \"dummyNode\", \"model_name\": \"dummy\", %s\"type\": \"DL model\",\n"
             "                \"inputs\": [{\"b\": {\"node_name\": \"request\", \"data_item\": \"%s\"}}],\n"
             "                \"outputs\": [{\"data_item\": \"a\", \"alias\": \"%s\"}]}],\n"
             "     \"outputs\": [{\"%s\": {\"node_name\": \"dummyNode\", \"data_item\": \"%s\"}}]}",
             name, PIPELINE_INPUT, version, PIPELINE_INPUT, alias, PIPELINE_OUTPUT, alias);
}

/* config.json: `dummy` with `model_settings` (its policy and shape; NULL: no model) and the
 * pipelines `pipelines` (each a pipeline_json entry; NULL ends the list). */
static bool scen_config(scen *s, const char *model_settings, const char *const *pipelines) {
    char text[16384], model[PATH_MAX + 512] = "";
    if (model_settings != NULL)
        snprintf(model, sizeof model,
                 "    {\"config\": {\"name\": \"dummy\", \"base_path\": \"%s\", \"target_device\": \"CPU\",\n"
                 "                \"nireq\": 4, %s}}\n",
                 s->base, model_settings);
    size_t used = (size_t)snprintf(text, sizeof text, "{\n  \"model_config_list\": [\n%s  ],\n"
                                   "  \"pipeline_config_list\": [\n", model);
    for (int i = 0; pipelines != NULL && pipelines[i] != NULL && used < sizeof text; i++)
        used += (size_t)snprintf(text + used, sizeof text - used, "%s%s\n", i > 0 ? ",\n" : "", pipelines[i]);
    if (used < sizeof text)
        used += (size_t)snprintf(text + used, sizeof text - used, "  ]\n}\n");
    return used < sizeof text && write_atomic(s->config, text);
}

/* ---- server ------------------------------------------------------------------------------------- */
static bool server_started = false;

static OVMS_Status *start_scen(scen *s) {
    OVMS_ServerSettings *settings = NULL;
    OVMS_ModelsSettings *models = NULL;
    OVMS_Status *status = OVMS_ServerSettingsNew(&settings);
    if (status == NULL)
        status = OVMS_ModelsSettingsNew(&models);
    if (status == NULL)
        status = OVMS_ServerSettingsSetLogLevel(settings, OVMS_LOG_ERROR);
    if (status == NULL) /* reloads only through the test, as OVMS's stress tests do */
        status = OVMS_ServerSettingsSetFileSystemPollWaitSeconds(settings, 0);
    if (status == NULL)
        status = OVMS_ModelsSettingsSetConfigPath(models, s->config);
    if (status == NULL)
        status = OVMS_ServerStartFromConfigurationFile(server, settings, models);
    if (status == NULL)
        server_started = true;
    OVMS_ModelsSettingsDelete(models);
    OVMS_ServerSettingsDelete(settings);
    return status;
}

static void stop_server(void) {
    if (server_started)
        OVMS_ServerDelete(server);
    server_started = false;
}

/* The code of `status` (0 for NULL); deletes it. */
static uint32_t take_code(OVMS_Status *status) {
    if (status == NULL)
        return SC_OK;
    uint32_t code = au_code(status);
    OVMS_StatusDelete(status);
    return code == UINT32_MAX ? PC_NO_CODE : code;
}

static void reload_ok(const char *what, const char *file, int line) {
    OVMS_Status *status = OVMS_ExServerReload(server);
    if (status != NULL) {
        char buf[300];
        snprintf(buf, sizeof buf, "OVMS_ExServerReload (%s): code %u (%s)", what, au_code(status),
                 au_details(status));
        OVMS_StatusDelete(status);
        au_fail(file, line, buf);
    }
}
#define RELOAD_OK(what) reload_ok((what), __FILE__, __LINE__)

/* The state of a servable, or -(status code) when the call fails. */
static int servable_state(const char *name, int64_t version) {
    OVMS_ServableState state = OVMS_STATE_BEGIN;
    OVMS_Status *status = OVMS_GetServableState(server, name, version, &state);
    if (status != NULL)
        return -(int)take_code(status);
    return (int)state;
}

#define CHECK_STATE(name, version, want)                                                                  \
    do {                                                                                                  \
        int st_ = servable_state((name), (version));                                                      \
        if (st_ != (want)) {                                                                              \
            char b_[200];                                                                                 \
            snprintf(b_, sizeof b_, "state of %s v%lld: %d, expected %d (negative: the call's code)",     \
                     (name), (long long)(version), st_, (int)(want));                                     \
            au_fail(__FILE__, __LINE__, b_);                                                              \
        }                                                                                                 \
    } while (0)

/* Expects the pool of `dummy` version `version` at rest with 4 slots (the configs' nireq). */
static void check_rest(int64_t version, const char *file, int line) {
    uint32_t slots = 0, idle = 0, queued = 0;
    OVMS_Status *status = OVMS_ExServableSlots(server, "dummy", version, &slots, &idle, &queued);
    char buf[240];
    if (status != NULL) {
        snprintf(buf, sizeof buf, "OVMS_ExServableSlots(dummy, %lld): code %u", (long long)version,
                 take_code(status));
        au_fail(file, line, buf);
        return;
    }
    if (slots != 4 || idle != slots || queued != 0) {
        snprintf(buf, sizeof buf, "pool of dummy v%lld not at rest: slots %u (expected 4), idle %u, queued %u",
                 (long long)version, slots, idle, queued);
        au_fail(file, line, buf);
    }
}
#define CHECK_REST(version) check_rest((version), __FILE__, __LINE__)

/* ---- inference and metadata on a pipeline --------------------------------------------------------- */
static void make_input(float *input, long seed) { fill_input(input, (float)(seed % 1000)); }

/* The k of a pipeline response custom_dummy_output = custom_dummy_input + k (k in 1..9: the
 * version that answered); 0 when the response is wrong. */
static int response_offset(OVMS_InferenceResponse *response, const float *input) {
    uint32_t count = 0;
    if (take_code(OVMS_InferenceResponseOutputCount(response, &count)) != SC_OK || count != 1)
        return 0;
    const char *name = NULL;
    OVMS_DataType datatype = OVMS_DATATYPE_UNDEFINED;
    const int64_t *shape = NULL;
    size_t dims = 0, bytes = 0;
    const void *data = NULL;
    OVMS_BufferType buffer_type = OVMS_BUFFERTYPE_HDDL;
    uint32_t device = 99;
    if (take_code(OVMS_InferenceResponseOutput(response, 0, &name, &datatype, &shape, &dims, &data, &bytes,
                                               &buffer_type, &device)) != SC_OK)
        return 0;
    if (name == NULL || strcmp(name, PIPELINE_OUTPUT) != 0 || datatype != OVMS_DATATYPE_FP32 || dims != 2 ||
        shape == NULL || shape[0] != 1 || shape[1] != AU_DUMMY_N || bytes != AU_DUMMY_N * sizeof(float) ||
        data == NULL || buffer_type != OVMS_BUFFERTYPE_CPU)
        return 0;
    const float *values = data;
    long k = lroundf(values[0] - input[0]);
    if (k < 1 || k > 9)
        return 0;
    for (int i = 0; i < AU_DUMMY_N; i++)
        if (values[i] != input[i] + (float)k)
            return 0;
    return (int)k;
}

static OVMS_Status *new_request(const char *servable, const float *input, OVMS_InferenceRequest **out) {
    OVMS_InferenceRequest *request = NULL;
    OVMS_Status *status = OVMS_InferenceRequestNew(&request, server, servable, 0);
    if (status == NULL)
        status = OVMS_InferenceRequestAddInput(request, PIPELINE_INPUT, OVMS_DATATYPE_FP32, AU_DUMMY_SHAPE, 2);
    if (status == NULL)
        status = OVMS_InferenceRequestInputSetData(request, PIPELINE_INPUT, input, AU_DUMMY_N * sizeof(float),
                                                   OVMS_BUFFERTYPE_CPU, 0);
    if (status != NULL) {
        OVMS_InferenceRequestDelete(request);
        request = NULL;
    }
    *out = request;
    return status;
}

/* One sync inference: its code (PC_BAD_VALUES when OK with a wrong answer); *offset the version. */
static uint32_t infer_input(const char *servable, const float *input, int *offset) {
    *offset = 0;
    OVMS_InferenceRequest *request = NULL;
    if (take_code(new_request(servable, input, &request)) != SC_OK)
        return PC_REQUEST_FAILED;
    OVMS_InferenceResponse *response = NULL;
    uint32_t code = take_code(OVMS_Inference(server, request, &response));
    if (code == SC_OK) {
        *offset = response_offset(response, input);
        if (*offset == 0)
            code = PC_BAD_VALUES;
    }
    OVMS_InferenceResponseDelete(response);
    OVMS_InferenceRequestDelete(request);
    return code;
}

static uint32_t infer(const char *servable, int *offset) {
    float input[AU_DUMMY_N];
    make_input(input, 17);
    return infer_input(servable, input, offset);
}

/* Expects sync inference on `servable` to succeed, answered by version `offset`. */
static void check_answer(const char *servable, int offset, const char *file, int line) {
    int got = 0;
    uint32_t code = infer(servable, &got);
    if (code != SC_OK || got != offset) {
        char buf[200];
        snprintf(buf, sizeof buf, "inference on %s: code %u answered by v%d, expected OK by v%d", servable, code,
                 got, offset);
        au_fail(file, line, buf);
    }
}
#define CHECK_ANSWER(servable, offset) check_answer((servable), (offset), __FILE__, __LINE__)

static void check_infer_code(const char *servable, uint32_t want, const char *file, int line) {
    int got = 0;
    uint32_t code = infer(servable, &got);
    if (code != want) {
        char buf[200];
        snprintf(buf, sizeof buf, "inference on %s: code %u, expected %u", servable, code, want);
        au_fail(file, line, buf);
    }
}
#define CHECK_INFER_CODE(servable, want) check_infer_code((servable), (want), __FILE__, __LINE__)

/* Is metadata tensor `id` (an input, or an output) `name`, FP32 [1,10] (or, with `any_shape`,
 * two dims that admit [1,10])? */
static bool tensor_ok(OVMS_ServableMetadata *metadata, bool input, const char *name, bool any_shape) {
    const char *got_name = NULL;
    OVMS_DataType datatype = OVMS_DATATYPE_UNDEFINED;
    size_t dims = 0;
    int64_t *min = NULL, *max = NULL;
    OVMS_Status *status = input ? OVMS_ServableMetadataInput(metadata, 0, &got_name, &datatype, &dims, &min, &max)
                                : OVMS_ServableMetadataOutput(metadata, 0, &got_name, &datatype, &dims, &min, &max);
    if (take_code(status) != SC_OK || got_name == NULL || strcmp(got_name, name) != 0 ||
        datatype != OVMS_DATATYPE_FP32 || dims != 2 || min == NULL || max == NULL)
        return false;
    for (size_t i = 0; i < 2; i++) {
        int64_t want = AU_DUMMY_SHAPE[i];
        bool exact = min[i] == want && max[i] == want;
        bool admits = (min[i] == -1 && max[i] == -1) || (min[i] <= want && (max[i] == -1 || want <= max[i]));
        if (!(exact || (any_shape && admits)))
            return false;
    }
    return true;
}

/* OVMS_GetServableMetadata on `servable`: its code, PC_BAD_VALUES when OK with metadata other
 * than custom_dummy_input -> custom_dummy_output, FP32 [1,10] (`any_shape`: or dynamic dims). */
static uint32_t metadata_code(const char *servable, bool any_shape) {
    OVMS_ServableMetadata *metadata = NULL;
    uint32_t code = take_code(OVMS_GetServableMetadata(server, servable, 0, &metadata));
    if (code != SC_OK)
        return code;
    uint32_t inputs = 0, outputs = 0;
    bool ok = take_code(OVMS_ServableMetadataInputCount(metadata, &inputs)) == SC_OK && inputs == 1 &&
              take_code(OVMS_ServableMetadataOutputCount(metadata, &outputs)) == SC_OK && outputs == 1 &&
              tensor_ok(metadata, true, PIPELINE_INPUT, any_shape) &&
              tensor_ok(metadata, false, PIPELINE_OUTPUT, any_shape);
    OVMS_ServableMetadataDelete(metadata);
    return ok ? SC_OK : PC_BAD_VALUES;
}

/* ---- load: worker threads that call the pipeline in a loop and count the codes ---------------------- */
#define MAX_WORKERS 8
typedef enum { LOAD_INFER, LOAD_ASYNC, LOAD_METADATA } load_kind;
typedef struct load load;

typedef struct {
    load *l;
    int id;
    pthread_t thread;
    atomic_long requests;
    atomic_long accepted;  /* async: OVMS_InferenceAsync returned NULL */
    atomic_long callbacks; /* async: callbacks that ran */
    atomic_int cb_flag;
    atomic_int cb_offset;
    float input[AU_DUMMY_N];
    au_counter done;
} worker;

struct load {
    load_kind kind;
    bool any_shape; /* metadata: dynamic dims are right too */
    int nworkers;
    atomic_bool stop;
    atomic_bool lost;
    atomic_long codes[NCODES];
    atomic_long offsets[10];
    worker w[MAX_WORKERS];
};

static void load_cb(OVMS_InferenceResponse *response, uint32_t flag, void *user) {
    worker *w = user;
    int offset = 0;
    if (flag == 0 && response != NULL)
        offset = response_offset(response, w->input);
    if (response != NULL)
        OVMS_InferenceResponseDelete(response);
    atomic_store(&w->cb_flag, (int)flag);
    atomic_store(&w->cb_offset, offset);
    atomic_fetch_add(&w->callbacks, 1);
    au_counter_add(&w->done, 1);
}

static void load_record(load *l, uint32_t code, int offset) {
    atomic_fetch_add(&l->codes[code < NCODES ? code : NCODES - 1], 1);
    if (code == SC_OK && offset >= 0 && offset < 10)
        atomic_fetch_add(&l->offsets[offset], 1);
}

/* One async request; false when its callback never came (the worker must stop: the library may
 * still write into it). */
static bool async_once(worker *w, uint32_t *code, int *offset) {
    OVMS_InferenceRequest *request = NULL;
    if (take_code(new_request(PIPELINE, w->input, &request)) != SC_OK) {
        *code = PC_REQUEST_FAILED;
        return true;
    }
    if (take_code(OVMS_InferenceRequestSetCompletionCallback(request, load_cb, w)) != SC_OK) {
        *code = PC_REQUEST_FAILED;
        OVMS_InferenceRequestDelete(request);
        return true;
    }
    *code = take_code(OVMS_InferenceAsync(server, request));
    if (*code == SC_OK) {
        long target = atomic_fetch_add(&w->accepted, 1) + 1;
        if (!au_counter_wait_stall(&w->done, target, AU_STALL_SECONDS / 2))
            return false;
        *offset = atomic_load(&w->cb_offset);
        *code = atomic_load(&w->cb_flag) != 0 ? PC_CALLBACK_FAILED : *offset == 0 ? PC_BAD_VALUES : SC_OK;
    }
    OVMS_InferenceRequestDelete(request);
    return true;
}

static void *worker_main(void *arg) {
    worker *w = arg;
    load *l = w->l;
    const long cap = 2000000; /* bound in count; the time bound is the test's */
    for (long i = 0; i < cap && !atomic_load(&l->stop); i++) {
        make_input(w->input, (long)w->id * 131 + i);
        uint32_t code = SC_OK;
        int offset = 0;
        if (l->kind == LOAD_INFER) {
            code = infer_input(PIPELINE, w->input, &offset);
        } else if (l->kind == LOAD_METADATA) {
            code = metadata_code(PIPELINE, l->any_shape);
        } else if (!async_once(w, &code, &offset)) {
            load_record(l, PC_CALLBACK_LOST, 0);
            atomic_store(&l->lost, true);
            atomic_fetch_add(&w->requests, 1);
            break;
        }
        load_record(l, code, offset);
        atomic_fetch_add(&w->requests, 1);
    }
    return NULL;
}

static bool load_start(load *l, load_kind kind, bool any_shape, int nworkers) {
    memset(l, 0, sizeof *l);
    l->kind = kind;
    l->any_shape = any_shape;
    atomic_init(&l->stop, false);
    atomic_init(&l->lost, false);
    for (int i = 0; i < NCODES; i++)
        atomic_init(&l->codes[i], 0);
    for (int i = 0; i < 10; i++)
        atomic_init(&l->offsets[i], 0);
    for (int i = 0; i < nworkers && i < MAX_WORKERS; i++) {
        worker *w = &l->w[i];
        w->l = l;
        w->id = i;
        atomic_init(&w->requests, 0);
        atomic_init(&w->accepted, 0);
        atomic_init(&w->callbacks, 0);
        atomic_init(&w->cb_flag, -1);
        atomic_init(&w->cb_offset, 0);
        au_counter_init(&w->done);
        if (pthread_create(&w->thread, NULL, worker_main, w) != 0) {
            au_counter_destroy(&w->done);
            au_fail(__FILE__, __LINE__, "pthread_create failed");
            return false;
        }
        l->nworkers++;
    }
    return true;
}

static void load_snapshot(load *l, long *out) {
    for (int i = 0; i < l->nworkers; i++)
        out[i] = atomic_load(&l->w[i].requests);
}

/* Waits until every worker made `more` requests since `since` (NULL: since the start) and at least
 * `min_ms` passed; bounded by `timeout` seconds. */
static bool load_wait_each(load *l, const long *since, long more, long min_ms, double timeout) {
    double started = au_now();
    for (;;) {
        bool all = au_now() - started >= (double)min_ms / 1000.0;
        for (int i = 0; i < l->nworkers && all; i++)
            if (atomic_load(&l->w[i].requests) < (since ? since[i] : 0) + more)
                all = false;
        if (all)
            return true;
        if (au_now() - started > timeout || atomic_load(&l->lost))
            return false;
        au_sleep_ms(2);
    }
}

/* Stops and joins the workers; then checks that every accepted async request got exactly one
 * callback (after a settling pause, so a late duplicate is seen too). */
static void load_stop(load *l) {
    atomic_store(&l->stop, true);
    for (int i = 0; i < l->nworkers; i++)
        pthread_join(l->w[i].thread, NULL);
    if (l->kind == LOAD_ASYNC && !atomic_load(&l->lost))
        au_sleep_ms(150);
    for (int i = 0; i < l->nworkers; i++) {
        worker *w = &l->w[i];
        if (atomic_load(&l->lost))
            continue; /* the library may still write into w->done */
        long accepted = atomic_load(&w->accepted), callbacks = atomic_load(&w->callbacks);
        if (accepted != callbacks) {
            char buf[200];
            snprintf(buf, sizeof buf, "worker %d: %ld async requests accepted, %ld callbacks", i, accepted,
                     callbacks);
            au_fail(__FILE__, __LINE__, buf);
        }
        au_counter_destroy(&w->done);
    }
    CHECK(!atomic_load(&l->lost));
}

static long load_total(load *l) {
    long total = 0;
    for (int i = 0; i < NCODES; i++)
        total += atomic_load(&l->codes[i]);
    return total;
}

static void load_format_codes(load *l, char *out, size_t n) {
    size_t used = (size_t)snprintf(out, n, "{");
    bool first = true;
    for (int i = 0; i < NCODES && used < n; i++) {
        long c = atomic_load(&l->codes[i]);
        if (c == 0)
            continue;
        used += (size_t)snprintf(out + used, n - used, "%s%d:%ld", first ? "" : ",", i, c);
        first = false;
    }
    if (used < n)
        snprintf(out + used, n - used, "}");
}

static void load_format_versions(load *l, char *out, size_t n) {
    size_t used = (size_t)snprintf(out, n, "{");
    bool first = true;
    for (int i = 1; i < 10 && used < n; i++) {
        long c = atomic_load(&l->offsets[i]);
        if (c == 0)
            continue;
        used += (size_t)snprintf(out + used, n - used, "%sv%d:%ld", first ? "" : ",", i, c);
        first = false;
    }
    if (used < n)
        snprintf(out + used, n - used, "}");
}

/* ---- the matrix ------------------------------------------------------------------------------------ */
#define MAX_SET 8
typedef struct {
    const char *name;
    load_kind kind;
    void (*setup)(scen *s);   /* the repository and config.json the server starts from */
    void (*change)(scen *s);  /* the change, applied mid-load */
    void (*after)(scen *s);   /* checks once the load stopped */
    int required[MAX_SET];    /* each must be seen; -1 ends */
    int allowed[MAX_SET];     /* may be seen; -1 ends */
    bool dynamic_after;       /* metadata: after the change the dims may be dynamic (shape auto) */
} row;

static bool in_set(const int *set, int code) {
    for (int i = 0; i < MAX_SET && set[i] >= 0; i++)
        if (set[i] == code)
            return true;
    return false;
}

/* Requests each thread makes before and after the change: the change meets a loaded server,
 * and what it leaves in force is seen by every thread. */
static long row_k(void) { return au_scaled(30, 3); }

static bool config_pipeline1(scen *s, const char *model_settings, int node_version, const char *alias) {
    char p[2048];
    pipeline_json(p, sizeof p, PIPELINE, node_version, alias);
    const char *const list[] = {p, NULL};
    return scen_config(s, model_settings, list);
}

/* setups: OVMS's createStressTestPipelineOneDummyConfig and ...ConfigSpecificVersionUsed */
static void setup_default(scen *s) {
    CHECK(scen_add_version(s, 1));
    CHECK(config_pipeline1(s, MODEL_STATIC, 0, "new_dummy_output"));
}
static void setup_specific_version(scen *s) {
    CHECK(scen_add_version(s, 1));
    CHECK(config_pipeline1(s, MODEL_STATIC, 1, "new_dummy_output"));
}

/* changes (the stress fixture's, then a reload as OVMS's test does) */
static void change_add_version(scen *s) { /* defaultVersionAdd, retireSpecificVersionUsed */
    CHECK(scen_add_version(s, 2));
    RELOAD_OK("dummy version 2 added");
}
static void change_remove_model(scen *s) { /* defaultVersionRemove: the model leaves the config */
    CHECK(config_pipeline1(s, NULL, 0, "new_dummy_output"));
    RELOAD_OK("dummy removed from the config");
}
static void change_auto_shape(scen *s) {
    CHECK(config_pipeline1(s, MODEL_AUTO, 0, "new_dummy_output"));
    RELOAD_OK("dummy shape auto");
}
static void change_remove_pipeline(scen *s) {
    CHECK(scen_config(s, MODEL_STATIC, NULL));
    RELOAD_OK("pipeline removed");
}
static void change_connection_name(scen *s) {
    CHECK(config_pipeline1(s, MODEL_STATIC, 0, "new_dummy_output_changed_name"));
    RELOAD_OK("connection renamed");
}
static void change_add_pipeline(scen *s) {
    char p1[2048], p2[2048];
    pipeline_json(p2, sizeof p2, PIPELINE_2ND, 0, "new_dummy_output");
    pipeline_json(p1, sizeof p1, PIPELINE, 0, "new_dummy_output");
    const char *const list[] = {p2, p1, NULL};
    CHECK(scen_config(s, MODEL_STATIC, list));
    RELOAD_OK("second pipeline added");
}

/* checks after */
static void after_version_added(scen *s) {
    (void)s;
    CHECK_STATE("dummy", 1, OVMS_STATE_RETIRED);
    CHECK_STATE(PIPELINE, 0, OVMS_STATE_AVAILABLE);
    CHECK_ANSWER(PIPELINE, 2);
    CHECK_EQ(metadata_code(PIPELINE, false), SC_OK);
    CHECK_REST(2);
}
static void after_model_removed(scen *s) {
    CHECK_STATE("dummy", 1, OVMS_STATE_RETIRED);
    CHECK_STATE(PIPELINE, 0, OVMS_STATE_LOADING_FAILED);
    CHECK_INFER_CODE(PIPELINE, SC_PIPELINE_NOT_LOADED_YET);
    CHECK_EQ(metadata_code(PIPELINE, false), SC_PIPELINE_NOT_LOADED_YET);
    /* the model back in the config: the pipeline validates again */
    CHECK(config_pipeline1(s, MODEL_STATIC, 0, "new_dummy_output"));
    RELOAD_OK("dummy back in the config");
    CHECK_STATE(PIPELINE, 0, OVMS_STATE_AVAILABLE);
    CHECK_ANSWER(PIPELINE, 1);
}
/* Sync inference on the pipeline with a [1,11] input: served once dummy's shape is "auto". */
static uint32_t infer_shape_1x11(void) {
    static const int64_t shape[2] = {1, 11};
    float input[11];
    for (int i = 0; i < 11; i++)
        input[i] = (float)i;
    OVMS_InferenceRequest *request = NULL;
    uint32_t code = take_code(OVMS_InferenceRequestNew(&request, server, PIPELINE, 0));
    if (code == SC_OK)
        code = take_code(OVMS_InferenceRequestAddInput(request, PIPELINE_INPUT, OVMS_DATATYPE_FP32, shape, 2));
    if (code == SC_OK)
        code = take_code(
            OVMS_InferenceRequestInputSetData(request, PIPELINE_INPUT, input, sizeof input, OVMS_BUFFERTYPE_CPU, 0));
    if (code == SC_OK) {
        OVMS_InferenceResponse *response = NULL;
        code = take_code(OVMS_Inference(server, request, &response));
        OVMS_InferenceResponseDelete(response);
    }
    OVMS_InferenceRequestDelete(request);
    return code;
}

/* The pipeline input's bounds per dimension from its metadata; false when the call fails. */
static bool input_bounds(int64_t min[2], int64_t max[2]) {
    OVMS_ServableMetadata *metadata = NULL;
    if (take_code(OVMS_GetServableMetadata(server, PIPELINE, 0, &metadata)) != SC_OK)
        return false;
    const char *name = NULL;
    OVMS_DataType datatype = OVMS_DATATYPE_UNDEFINED;
    size_t dims = 0;
    int64_t *mins = NULL, *maxs = NULL;
    bool ok = take_code(OVMS_ServableMetadataInput(metadata, 0, &name, &datatype, &dims, &mins, &maxs)) == SC_OK &&
              dims == 2 && mins != NULL && maxs != NULL;
    for (int i = 0; ok && i < 2; i++) {
        min[i] = mins[i];
        max[i] = maxs[i];
    }
    OVMS_ServableMetadataDelete(metadata);
    return ok;
}

static void after_auto_shape(scen *s) {
    (void)s;
    CHECK_STATE(PIPELINE, 0, OVMS_STATE_AVAILABLE);
    CHECK_ANSWER(PIPELINE, 1);
    CHECK_EQ(infer_shape_1x11(), SC_OK); /* the new shape is in force through the pipeline */
    CHECK_EQ(metadata_code(PIPELINE, true), SC_OK);
    /* "auto" serves dynamic dims (docs/reload.md), and the pipeline's metadata follows */
    int64_t min[2] = {0, 0}, max[2] = {0, 0};
    CHECK(input_bounds(min, max));
    CHECK(min[1] == -1 && max[1] == -1);
    CHECK_REST(1);
}
static void after_pipeline_removed(scen *s) {
    CHECK_STATE(PIPELINE, 0, OVMS_STATE_RETIRED);
    CHECK_INFER_CODE(PIPELINE, SC_PIPELINE_NOT_LOADED_ANYMORE);
    CHECK_EQ(metadata_code(PIPELINE, false), SC_PIPELINE_NOT_LOADED_ANYMORE);
    CHECK_REST(1);
    /* the definition back in the config: served again */
    CHECK(config_pipeline1(s, MODEL_STATIC, 0, "new_dummy_output"));
    RELOAD_OK("pipeline back in the config");
    CHECK_STATE(PIPELINE, 0, OVMS_STATE_AVAILABLE);
    CHECK_ANSWER(PIPELINE, 1);
}
static void after_v1_serving(scen *s) {
    (void)s;
    CHECK_STATE(PIPELINE, 0, OVMS_STATE_AVAILABLE);
    CHECK_ANSWER(PIPELINE, 1);
    CHECK_EQ(metadata_code(PIPELINE, false), SC_OK);
    CHECK_REST(1);
}
static void after_pipeline_added(scen *s) {
    after_v1_serving(s);
    CHECK_STATE(PIPELINE_2ND, 0, OVMS_STATE_AVAILABLE);
    CHECK_ANSWER(PIPELINE_2ND, 1);
    CHECK_REST(1);
}
static void after_specific_retired(scen *s) {
    CHECK_STATE("dummy", 1, OVMS_STATE_RETIRED);
    CHECK_STATE(PIPELINE, 0, OVMS_STATE_LOADING_FAILED);
    CHECK_INFER_CODE(PIPELINE, SC_PIPELINE_NOT_LOADED_YET);
    CHECK_EQ(metadata_code(PIPELINE, false), SC_PIPELINE_NOT_LOADED_YET);
    CHECK_REST(2);
    /* version 1 served again (its folder is still there; latest 2): the pinned pipeline follows */
    CHECK(config_pipeline1(s, MODEL_STATIC_LATEST_2, 1, "new_dummy_output"));
    RELOAD_OK("dummy latest 2");
    CHECK_STATE("dummy", 1, OVMS_STATE_AVAILABLE);
    CHECK_STATE(PIPELINE, 0, OVMS_STATE_AVAILABLE);
    CHECK_ANSWER(PIPELINE, 1);
}

#define SET(...) {__VA_ARGS__, -1}
#define NONE {-1}

/* OVMS's required and allowed codes, row by row (c_api_stress_tests.cpp), but for one:
 * RemoveDefaultVersion's MODEL_VERSION_MISSING, which OVMS requires, is allowed only. It comes
 * from requests that found the pipeline still valid while its model had just left the config:
 * here that window is the rest of one reload cycle (between retiring the model and
 * revalidating the pipelines), hit in some runs and not in others, and such a request gets
 * MODEL_VERSION_NOT_LOADED_ANYMORE (the model part answers version 0 with its highest
 * version's state, docs/reload.md) where OVMS says MODEL_VERSION_MISSING. */
static const row rows[] = {
    /* sync inference: StressCapiConfigChanges.*DuringPredictLoad */
    {"AddNewVersion", LOAD_INFER, setup_default, change_add_version, after_version_added, SET(SC_OK), NONE, false},
    {"RemoveDefaultVersion", LOAD_INFER, setup_default, change_remove_model, after_model_removed,
     SET(SC_OK, SC_PIPELINE_NOT_LOADED_YET), SET(SC_MODEL_VERSION_MISSING, SC_NOT_LOADED_ANYMORE), false},
    {"ChangeToShapeAuto", LOAD_INFER, setup_default, change_auto_shape, after_auto_shape, SET(SC_OK),
     SET(SC_PIPELINE_NOT_LOADED_YET), true},
    {"RemovePipelineDefinition", LOAD_INFER, setup_default, change_remove_pipeline, after_pipeline_removed,
     SET(SC_OK, SC_PIPELINE_NOT_LOADED_ANYMORE), NONE, false},
    {"ChangedPipelineConnectionName", LOAD_INFER, setup_default, change_connection_name, after_v1_serving,
     SET(SC_OK), SET(SC_PIPELINE_NOT_LOADED_YET), false},
    {"AddedNewPipeline", LOAD_INFER, setup_default, change_add_pipeline, after_pipeline_added, SET(SC_OK), NONE, false},
    {"RetireSpecificVersionUsed", LOAD_INFER, setup_specific_version, change_add_version, after_specific_retired,
     SET(SC_OK, SC_PIPELINE_NOT_LOADED_YET), SET(SC_NOT_LOADED_ANYMORE), false},
    /* OVMS_GetServableMetadata: StressCapiConfigChanges.*DuringGetMetadataLoad */
    {"AddNewVersion_metadata", LOAD_METADATA, setup_default, change_add_version, after_version_added, SET(SC_OK),
     NONE, false},
    {"RemoveDefaultVersion_metadata", LOAD_METADATA, setup_default, change_remove_model, after_model_removed,
     SET(SC_OK, SC_PIPELINE_NOT_LOADED_YET), NONE, false},
    {"ChangeToShapeAuto_metadata", LOAD_METADATA, setup_default, change_auto_shape, after_auto_shape, SET(SC_OK),
     SET(SC_PIPELINE_NOT_LOADED_YET), true},
    {"RemovePipelineDefinition_metadata", LOAD_METADATA, setup_default, change_remove_pipeline,
     after_pipeline_removed, SET(SC_OK, SC_PIPELINE_NOT_LOADED_ANYMORE), NONE, false},
    {"ChangedPipelineConnectionName_metadata", LOAD_METADATA, setup_default, change_connection_name,
     after_v1_serving, SET(SC_OK), SET(SC_PIPELINE_NOT_LOADED_YET), false},
    {"AddedNewPipeline_metadata", LOAD_METADATA, setup_default, change_add_pipeline, after_pipeline_added,
     SET(SC_OK), NONE, false},
    {"RetireSpecificVersionUsed_metadata", LOAD_METADATA, setup_specific_version, change_add_version,
     after_specific_retired, SET(SC_OK, SC_PIPELINE_NOT_LOADED_YET), NONE, false},
    /* async inference (OVMS's tests load pipelines sync only): one callback each. A request takes
     * its nodes' model versions when it starts, so a retired one is refused then, never a
     * failed callback. */
    {"AddNewVersion_async", LOAD_ASYNC, setup_default, change_add_version, after_version_added, SET(SC_OK), NONE,
     false},
    {"RemovePipelineDefinition_async", LOAD_ASYNC, setup_default, change_remove_pipeline, after_pipeline_removed,
     SET(SC_OK, SC_PIPELINE_NOT_LOADED_ANYMORE), NONE, false},
    {"RetireSpecificVersionUsed_async", LOAD_ASYNC, setup_specific_version, change_add_version,
     after_specific_retired, SET(SC_OK, SC_PIPELINE_NOT_LOADED_YET), SET(SC_NOT_LOADED_ANYMORE), false},
};

static bool row_selected(const char *name) {
    const char *only = getenv("OVMS_TEST_ROW");
    return only == NULL || *only == '\0' || strstr(name, only) != NULL;
}

static void run_row(const row *r) {
    int failed_before = atomic_load(&au_current_failed);
    scen s;
    REQUIRE(scen_new(&s, r->name));
    r->setup(&s);
    if (!au_expect_ok(start_scen(&s), r->name, __FILE__, __LINE__))
        return;
    CHECK_STATE(PIPELINE, 0, OVMS_STATE_AVAILABLE);
    load l;
    long before[MAX_WORKERS];
    if (load_start(&l, r->kind, r->dynamic_after, 8)) {
        /* mid-load: every thread has made k requests, at least 30 ms in (OVMS's 30 ms) */
        CHECK(load_wait_each(&l, NULL, row_k(), 30, bounded_wait_s()));
        r->change(&s);
        /* every thread makes k more requests with the change in force, at least 50 ms */
        load_snapshot(&l, before);
        CHECK(load_wait_each(&l, before, row_k(), 50, bounded_wait_s()));
    }
    load_stop(&l);
    r->after(&s);

    char codes[1024], versions[256], buf[1400];
    load_format_codes(&l, codes, sizeof codes);
    load_format_versions(&l, versions, sizeof versions);
    for (int c = 0; c < NCODES; c++) {
        long n = atomic_load(&l.codes[c]);
        if (n > 0 && !in_set(r->required, c) && !in_set(r->allowed, c)) {
            snprintf(buf, sizeof buf, "row %s: code %d returned %ld times, not allowed (codes %s)", r->name, c, n,
                     codes);
            au_fail(__FILE__, __LINE__, buf);
        }
    }
    for (int i = 0; i < MAX_SET && r->required[i] >= 0; i++) {
        if (atomic_load(&l.codes[r->required[i]]) == 0) {
            snprintf(buf, sizeof buf, "row %s: required code %d never seen (codes %s)", r->name, r->required[i],
                     codes);
            au_fail(__FILE__, __LINE__, buf);
        }
    }
    printf("row %s: %ld calls, codes %s, answered by %s%s\n", r->name, load_total(&l), codes, versions,
           atomic_load(&au_current_failed) > failed_before ? "  <-- FAILED" : "");
    fflush(stdout);
    stop_server();
}

static void test_pipeline_stress_matrix(void) {
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        if (row_selected(rows[i].name))
            run_row(&rows[i]);
}

int main(void) {
    au_start_watchdog();
    setvbuf(stdout, NULL, _IOLBF, 0);
    printf("test_pipeline_reload (scale: %s)\n", au_small() ? "small" : "full");
    au_main_thread = pthread_self();
    if (!init_paths()) {
        fprintf(stderr, "cannot find the repository from %s or create the work folder\n", OVMS_ASYNC_CONFIG_DIR);
        return 2;
    }
    if (!au_expect_ok(OVMS_ServerNew(&server), "OVMS_ServerNew", __FILE__, __LINE__))
        return au_summary();

    RUN_TEST(test_pipeline_stress_matrix, 120);

    atomic_store(&au_current_test, "(final shutdown)");
    atomic_store(&au_deadline, au_now() + (au_small() ? 600 : 120));
    stop_server();
    atomic_store(&au_deadline, 0.0);
    if (atomic_load(&au_failed_checks) == 0)
        rm_rf(work_root);
    else
        printf("kept %s for inspection\n", work_root);
    return au_summary();
}
