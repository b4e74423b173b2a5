/*
 * abi_compat.c (also compiled as C++ through abi_compat.cpp): compile-time proof that ovms.h
 * matches the ovms.h 1.3 contract (docs/c-api.md).
 *
 * - Redeclares all 66 functions exactly as OVMS's ovms.h 1.3 declares them. A redeclaration with a
 *   different type is a compile error in C ("conflicting types") and in C++ ("conflicting
 *   declaration of C function"), so the build fails if any signature drifts.
 * - Static-asserts every enumerator value, the enum sizes, the version macros and the
 *   completion-callback type.
 * - Takes the address of every function, so the link fails if the library lacks one.
 */
#include "ovms.h"

#include <stdio.h>

#ifdef __cplusplus
#include <type_traits>
#define ABI_STATIC_ASSERT(expr, msg) static_assert(expr, msg)
#else
#define ABI_STATIC_ASSERT(expr, msg) _Static_assert(expr, msg)
#endif

/* ---- 1.1 version macros ---- */
#if !defined(OVMS_API_VERSION_MAJOR) || !defined(OVMS_API_VERSION_MINOR)
#error "OVMS_API_VERSION_MAJOR/MINOR must be defined"
#endif
#if OVMS_API_VERSION_MAJOR != 1 || OVMS_API_VERSION_MINOR != 3
#error "ovms.h must declare API version 1.3"
#endif
ABI_STATIC_ASSERT(OVMS_API_VERSION_MAJOR == 1, "OVMS_API_VERSION_MAJOR");
ABI_STATIC_ASSERT(OVMS_API_VERSION_MINOR == 3, "OVMS_API_VERSION_MINOR");

/* ---- 1.2 the opaque types exist (as incomplete types used through pointers) ---- */
typedef struct {
    OVMS_Server *server;
    OVMS_Status *status;
    OVMS_ServerSettings *server_settings;
    OVMS_ModelsSettings *models_settings;
    OVMS_ServableMetadata *servable_metadata;
    OVMS_Metadata *metadata;
    OVMS_InferenceRequest *request;
    OVMS_InferenceResponse *response;
} abi_opaque_types;

