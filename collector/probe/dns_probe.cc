#include "collector/probe/dns_probe.h"

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netdb.h>
#include <netinet/in.h>
#include <resolv.h>

#include <algorithm>
#include <array>
#include <cstring>

namespace steadystate::collector {

int DnsTypeNumber(config::DnsRecordType type) {
  switch (type) {
    case config::DnsRecordType::kA:
      return ns_t_a;
    case config::DnsRecordType::kAaaa:
      return ns_t_aaaa;
    case config::DnsRecordType::kCname:
      return ns_t_cname;
    case config::DnsRecordType::kMx:
      return ns_t_mx;
    case config::DnsRecordType::kTxt:
      return ns_t_txt;
    case config::DnsRecordType::kNs:
      return ns_t_ns;
    case config::DnsRecordType::kSrv:
      return ns_t_srv;
  }
  return ns_t_a;
}

Result<int> CountDnsAnswers(std::span<const unsigned char> message, config::DnsRecordType type) {
  ns_msg msg;
  if (ns_initparse(message.data(), static_cast<int>(message.size()), &msg) != 0) {
    return MakeError(ErrorCode::kInvalidInput, "dns: malformed response");
  }
  const int want = DnsTypeNumber(type);
  int count = 0;
  for (int i = 0; i < ns_msg_count(msg, ns_s_an); ++i) {
    ns_rr rr;
    if (ns_parserr(&msg, ns_s_an, i, &rr) != 0) {
      return MakeError(ErrorCode::kInvalidInput, "dns: malformed answer record");
    }
    if (ns_rr_type(rr) == want) ++count;
  }
  return count;
}

DnsOutcome RunDnsQuery(const config::DnsProbeConfig& config, Duration timeout, const Clock& clock) {
  DnsOutcome out;
  const MonotonicTime start = clock.Monotonic();
  struct __res_state state;
  std::memset(&state, 0, sizeof state);
  if (res_ninit(&state) != 0) {
    out.error_class = "dns";
    out.error = "cannot initialise the resolver";
    return out;
  }
  // One try, as blackbox_exporter: the timeout bounds the whole probe.
  state.retrans = static_cast<int>(
      std::max<int64_t>(1, std::chrono::ceil<std::chrono::seconds>(timeout).count()));
  state.retry = 1;
  if (config.server) {
    // libresolv's nsaddr_list takes IPv4; a name or IPv6 server is resolved to IPv4 here,
    // on the worker thread.
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(config.server->port == 0 ? 53 : config.server->port);
    if (inet_pton(AF_INET, config.server->host.c_str(), &addr.sin_addr) != 1) {
      addrinfo hints{};
      hints.ai_family = AF_INET;
      addrinfo* found = nullptr;
      if (getaddrinfo(config.server->host.c_str(), nullptr, &hints, &found) != 0 || !found) {
        res_nclose(&state);
        out.error_class = "dns";
        out.error = "cannot resolve DNS server " + config.server->host;
        return out;
      }
      addr.sin_addr = reinterpret_cast<sockaddr_in*>(found->ai_addr)->sin_addr;
      freeaddrinfo(found);
    }
    state.nsaddr_list[0] = addr;
    state.nscount = 1;
  }
  std::array<unsigned char, 4096> answer{};
  const int len = res_nquery(&state, config.name.c_str(), ns_c_in, DnsTypeNumber(config.record),
                             answer.data(), static_cast<int>(answer.size()));
  const int herr = state.res_h_errno;
  res_nclose(&state);
  if (len < 0) {
    out.error_class = "dns";
    switch (herr) {
      case HOST_NOT_FOUND:
        out.error = "NXDOMAIN for " + config.name;
        break;
      case NO_DATA:
        out.error = "no records of the requested type for " + config.name;
        break;
      case TRY_AGAIN:
        if (clock.Monotonic() - start >= timeout) {
          out.error_class = "timeout";
          out.error = "no DNS answer within " + FormatDuration(timeout);
        } else {
          out.error = "DNS server failure for " + config.name;
        }
        break;
      default:
        out.error = "DNS query failed for " + config.name;
    }
    return out;
  }
  auto count = CountDnsAnswers({answer.data(), static_cast<size_t>(len)}, config.record);
  if (!count.ok()) {
    out.error_class = "dns";
    out.error = count.error().message;
    return out;
  }
  out.answers = *count;
  if (*count == 0) {
    out.error_class = "dns";
    out.error = "no records of the requested type for " + config.name;
    return out;
  }
  out.success = true;
  return out;
}

}  // namespace steadystate::collector
