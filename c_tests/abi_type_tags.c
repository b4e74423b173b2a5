/*
 * abi_type_tags.c: compile-only (ctest abi_type_tags). OVMS's ovms.h names its types with tags
 * (docs/c-api.md): `typedef struct OVMS_Server_ OVMS_Server;`, `typedef enum
 * OVMS_DataType_enum {...} OVMS_DataType;` and so on. Host code written against OVMS may use
 * those tags (forward declarations in its own headers, `enum OVMS_DataType_enum` variables); this
 * file does, and must compile against our header with no warning.
 */
#include "ovms.h"

/* A host header that forward-declares the handles by tag, without including ovms.h. */
struct OVMS_Server_;
struct OVMS_Status_;
struct OVMS_ServerSettings_;
struct OVMS_ModelsSettings_;
struct OVMS_ServableMetadata_;
struct OVMS_Metadata_;
struct OVMS_InferenceRequest_;
struct OVMS_InferenceResponse_;

int host_uses_tags(struct OVMS_Server_ *server, struct OVMS_InferenceRequest_ *request,
                   struct OVMS_InferenceResponse_ **response, struct OVMS_Status_ **status);
int host_uses_tags(struct OVMS_Server_ *server, struct OVMS_InferenceRequest_ *request,
                   struct OVMS_InferenceResponse_ **response, struct OVMS_Status_ **status) {
    /* the tagged types must be the very types the API takes */
    *status = OVMS_Inference(server, request, response);
    struct OVMS_ServerSettings_ *ss = 0;
    struct OVMS_ModelsSettings_ *ms = 0;
    struct OVMS_ServableMetadata_ *sm = 0;
    struct OVMS_Metadata_ *md = 0;
    OVMS_ServerSettings *ss2 = ss;
    OVMS_ModelsSettings *ms2 = ms;
    OVMS_ServableMetadata *sm2 = sm;
    OVMS_Metadata *md2 = md;
    enum OVMS_DataType_enum datatype = OVMS_DATATYPE_FP32;
    enum OVMS_BufferType_enum buffer_type = OVMS_BUFFERTYPE_CPU;
    enum OVMS_ServableState_enum state = OVMS_STATE_AVAILABLE;
    enum OVMS_LogLevel_enum level = OVMS_LOG_INFO;
    OVMS_DataType d2 = datatype;
    OVMS_BufferType b2 = buffer_type;
    OVMS_ServableState s2 = state;
    OVMS_LogLevel l2 = level;
    return (int)d2 + (int)b2 + (int)s2 + (int)l2 + (ss2 != 0) + (ms2 != 0) + (sm2 != 0) + (md2 != 0);
}