/* ---- 1.3 enums: every value, plain int-sized C enums ---- */
ABI_STATIC_ASSERT(sizeof(OVMS_DataType) == sizeof(int), "OVMS_DataType is int-sized");
ABI_STATIC_ASSERT(OVMS_DATATYPE_BF16 == 0, "OVMS_DATATYPE_BF16 == 0");
ABI_STATIC_ASSERT(OVMS_DATATYPE_FP64 == 1, "OVMS_DATATYPE_FP64 == 1");
ABI_STATIC_ASSERT(OVMS_DATATYPE_FP32 == 2, "OVMS_DATATYPE_FP32 == 2");
ABI_STATIC_ASSERT(OVMS_DATATYPE_FP16 == 3, "OVMS_DATATYPE_FP16 == 3");
ABI_STATIC_ASSERT(OVMS_DATATYPE_I64 == 4, "OVMS_DATATYPE_I64 == 4");
ABI_STATIC_ASSERT(OVMS_DATATYPE_I32 == 5, "OVMS_DATATYPE_I32 == 5");
ABI_STATIC_ASSERT(OVMS_DATATYPE_I16 == 6, "OVMS_DATATYPE_I16 == 6");
ABI_STATIC_ASSERT(OVMS_DATATYPE_I8 == 7, "OVMS_DATATYPE_I8 == 7");
ABI_STATIC_ASSERT(OVMS_DATATYPE_I4 == 8, "OVMS_DATATYPE_I4 == 8");
ABI_STATIC_ASSERT(OVMS_DATATYPE_U64 == 9, "OVMS_DATATYPE_U64 == 9");
ABI_STATIC_ASSERT(OVMS_DATATYPE_U32 == 10, "OVMS_DATATYPE_U32 == 10");
ABI_STATIC_ASSERT(OVMS_DATATYPE_U16 == 11, "OVMS_DATATYPE_U16 == 11");
ABI_STATIC_ASSERT(OVMS_DATATYPE_U8 == 12, "OVMS_DATATYPE_U8 == 12");
ABI_STATIC_ASSERT(OVMS_DATATYPE_U4 == 13, "OVMS_DATATYPE_U4 == 13");
ABI_STATIC_ASSERT(OVMS_DATATYPE_U1 == 14, "OVMS_DATATYPE_U1 == 14");
ABI_STATIC_ASSERT(OVMS_DATATYPE_BOOL == 15, "OVMS_DATATYPE_BOOL == 15");
ABI_STATIC_ASSERT(OVMS_DATATYPE_CUSTOM == 16, "OVMS_DATATYPE_CUSTOM == 16");
ABI_STATIC_ASSERT(OVMS_DATATYPE_UNDEFINED == 17, "OVMS_DATATYPE_UNDEFINED == 17");
ABI_STATIC_ASSERT(OVMS_DATATYPE_DYNAMIC == 18, "OVMS_DATATYPE_DYNAMIC == 18");
ABI_STATIC_ASSERT(OVMS_DATATYPE_MIXED == 19, "OVMS_DATATYPE_MIXED == 19");
ABI_STATIC_ASSERT(OVMS_DATATYPE_Q78 == 20, "OVMS_DATATYPE_Q78 == 20");
ABI_STATIC_ASSERT(OVMS_DATATYPE_BIN == 21, "OVMS_DATATYPE_BIN == 21");
ABI_STATIC_ASSERT(OVMS_DATATYPE_STRING == 22, "OVMS_DATATYPE_STRING == 22");
ABI_STATIC_ASSERT(OVMS_DATATYPE_END == 23, "OVMS_DATATYPE_END == 23");
ABI_STATIC_ASSERT(sizeof(OVMS_BufferType) == sizeof(int), "OVMS_BufferType is int-sized");
ABI_STATIC_ASSERT(OVMS_BUFFERTYPE_CPU == 0, "OVMS_BUFFERTYPE_CPU == 0");
ABI_STATIC_ASSERT(OVMS_BUFFERTYPE_CPU_PINNED == 1, "OVMS_BUFFERTYPE_CPU_PINNED == 1");
ABI_STATIC_ASSERT(OVMS_BUFFERTYPE_GPU == 2, "OVMS_BUFFERTYPE_GPU == 2");
ABI_STATIC_ASSERT(OVMS_BUFFERTYPE_OPENCL == 3, "OVMS_BUFFERTYPE_OPENCL == 3");
ABI_STATIC_ASSERT(OVMS_BUFFERTYPE_VASURFACE_Y == 4, "OVMS_BUFFERTYPE_VASURFACE_Y == 4");
ABI_STATIC_ASSERT(OVMS_BUFFERTYPE_VASURFACE_UV == 5, "OVMS_BUFFERTYPE_VASURFACE_UV == 5");
ABI_STATIC_ASSERT(OVMS_BUFFERTYPE_HDDL == 6, "OVMS_BUFFERTYPE_HDDL == 6");
ABI_STATIC_ASSERT(sizeof(OVMS_ServableState) == sizeof(int), "OVMS_ServableState is int-sized");
ABI_STATIC_ASSERT(OVMS_STATE_BEGIN == 0, "OVMS_STATE_BEGIN == 0");
ABI_STATIC_ASSERT(OVMS_STATE_LOADING == 1, "OVMS_STATE_LOADING == 1");
ABI_STATIC_ASSERT(OVMS_STATE_AVAILABLE == 2, "OVMS_STATE_AVAILABLE == 2");
ABI_STATIC_ASSERT(OVMS_STATE_UNLOADING == 3, "OVMS_STATE_UNLOADING == 3");
ABI_STATIC_ASSERT(OVMS_STATE_RETIRED == 4, "OVMS_STATE_RETIRED == 4");
ABI_STATIC_ASSERT(OVMS_STATE_LOADING_FAILED == 5, "OVMS_STATE_LOADING_FAILED == 5");
ABI_STATIC_ASSERT(sizeof(OVMS_LogLevel) == sizeof(int), "OVMS_LogLevel is int-sized");
ABI_STATIC_ASSERT(OVMS_LOG_TRACE == 0, "OVMS_LOG_TRACE == 0");
ABI_STATIC_ASSERT(OVMS_LOG_DEBUG == 1, "OVMS_LOG_DEBUG == 1");
ABI_STATIC_ASSERT(OVMS_LOG_INFO == 2, "OVMS_LOG_INFO == 2");
ABI_STATIC_ASSERT(OVMS_LOG_WARNING == 3, "OVMS_LOG_WARNING == 3");
ABI_STATIC_ASSERT(OVMS_LOG_ERROR == 4, "OVMS_LOG_ERROR == 4");

