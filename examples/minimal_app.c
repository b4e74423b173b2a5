/* A minimal C host: start a server from a config.json, print server and model metadata, run
 * one synchronous inference on the "dummy" model (a = b + 1) and print the result.
 * Usage: minimal_app [config.json] */
#include <ovms.h>
#include <stdio.h>
#include <stdlib.h>

/* Prints a failed status and exits; frees the status either way. */
static void check(OVMS_Status *status, const char *what) {
    if (status == NULL)
        return;
    uint32_t code = 0;
    const char *details = "";
    OVMS_StatusCode(status, &code);
    OVMS_StatusDetails(status, &details);
    fprintf(stderr, "%s failed: code %u: %s\n", what, code, details);
    OVMS_StatusDelete(status);
    exit(1);
}

int main(int argc, char **argv) {
    const char *config = argc > 1 ? argv[1] : "examples/config.json";
    uint32_t major = 0, minor = 0;
    check(OVMS_ApiVersion(&major, &minor), "OVMS_ApiVersion");
    printf("ovms.h API %u.%u\n", major, minor);

    OVMS_ServerSettings *server_settings = NULL;
    OVMS_ModelsSettings *models_settings = NULL;
    OVMS_Server *server = NULL;
    check(OVMS_ServerSettingsNew(&server_settings), "OVMS_ServerSettingsNew");
    check(OVMS_ServerSettingsSetLogLevel(server_settings, OVMS_LOG_WARNING), "OVMS_ServerSettingsSetLogLevel");
    check(OVMS_ModelsSettingsNew(&models_settings), "OVMS_ModelsSettingsNew");
    check(OVMS_ModelsSettingsSetConfigPath(models_settings, config), "OVMS_ModelsSettingsSetConfigPath");
    check(OVMS_ServerNew(&server), "OVMS_ServerNew");
    check(OVMS_ServerStartFromConfigurationFile(server, server_settings, models_settings), "server start");

    OVMS_Metadata *metadata = NULL;
    const char *json = NULL;
    size_t json_size = 0;
    check(OVMS_ServerMetadata(server, &metadata), "OVMS_ServerMetadata");
    check(OVMS_SerializeMetadataToString(metadata, &json, &json_size), "OVMS_SerializeMetadataToString");
    printf("server: %s\n", json);
    OVMS_StringFree(json);
    check(OVMS_ServerMetadataDelete(metadata), "OVMS_ServerMetadataDelete");

    OVMS_ServableMetadata *servable = NULL;
    check(OVMS_GetServableMetadata(server, "dummy", 0, &servable), "OVMS_GetServableMetadata");
    const char *input_name = NULL;
    OVMS_DataType input_type;
    size_t dims = 0;
    int64_t *shape_min = NULL, *shape_max = NULL;
    check(OVMS_ServableMetadataInput(servable, 0, &input_name, &input_type, &dims, &shape_min, &shape_max),
          "OVMS_ServableMetadataInput");
    printf("model dummy: input %s, %zu dims, shape [%lld,%lld]\n", input_name, dims, (long long)shape_min[0],
           (long long)shape_min[1]);
    OVMS_ServableMetadataDelete(servable);

    float input[10];
    for (int i = 0; i < 10; i++)
        input[i] = (float)i;
    const int64_t shape[2] = {1, 10};
    OVMS_InferenceRequest *request = NULL;
    OVMS_InferenceResponse *response = NULL;
    check(OVMS_InferenceRequestNew(&request, server, "dummy", 0), "OVMS_InferenceRequestNew");
    check(OVMS_InferenceRequestAddInput(request, "b", OVMS_DATATYPE_FP32, shape, 2), "OVMS_InferenceRequestAddInput");
    check(OVMS_InferenceRequestInputSetData(request, "b", input, sizeof input, OVMS_BUFFERTYPE_CPU, 0),
          "OVMS_InferenceRequestInputSetData");
    check(OVMS_Inference(server, request, &response), "OVMS_Inference");

    const char *name = NULL;
    OVMS_DataType datatype;
    const int64_t *out_shape = NULL;
    size_t out_dims = 0, bytes = 0;
    const void *data = NULL;
    OVMS_BufferType buffer_type;
    uint32_t device = 0;
    check(OVMS_InferenceResponseOutput(response, 0, &name, &datatype, &out_shape, &out_dims, &data, &bytes,
                                       &buffer_type, &device),
          "OVMS_InferenceResponseOutput");
    printf("output %s = [", name);
    for (size_t i = 0; i < bytes / sizeof(float); i++)
        printf("%s%g", i ? ", " : "", ((const float *)data)[i]);
    printf("]\n");

    OVMS_InferenceResponseDelete(response);
    OVMS_InferenceRequestDelete(request);
    OVMS_ServerDelete(server);
    OVMS_ModelsSettingsDelete(models_settings);
    OVMS_ServerSettingsDelete(server_settings);
    return 0;
}
