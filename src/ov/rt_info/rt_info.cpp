// The model's runtime info (rt_info) as a C++ ov::AnyMap, for OVMS_ServableMetadataInfo.
//
// Built by build.rs against OpenVINO's C++ headers and linked against libopenvino.so.<version>
// (NEEDED by soname, so the copy the already loaded C runtime pulled in satisfies it), embedded
// in libovms_shared.so and loaded at run time by src/ov/rt_info.rs. Only these three C functions
// are exported; no C++ exception crosses them.

#include <openvino/core/any.hpp>
#include <openvino/core/model.hpp>
#include <openvino/runtime/core.hpp>

#include <cstdlib>
#include <cstring>
#include <exception>
#include <memory>
#include <new>
#include <string>
#include <vector>

#define OVMS_RT_INFO_API extern "C" __attribute__((visibility("default")))

namespace {

// A malloc'ed copy of `text` for the caller (freed by ovms_rt_info_free_string); NULL if out of
// memory or if the caller did not ask for the error.
void set_error(char** error, const char* text) {
    if (error == nullptr) {
        return;
    }
    *error = strdup(text != nullptr ? text : "");
}

// One Core for every read, made on first use and never destroyed: its teardown at process exit
// would race OpenVINO's own static destructors, and a Core holds nothing a host can observe.
ov::Core& core() {
    static ov::Core* instance = new ov::Core();
    return *instance;
}

// The rt_info entries at `path` as plain values: OpenVINO's IR reader keeps a nested section
// (<model_info><resolution .../></model_info>) as a lazily parsed ov::Meta, which is not in the
// public headers and cannot be read with as<ov::AnyMap>(); Model::get_rt_info<ov::AnyMap>(path)
// parses it. So every nested section becomes an ov::AnyMap, and a host reads the result with
// .at("model_info").as<ov::AnyMap>() as it reads OVMS's.
ov::AnyMap plain(ov::Model& model, std::vector<std::string>& path, const ov::AnyMap& entries) {
    ov::AnyMap out;
    for (const auto& [key, value] : entries) {
        path.push_back(key);
        if (value.is<std::string>()) {
            out.emplace(key, value);
        } else if (value.is<ov::AnyMap>()) {
            out.emplace(key, plain(model, path, value.as<ov::AnyMap>()));
        } else {
            // A section to parse, or a value of another type (the IR version, an int), which
            // is not a map and is kept as it is.
            ov::AnyMap section;
            bool is_section = false;
            try {
                section = model.get_rt_info<ov::AnyMap>(path);
                is_section = true;
            } catch (const std::exception&) {
            }
            if (is_section) {
                out.emplace(key, plain(model, path, section));
            } else {
                out.emplace(key, value);
            }
        }
        path.pop_back();
    }
    return out;
}

}  // namespace

// Reads the model file at `model_path` and returns a new ov::AnyMap* with a copy of its rt_info
// (nested sections as ov::AnyMap),
// or NULL with *error set to a message (free it with ovms_rt_info_free_string).
OVMS_RT_INFO_API void* ovms_rt_info_new(const char* model_path, char** error) {
    if (error != nullptr) {
        *error = nullptr;
    }
    if (model_path == nullptr) {
        // No model file: a pipeline's metadata, for which OVMS gives an empty map.
        try {
            return new ov::AnyMap();
        } catch (...) {
            set_error(error, "out of memory making an empty ov::AnyMap");
            return nullptr;
        }
    }
    try {
        std::shared_ptr<ov::Model> model = core().read_model(std::string(model_path));
        if (!model) {
            set_error(error, "ov::Core::read_model returned no model");
            return nullptr;
        }
        std::vector<std::string> path;
        const ov::AnyMap top = model->get_rt_info();
        return new ov::AnyMap(plain(*model, path, top));
    } catch (const std::exception& e) {
        set_error(error, e.what());
    } catch (...) {
        set_error(error, "an unknown C++ exception while reading the model's rt_info");
    }
    return nullptr;
}

// Frees what ovms_rt_info_new returned; NULL is a no-op.
OVMS_RT_INFO_API void ovms_rt_info_delete(void* info) {
    try {
        delete static_cast<ov::AnyMap*>(info);
    } catch (...) {
        // Destructors of ov::Any do not throw; nothing may cross this boundary regardless.
    }
}

// Frees an error string from ovms_rt_info_new; NULL is a no-op.
OVMS_RT_INFO_API void ovms_rt_info_free_string(char* text) {
    std::free(text);
}
