// What every CLI command shares: the global flags, the exit code, and the two ways a
// command reaches the data (DESIGN.md §5): through the running daemon's API when one
// answers at --server, else by opening the store directly.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "common/http_client.h"
#include "common/result.h"
#include "config/config.h"
#include "store/store.h"

namespace CLI {
class App;
}

namespace steadystate::app {

constexpr int kExitOk = 0;
constexpr int kExitRuntime = 1;
constexpr int kExitUsage = 2;

struct CliContext {
  std::string server_url = "http://127.0.0.1:9470";
  std::string config_path;  // empty: the embedded default
  std::string data_dir;     // overrides storage.path when set
  int exit_code = kExitOk;  // set by the command that ran
};

// Loads --config (or the embedded default) with --data applied and the SLO files read, and
// registers every secret it names that resolves with the redactor.
Result<config::Config> LoadCliConfig(const CliContext& context);

// The exit code for an error: 2 for invalid input, 1 otherwise.
int ExitCodeFor(const Error& error);
// Prints "steadystate: <message>" (redacted, common/redact.h) to stderr and returns
// ExitCodeFor(error).
int FailCommand(const Error& error);
// kInvalidInput "FLAG: \"value\" is not one of: a, b, c" unless `value` is one of `choices`.
Status CheckChoice(const std::string& flag, const std::string& value,
                   const std::vector<std::string>& choices);

// A time flag (--since, --until, --cutover): empty -> nullopt; a bad value is kInvalidInput
// naming the flag.
Result<std::optional<Timestamp>> FlagTime(const std::string& flag, const std::string& value);
// "?a=1&b=2" from the non-empty values, URL-encoded; "" when all are empty.
std::string QueryString(const std::vector<std::pair<std::string, std::string>>& params);

// A client for the running daemon's HTTP API at --server. The bearer token comes from the
// config's server.api_token (env or file) when configured, else STEADYSTATE_API_TOKEN.
class DaemonApi {
 public:
  DaemonApi(std::string server_url, std::optional<std::string> token);

  // One exchange. nullopt when no daemon answers at the URL (connection refused, no such
  // host): the caller then works on the store directly. Other transport failures are
  // errors. `path_and_query` starts with "/".
  Result<std::optional<HttpResponse>> Call(const std::string& method,
                                           const std::string& path_and_query,
                                           const std::string& body = "",
                                           Duration timeout = std::chrono::seconds(30)) const;

  const std::string& server_url() const { return server_url_; }

 private:
  std::string server_url_;
  std::optional<std::string> token_;
  std::unique_ptr<HttpClient> http_;
};

// The CLI reads replies of its own daemon up to this size (a page of a list, a report);
// a longer reply is an error, never silently cut.
inline constexpr size_t kMaxDaemonReplyBytes = 256u << 20;

// Reads every page of one of the daemon's list endpoints (DESIGN.md §6): GET
// `path_and_query`, then again with the cursor each reply's X-Next-Cursor names, until a
// reply names none. Each page's body goes to `on_page` in order; its error ends the
// reading. false when no daemon answers the first request (the caller then reads the
// store); true when every page was read. Errors: a transport failure or a cut reply, a
// reply other than 200 (kInvalidInput for a 400, naming the daemon's message), a cursor
// that repeats.
Result<bool> ReadAllPages(const DaemonApi& api, const std::string& path_and_query,
                          const std::function<Status(std::string_view body)>& on_page);

// `text` safe to print in a terminal table: control characters (C0, DEL, C1) and bytes that
// are not UTF-8 become visible escapes (\n, \t, \r, \x1b, \u009b, \xff), so data cannot
// move the cursor, recolour or retitle the terminal, or forge rows. JSON and CSV output keep
// the data as is.
std::string TerminalSafe(std::string_view text);

// Builds the DaemonApi from the context (and config, for the token).
DaemonApi ConnectDaemon(const CliContext& context, const config::Config& config);

// The message of an API error response: its {"error": ...} field (redacted), else
// "HTTP <status>".
std::string ApiErrorMessage(const HttpResponse& response);

// The store options of `config` (shared with the daemon).
store::Options StoreOptionsFor(const config::Config& config);

// Opens the store of `config` (storage.path) for writing, for commands that run when no
// daemon answers. kBusy "... in use by PID n" when a daemon holds it but did not answer.
Result<std::unique_ptr<store::Store>> OpenStoreForWriting(const config::Config& config,
                                                          const Clock& clock);
// Opens it read-only (works while a daemon runs).
Result<std::unique_ptr<store::Store>> OpenStoreForReading(const config::Config& config,
                                                          const Clock& clock);

}  // namespace steadystate::app