/* ---- 1.4 the completion callback type ---- */
typedef void (*abi_expected_callback_t)(OVMS_InferenceResponse *response, uint32_t flag, void *userstruct);
#ifdef __cplusplus
ABI_STATIC_ASSERT((std::is_same<OVMS_InferenceRequestCompletionCallback_t, abi_expected_callback_t>::value),
                  "OVMS_InferenceRequestCompletionCallback_t");
#else
ABI_STATIC_ASSERT(_Generic((OVMS_InferenceRequestCompletionCallback_t)0, abi_expected_callback_t: 1, default: 0),
                  "OVMS_InferenceRequestCompletionCallback_t");
#endif

/* ---- 1.5 the 66 functions, exactly as the contract writes them ---- */
#ifdef __cplusplus
extern "C" {
#endif
OVMS_Status* OVMS_ApiVersion(uint32_t* major, uint32_t* minor);
void OVMS_StatusDelete(OVMS_Status* status);
OVMS_Status* OVMS_StatusCode(OVMS_Status* status, uint32_t* code);
OVMS_Status* OVMS_StatusDetails(OVMS_Status* status, const char** details);
OVMS_Status* OVMS_MetadataFieldByPointer(OVMS_Metadata* metadata, const char* pointer, const char** value, size_t* size);
OVMS_Status* OVMS_SerializeMetadataToString(OVMS_Metadata* metadata, const char** json, size_t* size);
OVMS_Status* OVMS_ServerMetadata(OVMS_Server* server, OVMS_Metadata** metadata);
OVMS_Status* OVMS_ServerMetadataDelete(OVMS_Metadata* metadata);
void OVMS_StringFree(const char* ptr);
OVMS_Status* OVMS_ServerSettingsNew(OVMS_ServerSettings** settings);
void OVMS_ServerSettingsDelete(OVMS_ServerSettings* settings);
OVMS_Status* OVMS_ServerSettingsSetGrpcPort(OVMS_ServerSettings* settings, uint32_t grpc_port);
OVMS_Status* OVMS_ServerSettingsSetRestPort(OVMS_ServerSettings* settings, uint32_t rest_port);
OVMS_Status* OVMS_ServerSettingsSetGrpcWorkers(OVMS_ServerSettings* settings, uint32_t grpc_workers);
OVMS_Status* OVMS_ServerSettingsSetGrpcBindAddress(OVMS_ServerSettings* settings, const char* grpc_bind_address);
OVMS_Status* OVMS_ServerSettingsSetRestWorkers(OVMS_ServerSettings* settings, uint32_t rest_workers);
OVMS_Status* OVMS_ServerSettingsSetRestBindAddress(OVMS_ServerSettings* settings, const char* rest_bind_address);
OVMS_Status* OVMS_ServerSettingsSetGrpcChannelArguments(OVMS_ServerSettings* settings, const char* grpc_channel_arguments);
OVMS_Status* OVMS_ServerSettingsSetGrpcMaxThreads(OVMS_ServerSettings* settings, const uint32_t grpc_max_threads);
OVMS_Status* OVMS_ServerSettingsSetGrpcMemoryQuota(OVMS_ServerSettings* settings, const size_t grpc_memory_quota);
OVMS_Status* OVMS_ServerSettingsSetFileSystemPollWaitSeconds(OVMS_ServerSettings* settings, uint32_t seconds);
OVMS_Status* OVMS_ServerSettingsSetSequenceCleanerPollWaitMinutes(OVMS_ServerSettings* settings, uint32_t minutes);
OVMS_Status* OVMS_ServerSettingsSetCustomNodeResourcesCleanerIntervalSeconds(OVMS_ServerSettings* settings, uint32_t seconds);
OVMS_Status* OVMS_ServerSettingsSetCpuExtensionPath(OVMS_ServerSettings* settings, const char* cpu_extension_path);
OVMS_Status* OVMS_ServerSettingsSetCacheDir(OVMS_ServerSettings* settings, const char* cache_dir);
OVMS_Status* OVMS_ServerSettingsSetLogLevel(OVMS_ServerSettings* settings, OVMS_LogLevel log_level);
OVMS_Status* OVMS_ServerSettingsSetLogPath(OVMS_ServerSettings* settings, const char* log_path);
OVMS_Status* OVMS_ServerSettingsSetAllowedLocalMediaPath(OVMS_ServerSettings* settings, const char* allowed_local_media_path);
OVMS_Status* OVMS_ServerSettingsSetAllowedMediaDomains(OVMS_ServerSettings* settings, const char* allowed_media_domains);
OVMS_Status* OVMS_ModelsSettingsNew(OVMS_ModelsSettings** settings);
void OVMS_ModelsSettingsDelete(OVMS_ModelsSettings* settings);
OVMS_Status* OVMS_ModelsSettingsSetConfigPath(OVMS_ModelsSettings* settings, const char* config_path);
OVMS_Status* OVMS_ServerNew(OVMS_Server** server);
OVMS_Status* OVMS_ServerLive(OVMS_Server* server, bool* isLive);
OVMS_Status* OVMS_ServerReady(OVMS_Server* server, bool* isReady);
void OVMS_ServerDelete(OVMS_Server* server);
OVMS_Status* OVMS_ServerStartFromConfigurationFile(OVMS_Server* server, OVMS_ServerSettings* server_settings, OVMS_ModelsSettings* models_settings);
OVMS_Status* OVMS_GetServableState(OVMS_Server* server, const char* servableName, int64_t servableVersion, OVMS_ServableState* state);
OVMS_Status* OVMS_ServerSetGlobalVADisplay(OVMS_Server* server, void* vaDisplay);
OVMS_Status* OVMS_InferenceRequestNew(OVMS_InferenceRequest** request, OVMS_Server* server, const char* servableName, int64_t servableVersion);
void OVMS_InferenceRequestDelete(OVMS_InferenceRequest* response);
OVMS_Status* OVMS_InferenceRequestAddInput(OVMS_InferenceRequest* request, const char* inputName, OVMS_DataType datatype, const int64_t* shape, size_t dimCount);
OVMS_Status* OVMS_InferenceRequestInputSetData(OVMS_InferenceRequest* request, const char* inputName, const void* data, size_t byteSize, OVMS_BufferType bufferType, uint32_t deviceId);
OVMS_Status* OVMS_InferenceRequestAddOutput(OVMS_InferenceRequest* request, const char* outputName, OVMS_DataType datatype, const int64_t* shape, size_t dimCount);
OVMS_Status* OVMS_InferenceRequestOutputSetData(OVMS_InferenceRequest* request, const char* outputName, const void* data, size_t byteSize, OVMS_BufferType bufferType, uint32_t deviceId);
OVMS_Status* OVMS_InferenceRequestInputRemoveData(OVMS_InferenceRequest* request, const char* inputName);
OVMS_Status* OVMS_InferenceRequestOutputRemoveData(OVMS_InferenceRequest* request, const char* outputName);
OVMS_Status* OVMS_InferenceRequestRemoveInput(OVMS_InferenceRequest* request, const char* inputName);
OVMS_Status* OVMS_InferenceRequestRemoveOutput(OVMS_InferenceRequest* request, const char* outputName);
OVMS_Status* OVMS_InferenceRequestAddParameter(OVMS_InferenceRequest* request, const char* parameterName, OVMS_DataType datatype, const void* data, size_t byteSize);
OVMS_Status* OVMS_InferenceRequestRemoveParameter(OVMS_InferenceRequest* request, const char* parameterName);
OVMS_Status* OVMS_InferenceRequestSetCompletionCallback(OVMS_InferenceRequest*, OVMS_InferenceRequestCompletionCallback_t completeCallback, void* userStruct);
OVMS_Status* OVMS_Inference(OVMS_Server* server, OVMS_InferenceRequest* request, OVMS_InferenceResponse** response);
OVMS_Status* OVMS_InferenceAsync(OVMS_Server* server, OVMS_InferenceRequest* request);
OVMS_Status* OVMS_InferenceResponseOutputCount(OVMS_InferenceResponse* response, uint32_t* count);
OVMS_Status* OVMS_InferenceResponseOutput(OVMS_InferenceResponse* response, uint32_t id, const char** name, OVMS_DataType* datatype, const int64_t** shape, size_t* dimCount, const void** data, size_t* byteSize, OVMS_BufferType* bufferType, uint32_t* deviceId);
OVMS_Status* OVMS_InferenceResponseParameterCount(OVMS_InferenceResponse* response, uint32_t* count);
OVMS_Status* OVMS_InferenceResponseParameter(OVMS_InferenceResponse* response, uint32_t id, OVMS_DataType* datatype, const void** data);
void OVMS_InferenceResponseDelete(OVMS_InferenceResponse* response);
OVMS_Status* OVMS_GetServableMetadata(OVMS_Server* server, const char* servableName, int64_t servableVersion, OVMS_ServableMetadata** metadata);
OVMS_Status* OVMS_ServableMetadataInputCount(OVMS_ServableMetadata* metadata, uint32_t* count);
OVMS_Status* OVMS_ServableMetadataOutputCount(OVMS_ServableMetadata* metadata, uint32_t* count);
OVMS_Status* OVMS_ServableMetadataInput(OVMS_ServableMetadata* metadata, uint32_t id, const char** name, OVMS_DataType* datatype, size_t* dimCount, int64_t** shapeMinArray, int64_t** shapeMaxArray);
OVMS_Status* OVMS_ServableMetadataOutput(OVMS_ServableMetadata* metadata, uint32_t id, const char** name, OVMS_DataType* datatype, size_t* dimCount, int64_t** shapeMinArray, int64_t** shapeMaxArray);
OVMS_Status* OVMS_ServableMetadataInfo(OVMS_ServableMetadata* metadata, const void** info);
void OVMS_ServableMetadataDelete(OVMS_ServableMetadata* metadata);
#ifdef __cplusplus
}
#endif

