#include "common/libcurl.h"

// The definitions below replace curl's type-checking macros of the same names.
#define CURL_DISABLE_TYPECHECK 1
#include <curl/curl.h>
#include <dlfcn.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <cstdarg>
#include <cstdlib>
#include <mutex>
#include <string>

namespace steadystate {
namespace {

constexpr const char* kLibrary = "libcurl.so.4";

// The entry points steadystate uses, resolved from the loaded library.
struct Api {
  CURLcode (*global_init)(long);
  CURL* (*easy_init)();
  CURLcode (*easy_setopt)(CURL*, CURLoption, ...);
  CURLcode (*easy_perform)(CURL*);
  void (*easy_cleanup)(CURL*);
  CURLcode (*easy_getinfo)(CURL*, CURLINFO, ...);
  const char* (*easy_strerror)(CURLcode);
  curl_slist* (*slist_append)(curl_slist*, const char*);
  void (*slist_free_all)(curl_slist*);
  CURLM* (*multi_init)();
  CURLMcode (*multi_add_handle)(CURLM*, CURL*);
  CURLMcode (*multi_remove_handle)(CURLM*, CURL*);
  CURLMcode (*multi_perform)(CURLM*, int*);
  CURLMcode (*multi_poll)(CURLM*, curl_waitfd*, unsigned int, int, int*);
  CURLMcode (*multi_wakeup)(CURLM*);
  CURLMcode (*multi_timeout)(CURLM*, long*);
  CURLMsg* (*multi_info_read)(CURLM*, int*);
  CURLMcode (*multi_cleanup)(CURLM*);
};

struct Binding {
  std::once_flag once;
  std::atomic<const Api*> api{nullptr};
  std::string error;  // written once, inside `once`
};

Binding& TheBinding() {
  static Binding binding;
  return binding;
}

template <typename Fn>
bool Resolve(void* handle, const char* name, Fn& out, std::string& error) {
  void* symbol = dlsym(handle, name);
  if (symbol == nullptr) {
    error = std::string(kLibrary) + " has no " + name;
    return false;
  }
  out = reinterpret_cast<Fn>(symbol);
  return true;
}

void Bind(Binding& b) {
  // STEADYSTATE_LIBCURL names another library to load (a path or soname): for a libcurl
  // outside the loader's path, and for tests of a missing one.
  const char* override_name = std::getenv("STEADYSTATE_LIBCURL");
  const std::string library =
      override_name != nullptr && *override_name != '\0' ? override_name : kLibrary;
  void* handle = dlopen(library.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* why = dlerror();
    b.error = "cannot load " + library + ": " + (why ? why : "unknown error");
    spdlog::error("{}; HTTP requests and probes fail (install libcurl4)", b.error);
    return;
  }
  static Api api;
  std::string& e = b.error;
  const bool ok = Resolve(handle, "curl_global_init", api.global_init, e) &&
                  Resolve(handle, "curl_easy_init", api.easy_init, e) &&
                  Resolve(handle, "curl_easy_setopt", api.easy_setopt, e) &&
                  Resolve(handle, "curl_easy_perform", api.easy_perform, e) &&
                  Resolve(handle, "curl_easy_cleanup", api.easy_cleanup, e) &&
                  Resolve(handle, "curl_easy_getinfo", api.easy_getinfo, e) &&
                  Resolve(handle, "curl_easy_strerror", api.easy_strerror, e) &&
                  Resolve(handle, "curl_slist_append", api.slist_append, e) &&
                  Resolve(handle, "curl_slist_free_all", api.slist_free_all, e) &&
                  Resolve(handle, "curl_multi_init", api.multi_init, e) &&
                  Resolve(handle, "curl_multi_add_handle", api.multi_add_handle, e) &&
                  Resolve(handle, "curl_multi_remove_handle", api.multi_remove_handle, e) &&
                  Resolve(handle, "curl_multi_perform", api.multi_perform, e) &&
                  Resolve(handle, "curl_multi_poll", api.multi_poll, e) &&
                  Resolve(handle, "curl_multi_wakeup", api.multi_wakeup, e) &&
                  Resolve(handle, "curl_multi_timeout", api.multi_timeout, e) &&
                  Resolve(handle, "curl_multi_info_read", api.multi_info_read, e) &&
                  Resolve(handle, "curl_multi_cleanup", api.multi_cleanup, e);
  if (!ok) {
    spdlog::error("{}; HTTP requests and probes fail", b.error);
    return;  // the handle stays open: unloading a half-used library is never worth it
  }
  // Initialised once here, before any handle exists; nothing else in the daemon calls
  // curl_global_init.
  if (const CURLcode code = api.global_init(CURL_GLOBAL_DEFAULT); code != CURLE_OK) {
    b.error = std::string(kLibrary) + ": curl_global_init failed: " + api.easy_strerror(code);
    spdlog::error("{}; HTTP requests and probes fail", b.error);
    return;
  }
  b.api.store(&api, std::memory_order_release);
}

// The bound library, loading it on first use; null when it cannot be loaded.
const Api* Curl() {
  Binding& b = TheBinding();
  if (const Api* api = b.api.load(std::memory_order_acquire)) return api;
  std::call_once(b.once, [&b] { Bind(b); });
  return b.api.load(std::memory_order_acquire);
}

// The bound library if it is loaded, without loading it: for calls on an existing handle,
// which only a loaded library can have made.
const Api* Bound() { return TheBinding().api.load(std::memory_order_acquire); }

}  // namespace

bool LoadLibcurl() { return Curl() != nullptr; }

std::string LibcurlLoadError() {
  LoadLibcurl();  // makes sure `error` is final before it is read
  return TheBinding().error;
}

}  // namespace steadystate

