#include "collector/probe/dns_probe.h"

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <resolv.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstring>
#include <string>

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

namespace {

DnsOutcome Failure(std::string error_class, std::string error) {
  DnsOutcome out;
  out.error_class = std::move(error_class);
  out.error = std::move(error);
  return out;
}

// The outcome of a response message to a query for `config`.
DnsOutcome Judge(const config::DnsProbeConfig& config, std::span<const unsigned char> message) {
  ns_msg msg;
  if (ns_initparse(message.data(), static_cast<int>(message.size()), &msg) != 0) {
    return Failure("dns", "dns: malformed response");
  }
  switch (ns_msg_getflag(msg, ns_f_rcode)) {
    case ns_r_noerror:
      break;
    case ns_r_nxdomain:
      return Failure("dns", "NXDOMAIN for " + config.name);
    case ns_r_servfail:
      return Failure("dns", "DNS server failure for " + config.name);
    default:
      return Failure("dns", "DNS query failed for " + config.name);
  }
  auto count = CountDnsAnswers(message, config.record);
  if (!count.ok()) return Failure("dns", count.error().message);
  if (*count == 0) return Failure("dns", "no records of the requested type for " + config.name);
  DnsOutcome out;
  out.success = true;
  out.answers = *count;
  return out;
}

// libresolv's nsaddr_list holds IPv4 servers only, so a query to an IPv6 server is sent
// here: one UDP datagram, one answer awaited until the timeout (a truncated answer is
// judged on what it holds; probes ask for small record sets).
DnsOutcome QueryIpv6Server(const config::DnsProbeConfig& config, const in6_addr& server,
                           Duration timeout, const Clock& clock) {
  const MonotonicTime start = clock.Monotonic();
  std::array<unsigned char, 512> query{};
  struct __res_state state;
  std::memset(&state, 0, sizeof state);
  if (res_ninit(&state) != 0) return Failure("dns", "cannot initialise the resolver");
  const int query_len =
      res_nmkquery(&state, ns_o_query, config.name.c_str(), ns_c_in, DnsTypeNumber(config.record),
                   nullptr, 0, nullptr, query.data(), static_cast<int>(query.size()));
  res_nclose(&state);
  if (query_len < 12) return Failure("dns", "cannot build a DNS query for " + config.name);
  const int fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Failure("dns", "cannot open a socket to the DNS server");
  sockaddr_in6 addr{};
  addr.sin6_family = AF_INET6;
  addr.sin6_addr = server;
  addr.sin6_port = htons(config.server->port == 0 ? 53 : config.server->port);
  DnsOutcome out = Failure("timeout", "no DNS answer within " + FormatDuration(timeout));
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      send(fd, query.data(), static_cast<size_t>(query_len), 0) != query_len) {
    close(fd);
    return Failure("dns", "cannot send to DNS server " + config.server->host);
  }
  std::array<unsigned char, 4096> answer{};
  for (;;) {
    const auto left =
        std::chrono::ceil<std::chrono::milliseconds>(timeout - (clock.Monotonic() - start));
    if (left.count() <= 0) break;
    pollfd p{fd, POLLIN, 0};
    const int ready = poll(&p, 1, static_cast<int>(left.count()));
    if (ready == 0) break;    // waited out the rest of the timeout
    if (ready < 0) continue;  // EINTR
    const ssize_t n = recv(fd, answer.data(), answer.size(), 0);
    if (n < 0) {
      // An ICMP port unreachable: nothing listens there.
      out = Failure("dns", "DNS server " + config.server->host + " refused the query");
      break;
    }
    // A datagram that is not the answer to this query (ID) is ignored.
    if (n < 12 || answer[0] != query[0] || answer[1] != query[1]) continue;
    out = Judge(config, {answer.data(), static_cast<size_t>(n)});
    break;
  }
  close(fd);
  return out;
}

}  // namespace

DnsOutcome RunDnsQuery(const config::DnsProbeConfig& config, Duration timeout, const Clock& clock) {
  if (in6_addr v6{}; config.server && inet_pton(AF_INET6, config.server->host.c_str(), &v6) == 1) {
    return QueryIpv6Server(config, v6, timeout, clock);
  }
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
    // libresolv's nsaddr_list takes IPv4; a server name is resolved to IPv4 here, on the
    // worker thread (IPv6 addresses took QueryIpv6Server above).
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