/* The address of every function (the link fails if one is missing). */
typedef void (*abi_any_function)(void);
#define ABI_FN(f) {#f, (abi_any_function)(f)}
static const struct {
    const char *name;
    abi_any_function address;
} abi_functions[] = {
    ABI_FN(OVMS_ApiVersion),
    ABI_FN(OVMS_StatusDelete),
    ABI_FN(OVMS_StatusCode),
    ABI_FN(OVMS_StatusDetails),
    ABI_FN(OVMS_MetadataFieldByPointer),
    ABI_FN(OVMS_SerializeMetadataToString),
    ABI_FN(OVMS_ServerMetadata),
    ABI_FN(OVMS_ServerMetadataDelete),
    ABI_FN(OVMS_StringFree),
    ABI_FN(OVMS_ServerSettingsNew),
    ABI_FN(OVMS_ServerSettingsDelete),
    ABI_FN(OVMS_ServerSettingsSetGrpcPort),
    ABI_FN(OVMS_ServerSettingsSetRestPort),
    ABI_FN(OVMS_ServerSettingsSetGrpcWorkers),
    ABI_FN(OVMS_ServerSettingsSetGrpcBindAddress),
    ABI_FN(OVMS_ServerSettingsSetRestWorkers),
    ABI_FN(OVMS_ServerSettingsSetRestBindAddress),
    ABI_FN(OVMS_ServerSettingsSetGrpcChannelArguments),
    ABI_FN(OVMS_ServerSettingsSetGrpcMaxThreads),
    ABI_FN(OVMS_ServerSettingsSetGrpcMemoryQuota),
    ABI_FN(OVMS_ServerSettingsSetFileSystemPollWaitSeconds),
    ABI_FN(OVMS_ServerSettingsSetSequenceCleanerPollWaitMinutes),
    ABI_FN(OVMS_ServerSettingsSetCustomNodeResourcesCleanerIntervalSeconds),
    ABI_FN(OVMS_ServerSettingsSetCpuExtensionPath),
    ABI_FN(OVMS_ServerSettingsSetCacheDir),
    ABI_FN(OVMS_ServerSettingsSetLogLevel),
    ABI_FN(OVMS_ServerSettingsSetLogPath),
    ABI_FN(OVMS_ServerSettingsSetAllowedLocalMediaPath),
    ABI_FN(OVMS_ServerSettingsSetAllowedMediaDomains),
    ABI_FN(OVMS_ModelsSettingsNew),
    ABI_FN(OVMS_ModelsSettingsDelete),
    ABI_FN(OVMS_ModelsSettingsSetConfigPath),
    ABI_FN(OVMS_ServerNew),
    ABI_FN(OVMS_ServerLive),
    ABI_FN(OVMS_ServerReady),
    ABI_FN(OVMS_ServerDelete),
    ABI_FN(OVMS_ServerStartFromConfigurationFile),
    ABI_FN(OVMS_GetServableState),
    ABI_FN(OVMS_ServerSetGlobalVADisplay),
    ABI_FN(OVMS_InferenceRequestNew),
    ABI_FN(OVMS_InferenceRequestDelete),
    ABI_FN(OVMS_InferenceRequestAddInput),
    ABI_FN(OVMS_InferenceRequestInputSetData),
    ABI_FN(OVMS_InferenceRequestAddOutput),
    ABI_FN(OVMS_InferenceRequestOutputSetData),
    ABI_FN(OVMS_InferenceRequestInputRemoveData),
    ABI_FN(OVMS_InferenceRequestOutputRemoveData),
    ABI_FN(OVMS_InferenceRequestRemoveInput),
    ABI_FN(OVMS_InferenceRequestRemoveOutput),
    ABI_FN(OVMS_InferenceRequestAddParameter),
    ABI_FN(OVMS_InferenceRequestRemoveParameter),
    ABI_FN(OVMS_InferenceRequestSetCompletionCallback),
    ABI_FN(OVMS_Inference),
    ABI_FN(OVMS_InferenceAsync),
    ABI_FN(OVMS_InferenceResponseOutputCount),
    ABI_FN(OVMS_InferenceResponseOutput),
    ABI_FN(OVMS_InferenceResponseParameterCount),
    ABI_FN(OVMS_InferenceResponseParameter),
    ABI_FN(OVMS_InferenceResponseDelete),
    ABI_FN(OVMS_GetServableMetadata),
    ABI_FN(OVMS_ServableMetadataInputCount),
    ABI_FN(OVMS_ServableMetadataOutputCount),
    ABI_FN(OVMS_ServableMetadataInput),
    ABI_FN(OVMS_ServableMetadataOutput),
    ABI_FN(OVMS_ServableMetadataInfo),
    ABI_FN(OVMS_ServableMetadataDelete),
};
ABI_STATIC_ASSERT(sizeof(abi_functions) / sizeof(abi_functions[0]) == 66, "66 functions");

int main(void) {
    int missing = 0;
    const size_t count = sizeof(abi_functions) / sizeof(abi_functions[0]);
    for (size_t i = 0; i < count; i++) {
        if (abi_functions[i].address == NULL) {
            fprintf(stderr, "missing: %s\n", abi_functions[i].name);
            missing++;
        }
    }
    printf("%s: %zu functions redeclared and linked, enums and macros checked\n",
#ifdef __cplusplus
           "C++",
#else
           "C",
#endif
           count);
    printf("%d passed, %d failed\n", missing == 0 ? 1 : 0, missing == 0 ? 0 : 1);
    return missing == 0 ? 0 : 1;
}
