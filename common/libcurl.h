// libcurl, bound on first use. The daemon does not link libcurl: it opens libcurl.so.4 with
// dlopen the first time any curl_* function is called, so a daemon that never sends an
// HTTP request or runs an HTTP/TCP/DNS probe (the embedded default: host metrics and a
// log notifier) never maps libcurl and the ~25 libraries it pulls in (OpenSSL, GnuTLS,
// Kerberos, LDAP, libssh2, ...), about 4 MiB of resident memory. Code includes
// <curl/curl.h> and calls curl_* as usual; common/libcurl.cc defines those functions and
// forwards each to the loaded library.
//
// If libcurl.so.4 cannot be loaded, curl_easy_init and curl_multi_init return null,
// CURLcode functions return CURLE_FAILED_INIT and curl_easy_strerror explains; the reason
// is logged once and available here.
#pragma once

#include <string>

namespace steadystate {

// Loads libcurl if it is not loaded yet; true when it is usable.
bool LoadLibcurl();

// Why libcurl could not be loaded (loading it first if that was never tried), or "" when
// it is loaded.
std::string LibcurlLoadError();

}  // namespace steadystate