// libcurl's API, forwarded. Only the functions that create something load the library;
// the others act on a handle, which cannot exist before it is loaded (so cleaning up a null
// handle never loads it). Without the library every call fails the way libcurl reports its
// own failures, so callers need no second error path.
using steadystate::Bound;
using steadystate::Curl;

// The last named parameters (CURLoption, CURLINFO) are enums, which clang says undergo
// promotion before "...": that is how libcurl's own declarations read, and every ABI
// passes them as an int.
#ifdef __clang__
#pragma clang diagnostic ignored "-Wvarargs"
#endif

extern "C" {

CURLcode curl_global_init(long flags) {
  const auto* api = Curl();
  return api ? api->global_init(flags) : CURLE_FAILED_INIT;
}

CURL* curl_easy_init() {
  const auto* api = Curl();
  return api ? api->easy_init() : nullptr;
}

// The argument's type follows from the option's number range, as in libcurl's own setopt.
CURLcode curl_easy_setopt(CURL* curl, CURLoption option, ...) {
  const auto* api = Bound();
  if (api == nullptr) return CURLE_FAILED_INIT;
  va_list args;
  va_start(args, option);
  CURLcode code;
  if (option < CURLOPTTYPE_OBJECTPOINT) {
    code = api->easy_setopt(curl, option, va_arg(args, long));
  } else if (option < CURLOPTTYPE_OFF_T) {
    // Object, string, list and callback pointers (function pointers included) all travel
    // as one pointer-sized argument.
    code = api->easy_setopt(curl, option, va_arg(args, void*));
  } else if (option < CURLOPTTYPE_BLOB) {
    code = api->easy_setopt(curl, option, va_arg(args, curl_off_t));
  } else {
    code = api->easy_setopt(curl, option, va_arg(args, void*));
  }
  va_end(args);
  return code;
}

CURLcode curl_easy_perform(CURL* curl) {
  const auto* api = Bound();
  return api ? api->easy_perform(curl) : CURLE_FAILED_INIT;
}

void curl_easy_cleanup(CURL* curl) {
  if (const auto* api = Bound(); api && curl) api->easy_cleanup(curl);
}

// Every CURLINFO takes a pointer to where the value goes.
CURLcode curl_easy_getinfo(CURL* curl, CURLINFO info, ...) {
  const auto* api = Bound();
  if (api == nullptr) return CURLE_FAILED_INIT;
  va_list args;
  va_start(args, info);
  void* out = va_arg(args, void*);
  va_end(args);
  return api->easy_getinfo(curl, info, out);
}

const char* curl_easy_strerror(CURLcode code) {
  const auto* api = Curl();
  return api ? api->easy_strerror(code) : "libcurl.so.4 could not be loaded";
}

curl_slist* curl_slist_append(curl_slist* list, const char* text) {
  const auto* api = Curl();
  return api ? api->slist_append(list, text) : nullptr;
}

void curl_slist_free_all(curl_slist* list) {
  if (const auto* api = Bound(); api && list) api->slist_free_all(list);
}

CURLM* curl_multi_init() {
  const auto* api = Curl();
  return api ? api->multi_init() : nullptr;
}

CURLMcode curl_multi_add_handle(CURLM* multi, CURL* curl) {
  const auto* api = Bound();
  return api ? api->multi_add_handle(multi, curl) : CURLM_BAD_HANDLE;
}

CURLMcode curl_multi_remove_handle(CURLM* multi, CURL* curl) {
  const auto* api = Bound();
  return api ? api->multi_remove_handle(multi, curl) : CURLM_BAD_HANDLE;
}

CURLMcode curl_multi_perform(CURLM* multi, int* running) {
  const auto* api = Bound();
  return api ? api->multi_perform(multi, running) : CURLM_BAD_HANDLE;
}

CURLMcode curl_multi_poll(CURLM* multi, curl_waitfd extra[], unsigned int extra_count,
                          int timeout_ms, int* ready) {
  const auto* api = Bound();
  return api ? api->multi_poll(multi, extra, extra_count, timeout_ms, ready) : CURLM_BAD_HANDLE;
}

CURLMcode curl_multi_wakeup(CURLM* multi) {
  const auto* api = Bound();
  return api ? api->multi_wakeup(multi) : CURLM_BAD_HANDLE;
}

CURLMcode curl_multi_timeout(CURLM* multi, long* timeout_ms) {
  const auto* api = Bound();
  return api ? api->multi_timeout(multi, timeout_ms) : CURLM_BAD_HANDLE;
}

CURLMsg* curl_multi_info_read(CURLM* multi, int* queued) {
  const auto* api = Bound();
  return api ? api->multi_info_read(multi, queued) : nullptr;
}

CURLMcode curl_multi_cleanup(CURLM* multi) {
  const auto* api = Bound();
  return api ? api->multi_cleanup(multi) : CURLM_BAD_HANDLE;
}

}  // extern "C"
