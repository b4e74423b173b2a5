/* Consumer of the installed ovms_shared package: links, loads, and answers basic calls. */
#include <ovms.h>
#include <stdio.h>
#include <string.h>

static int fail(const char *what) {
    fprintf(stderr, "consumer: %s\n", what);
    return 1;
}

int main(void) {
    uint32_t major = 0, minor = 0;
    if (OVMS_ApiVersion(&major, &minor) != NULL || major != OVMS_API_VERSION_MAJOR || minor != OVMS_API_VERSION_MINOR)
        return fail("OVMS_ApiVersion");
    OVMS_Server *server = NULL;
    if (OVMS_ServerNew(&server) != NULL || server == NULL)
        return fail("OVMS_ServerNew");
    bool live = true;
    if (OVMS_ServerLive(server, &live) != NULL || live)
        return fail("OVMS_ServerLive");
    OVMS_Status *status = OVMS_ServerNew(NULL);
    uint32_t code = 0;
    if (status == NULL || OVMS_StatusCode(status, &code) != NULL || code != 255)
        return fail("NONEXISTENT_PTR status");
    OVMS_StatusDelete(status);
    OVMS_Metadata *metadata = NULL;
    const char *value = NULL;
    size_t size = 0;
    if (OVMS_ServerMetadata(server, &metadata) != NULL ||
        OVMS_MetadataFieldByPointer(metadata, "/name", &value, &size) != NULL ||
        strcmp(value, "OpenVINO Model Server") != 0)
        return fail("OVMS_ServerMetadata");
    OVMS_StringFree(value);
    OVMS_ServerMetadataDelete(metadata);
    printf("ovms.h API %u.%u: consumer ok\n", major, minor);
    return 0;
}
