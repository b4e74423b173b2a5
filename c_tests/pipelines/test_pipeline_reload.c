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
/* The pipeline's input and output: the tensors every call of this test uses (reload_util.h). */
#define RELOAD_INPUT_NAME "custom_dummy_input"
#define RELOAD_OUTPUT_NAME "custom_dummy_output"
#include "reload_util.h"

/* The OVMS codes the rows expect (SC_OK and the pseudo codes: reload_util.h). */
enum {
    SC_MODEL_VERSION_MISSING = 47,
    SC_NOT_LOADED_ANYMORE = 48,
    SC_NOT_LOADED_YET = 49,
    SC_PIPELINE_NOT_LOADED_ANYMORE = 145,
    SC_PIPELINE_NOT_LOADED_YET = 146,
};

static const char *const PIPELINE = "pipeline1Dummy";
static const char *const PIPELINE_2ND = "pipeline1Dummy2ndPipeline";
static const char *const PIPELINE_INPUT = RELOAD_INPUT_NAME;
static const char *const PIPELINE_OUTPUT = RELOAD_OUTPUT_NAME;

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
    return used < sizeof text && write_atomic(s->config, text, used);
}

/* ---- metadata on a pipeline ---------------------------------------------------------------------- */
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

/* ---- load: 8 threads that call the pipeline in a loop (reload_util.h counts the codes) ---------------- */
typedef enum { LOAD_INFER, LOAD_ASYNC, LOAD_METADATA } load_kind;

/* The metadata calls of a LOAD_METADATA load: the exact dims, or (any_shape) dynamic ones too. */
static uint32_t metadata_call(const load *l, int *offset) {
    (void)offset;
    return metadata_code(l->servable, false);
}
static uint32_t metadata_call_any_shape(const load *l, int *offset) {
    (void)offset;
    return metadata_code(l->servable, true);
}

/* ---- the matrix ------------------------------------------------------------------------------------ */
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

static bool config_pipeline1(scen *s, const char *model_settings, int node_version, const char *alias) {
    char p[2048];
    pipeline_json(p, sizeof p, PIPELINE, node_version, alias);
    const char *const list[] = {p, NULL};
    return scen_config(s, model_settings, list);
}

/* setups: OVMS's createStressTestPipelineOneDummyConfig and ...ConfigSpecificVersionUsed */
static void setup_default(scen *s) {
    CHECK(scen_add_version(s, 1, 1));
    CHECK(config_pipeline1(s, MODEL_STATIC, 0, "new_dummy_output"));
}
static void setup_specific_version(scen *s) {
    CHECK(scen_add_version(s, 1, 1));
    CHECK(config_pipeline1(s, MODEL_STATIC, 1, "new_dummy_output"));
}

