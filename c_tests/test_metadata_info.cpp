/* OVMS_ServableMetadataInfo through the public header, as a C++ host uses it (OVMS's tests
 * CAPIMetadata.BasicDummy / Negative): the info is a `const ov::AnyMap*` with the model's
 * rt_info, borrowed from the metadata until OVMS_ServableMetadataDelete.
 *
 * Built with the C++ compiler against include/ovms.h and OpenVINO's C++ headers (the wheel's),
 * linked with libovms_shared and libopenvino.so.<version> (ov::Any's out-of-line functions).
 * models/dummy/1/model.xml carries the rt_info scripts/make_models.py gives it (DUMMY_RT_INFO).
 * Under valgrind (test_metadata_info_memcheck) a map not freed by the delete is a definite leak. */
#include "test_util.h"

#include <openvino/core/any.hpp>

#include <cstdint>
#include <exception>
#include <string>

namespace {

/* The string at `path` in `map`, through nested ov::AnyMaps; "<missing: ...>" when absent. */
std::string string_at(const ov::AnyMap& map, std::initializer_list<const char*> path) {
    const ov::AnyMap* level = &map;
    std::string where;
    size_t left = path.size();
    for (const char* key : path) {
        where += std::string("/") + key;
        auto it = level->find(key);
        if (it == level->end())
            return "<missing: " + where + ">";
        if (--left == 0)
            return it->second.is<std::string>() ? it->second.as<std::string>() : "<not a string: " + where + ">";
        if (!it->second.is<ov::AnyMap>())
            return "<not a map: " + where + ">";
        level = &it->second.as<ov::AnyMap>();
    }
    return "<empty path>";
}

/* Checks the string at the path of keys `...` in `map`. */
#define CHECK_AT(map, expected, ...)                              \
    do {                                                          \
        const std::string tu_at_ = string_at((map), {__VA_ARGS__}); \
        CHECK_EQ_STR(tu_at_.c_str(), (expected));                 \
    } while (0)

/* The keys of `map`, for a message. */
std::string keys_of(const ov::AnyMap& map) {
    std::string keys;
    for (const auto& entry : map)
        keys += (keys.empty() ? "" : ", ") + entry.first;
    return keys;
}

OVMS_ServableMetadata* dummy_metadata(OVMS_Server* server) {
    OVMS_ServableMetadata* metadata = nullptr;
    if (!tu_expect_ok(OVMS_GetServableMetadata(server, "dummy", 1, &metadata), "OVMS_GetServableMetadata(dummy, 1)",
                      __FILE__, __LINE__))
        return nullptr;
    return metadata;
}

OVMS_Server* server = nullptr;

/* CAPIMetadata.BasicDummy: the dummy's rt_info, as OVMS's test reads it. */
void test_dummy_rt_info() {
    OVMS_ServableMetadata* metadata = dummy_metadata(server);
    REQUIRE(metadata != nullptr);
    const ov::AnyMap* info = nullptr;
    CHECK_OK(OVMS_ServableMetadataInfo(metadata, reinterpret_cast<const void**>(&info)));
    CHECK(info != nullptr);
    if (info != nullptr) {
        try {
            CHECK_AT(*info, "2020.1.0-61-gd349c3ba4a", "MO_version");
            CHECK_AT(*info, "200", "model_info", "resolution", "height");
            CHECK_AT(*info, "300", "model_info", "resolution", "width");
            CHECK_AT(*info, "float", "conversion_parameters", "data_type");
            CHECK_AT(*info, "", "optimization");
            /* OVMS's own spelling of the same reads */
            const std::string height =
                info->at("model_info").as<ov::AnyMap>().at("resolution").as<ov::AnyMap>().at("height").as<std::string>();
            CHECK_EQ_STR(height.c_str(), "200");
            const std::string data_type = info->at("conversion_parameters").as<ov::AnyMap>().at("data_type").as<std::string>();
            CHECK_EQ_STR(data_type.c_str(), "float");
            /* 6 entries, as OVMS's dummy has: the four top-level keys written above, the writer's
             * "OpenVINO Runtime" and the IR's "version" (11, an integer) */
            const std::string keys = keys_of(*info);
            CHECK_EQ_STR(keys.c_str(),
                         "MO_version, OpenVINO Runtime, conversion_parameters, model_info, optimization, version");
            CHECK_EQ_INT(info->size(), 6);
            if (info->count("version") == 1)
                CHECK_EQ_INT(info->at("version").as<int64_t>(), 11);
        } catch (const std::exception& e) {
            CHECK_EQ_STR(e.what(), "(no exception)");
        }
    }
    /* a second call hands out the same map */
    const ov::AnyMap* again = nullptr;
    CHECK_OK(OVMS_ServableMetadataInfo(metadata, reinterpret_cast<const void**>(&again)));
    CHECK(again == info);
    OVMS_ServableMetadataDelete(metadata);
}

/* CAPIMetadata.Negative: NULL arguments are NONEXISTENT_PTR (255), and *info is left alone. */
void test_null_arguments() {
    OVMS_ServableMetadata* metadata = dummy_metadata(server);
    REQUIRE(metadata != nullptr);
    const void* info = &info;
    CHECK_NULLPTR(OVMS_ServableMetadataInfo(nullptr, &info), "servable metadata");
    CHECK(info == &info);
    CHECK_NULLPTR(OVMS_ServableMetadataInfo(metadata, nullptr), "info");
    CHECK_EQ_INT(status_code_of(OVMS_ServableMetadataInfo(nullptr, nullptr)), SC_NONEXISTENT_PTR);
    OVMS_ServableMetadataDelete(metadata);
}

/* Every metadata owns its own map: two at once are distinct and equal, each lives until its
 * delete (the other stays readable), and many create/read/delete rounds free what they made
 * (a leak is what the memcheck run reports). */
void test_each_metadata_owns_its_map() {
    OVMS_ServableMetadata* first = dummy_metadata(server);
    OVMS_ServableMetadata* second = dummy_metadata(server);
    REQUIRE(first != nullptr && second != nullptr);
    const ov::AnyMap* a = nullptr;
    const ov::AnyMap* b = nullptr;
    CHECK_OK(OVMS_ServableMetadataInfo(first, reinterpret_cast<const void**>(&a)));
    CHECK_OK(OVMS_ServableMetadataInfo(second, reinterpret_cast<const void**>(&b)));
    CHECK(a != nullptr && b != nullptr && a != b);
    OVMS_ServableMetadataDelete(first);
    if (b != nullptr)
        CHECK_AT(*b, "200", "model_info", "resolution", "height");
    OVMS_ServableMetadataDelete(second);
    for (int i = 0; i < 20; i++) {
        OVMS_ServableMetadata* metadata = dummy_metadata(server);
        REQUIRE(metadata != nullptr);
        const void* info = nullptr;
        CHECK_OK(OVMS_ServableMetadataInfo(metadata, &info));
        OVMS_ServableMetadataDelete(metadata);
    }
    /* metadata deleted without ever asking for the info has nothing to free */
    OVMS_ServableMetadataDelete(dummy_metadata(server));
}

/* A pipeline's info is an empty map, as OVMS gives (its metadata has no model file), owned by
 * the metadata like a model's. */
void test_pipeline_info_is_an_empty_map() {
    OVMS_ServableMetadata* metadata = nullptr;
    REQUIRE(tu_expect_ok(OVMS_GetServableMetadata(server, "dummy_once", 1, &metadata),
                         "OVMS_GetServableMetadata(dummy_once, 1)", __FILE__, __LINE__));
    const ov::AnyMap* info = nullptr;
    CHECK_OK(OVMS_ServableMetadataInfo(metadata, reinterpret_cast<const void**>(&info)));
    CHECK(info != nullptr);
    if (info != nullptr)
        CHECK_EQ_INT(info->size(), 0);
    const ov::AnyMap* again = nullptr;
    CHECK_OK(OVMS_ServableMetadataInfo(metadata, reinterpret_cast<const void**>(&again)));
    CHECK(again == info);
    OVMS_ServableMetadataDelete(metadata);
}

/* The map belongs to the metadata, not the server: it is made and read after a stop too. */
void test_info_outlives_server() {
    OVMS_ServableMetadata* metadata = dummy_metadata(server);
    REQUIRE(metadata != nullptr);
    stop_server();
    server = nullptr;
    const ov::AnyMap* info = nullptr;
    CHECK_OK(OVMS_ServableMetadataInfo(metadata, reinterpret_cast<const void**>(&info)));
    if (info != nullptr)
        CHECK_AT(*info, "2020.1.0-61-gd349c3ba4a", "MO_version");
    OVMS_ServableMetadataDelete(metadata);
}

}  // namespace

int main() {
    /* The dummy model and the one-node pipeline dummy_once over it. */
    server = start_server("config_dummy_pipeline.json");
    if (server == nullptr) {
        test_summary();
        return 1;
    }
    RUN_TEST(test_dummy_rt_info);
    RUN_TEST(test_null_arguments);
    RUN_TEST(test_each_metadata_owns_its_map);
    RUN_TEST(test_pipeline_info_is_an_empty_map);
    RUN_TEST(test_info_outlives_server);
    stop_server();
    return test_summary();
}