/* changes (the stress fixture's, then a reload as OVMS's test does) */
static void change_add_version(scen *s) { /* defaultVersionAdd, retireSpecificVersionUsed */
    CHECK(scen_add_version(s, 2, 2));
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
    CHECK_ANSWER(PIPELINE, 0, 2);
    CHECK_EQ(metadata_code(PIPELINE, false), SC_OK);
    CHECK_REST("dummy", 2, 4);
}
static void after_model_removed(scen *s) {
    CHECK_STATE("dummy", 1, OVMS_STATE_RETIRED);
    CHECK_STATE(PIPELINE, 0, OVMS_STATE_LOADING_FAILED);
    CHECK_INFER_CODE(PIPELINE, 0, SC_PIPELINE_NOT_LOADED_YET);
    CHECK_EQ(metadata_code(PIPELINE, false), SC_PIPELINE_NOT_LOADED_YET);
    /* the model back in the config: the pipeline validates again */
    CHECK(config_pipeline1(s, MODEL_STATIC, 0, "new_dummy_output"));
    RELOAD_OK("dummy back in the config");
    CHECK_STATE(PIPELINE, 0, OVMS_STATE_AVAILABLE);
    CHECK_ANSWER(PIPELINE, 0, 1);
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
    CHECK_ANSWER(PIPELINE, 0, 1);
    CHECK_EQ(infer_shape_1x11(PIPELINE), SC_OK); /* the new shape is in force through the pipeline */
    CHECK_EQ(metadata_code(PIPELINE, true), SC_OK);
    /* "auto" serves dynamic dims (docs/reload.md), and the pipeline's metadata follows */
    int64_t min[2] = {0, 0}, max[2] = {0, 0};
    CHECK(input_bounds(min, max));
    CHECK(min[1] == -1 && max[1] == -1);
    CHECK_REST("dummy", 1, 4);
}
static void after_pipeline_removed(scen *s) {
    CHECK_STATE(PIPELINE, 0, OVMS_STATE_RETIRED);
    CHECK_INFER_CODE(PIPELINE, 0, SC_PIPELINE_NOT_LOADED_ANYMORE);
    CHECK_EQ(metadata_code(PIPELINE, false), SC_PIPELINE_NOT_LOADED_ANYMORE);
    CHECK_REST("dummy", 1, 4);
    /* the definition back in the config: served again */
    CHECK(config_pipeline1(s, MODEL_STATIC, 0, "new_dummy_output"));
    RELOAD_OK("pipeline back in the config");
    CHECK_STATE(PIPELINE, 0, OVMS_STATE_AVAILABLE);
    CHECK_ANSWER(PIPELINE, 0, 1);
}
static void after_v1_serving(scen *s) {
    (void)s;
    CHECK_STATE(PIPELINE, 0, OVMS_STATE_AVAILABLE);
    CHECK_ANSWER(PIPELINE, 0, 1);
    CHECK_EQ(metadata_code(PIPELINE, false), SC_OK);
    CHECK_REST("dummy", 1, 4);
}
static void after_pipeline_added(scen *s) {
    after_v1_serving(s);
    CHECK_STATE(PIPELINE_2ND, 0, OVMS_STATE_AVAILABLE);
    CHECK_ANSWER(PIPELINE_2ND, 0, 1);
    CHECK_REST("dummy", 1, 4);
}
static void after_specific_retired(scen *s) {
    CHECK_STATE("dummy", 1, OVMS_STATE_RETIRED);
    CHECK_STATE(PIPELINE, 0, OVMS_STATE_LOADING_FAILED);
    CHECK_INFER_CODE(PIPELINE, 0, SC_PIPELINE_NOT_LOADED_YET);
    CHECK_EQ(metadata_code(PIPELINE, false), SC_PIPELINE_NOT_LOADED_YET);
    CHECK_REST("dummy", 2, 4);
    /* version 1 served again (its folder is still there; latest 2): the pinned pipeline follows */
    CHECK(config_pipeline1(s, MODEL_STATIC_LATEST_2, 1, "new_dummy_output"));
    RELOAD_OK("dummy latest 2");
    CHECK_STATE("dummy", 1, OVMS_STATE_AVAILABLE);
    CHECK_STATE(PIPELINE, 0, OVMS_STATE_AVAILABLE);
    CHECK_ANSWER(PIPELINE, 0, 1);
}

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

static void run_row(const row *r) {
    int failed_before = atomic_load(&au_current_failed);
    scen s;
    REQUIRE(scen_new(&s, r->name));
    r->setup(&s);
    /* poll 0: reloads only through the test, as OVMS's stress tests do */
    if (!au_expect_ok(start_scen(&s, 0), r->name, __FILE__, __LINE__))
        return;
    CHECK_STATE(PIPELINE, 0, OVMS_STATE_AVAILABLE);
    load l;
    long before[MAX_WORKERS];
    load_call metadata = r->dynamic_after ? metadata_call_any_shape : metadata_call;
    if (load_start(&l, PIPELINE, 0, 8, r->kind == LOAD_ASYNC ? 0 : 8, 0,
                   r->kind == LOAD_METADATA ? metadata : NULL)) {
        /* mid-load: every thread has made k requests, at least 30 ms in (OVMS's 30 ms) */
        CHECK(load_wait_each(&l, NULL, row_k(), 30, bounded_wait_s()));
        r->change(&s);
        /* every thread makes k more requests with the change in force, at least 50 ms */
        load_snapshot(&l, before);
        CHECK(load_wait_each(&l, before, row_k(), 50, bounded_wait_s()));
    }
    load_stop(&l);
    r->after(&s);

    report_row(r->name, "calls", &l, r->required, NULL, r->allowed, failed_before);
    stop_server();
}

static void test_pipeline_stress_matrix(void) {
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        if (row_selected(rows[i].name))
            run_row(&rows[i]);
}

int main(void) {
    int exit_code = reload_test_begin("test_pipeline_reload", "pipeline_reload_work");
    if (exit_code != 0)
        return exit_code;

    RUN_TEST(test_pipeline_stress_matrix, 120);
    return reload_test_end();
}
