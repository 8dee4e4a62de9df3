#include "app/demo_traffic.hpp"

#include <chrono>
#include <ctime>
#include <utility>

namespace tapemeasure::app {
namespace {

const char* const kIngress[] = {"lb1", "lb2"};
const char* const kMtas[] = {"mta1", "mta2", "mta3", "mta4"};
const char* const kProxies[] = {"proxy1", "proxy2", "proxy3"};
const char* const kDomains[] = {"gmail.com", "yahoo.com", "outlook.com", "example.org", "mail.ru", "web.de", "orange.fr"};
// Destination first octets: clustered like real mail (big providers) plus a long tail.
const int kOctets[] = {8, 17, 23, 34, 40, 52, 64, 66, 74, 98, 104, 142, 157, 172, 185, 192, 199, 203, 209, 216};

}  // namespace

const std::vector<std::vector<double>>& DemoTraffic::relay_weights() {
  // Round-robin that is not: mta1 favours proxy1, mta3 starves proxy2.
  static const std::vector<std::vector<double>> w = {
      {0.60, 0.25, 0.15}, {0.34, 0.33, 0.33}, {0.45, 0.05, 0.50}, {0.30, 0.40, 0.30}};
  return w;
}

double demo_now(const DemoClock& clock) {
  if (clock) return clock();
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string syslog_timestamp(double epoch_seconds) {
  const auto t = static_cast<std::time_t>(epoch_seconds);
  std::tm tm{};
  localtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%b %e %H:%M:%S", &tm);
  return buf;
}

DemoTraffic::DemoTraffic(std::uint64_t seed, DemoClock clock) : rng_(seed), clock_(std::move(clock)) {}

std::string DemoTraffic::queue_id() {
  static const char digits[] = "0123456789ABCDEFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz";
  std::string id;
  std::uint64_t v = rng_() ^ ++counter_;
  for (int i = 0; i < 12; ++i) {
    id += digits[v % (sizeof digits - 1)];
    v /= (sizeof digits - 1);
  }
  return id;
}

void DemoTraffic::later(double due, std::vector<std::string> lines) {
  later_.push(Later{due, ++seq_, std::move(lines)});
}

int DemoTraffic::write_due(double now, std::string& out) {
  int n = 0;
  if (later_.empty() || later_.top().due > now) return n;
  const std::string ts = syslog_timestamp(now);
  while (!later_.empty() && later_.top().due <= now) {
    for (const auto& line : later_.top().lines) {
      out += ts + " " + line + "\n";
      ++n;
    }
    later_.pop();
  }
  return n;
}

int DemoTraffic::next_message(std::string& out) {
  std::uniform_real_distribution<double> u(0, 1);
  const double now = demo_now(clock_);
  const int mta = static_cast<int>(rng_() % 4);
  const int ingress = static_cast<int>(rng_() % 2);
  const auto& w = relay_weights()[mta];
  const double r = u(rng_);
  const int proxy = r < w[0] ? 0 : r < w[0] + w[1] ? 1 : 2;
  const std::string stamp = syslog_timestamp(now) + " ", id = queue_id();
  const std::string host = std::string(kMtas[mta]) + " ";
  const auto pid = [&] { return std::to_string(1000 + rng_() % 9000); };
  const std::string rcpt = "user" + std::to_string(rng_() % 100000) + "@" + kDomains[rng_() % std::size(kDomains)];
  const bool api = u(rng_) < 0.08;

  int lines = 0;
  if (u(rng_) < 0.02) {  // refused at the door: drawn grey
    out += stamp + host + "postfix/smtpd[" + pid() + "]: NOQUEUE: reject: RCPT from " + kIngress[ingress] + "[10.0.0." +
           std::to_string(ingress + 1) + "]: 554 5.7.1 <" + rcpt + ">: Relay access denied; from=<spam@example.biz> to=<" +
           rcpt + "> proto=ESMTP helo=<example.biz>\n";
    return 1 + write_due(now, out);
  }
  if (api) {
    out += stamp + host + "postfix/submission/smtpd[" + pid() + "]: " + id + ": client=" + kIngress[ingress] +
           "[10.0.0." + std::to_string(ingress + 1) + "], sasl_method=PLAIN, sasl_username=app" +
           std::to_string(rng_() % 5) + "\n";
  } else {
    out += stamp + host + "postfix/smtpd[" + pid() + "]: " + id + ": client=" + kIngress[ingress] + "[10.0.0." +
           std::to_string(ingress + 1) + "]\n";
  }
  out += stamp + host + "postfix/cleanup[" + pid() + "]: " + id + ": message-id=<" + id + "@" + kIngress[ingress] +
         ".example.com>\n";
  const std::string queued = host + "postfix/qmgr[" + pid() + "]: " + id + ": from=<news@example.com>, size=" +
                             std::to_string(2000 + rng_() % 60000) + ", nrcpt=1 (queue active)";
  out += stamp + queued + "\n";
  lines += 3;

  // Delivered within a few seconds mostly, now and then after half a minute.
  const double hold = u(rng_) < 0.8 ? u(rng_) * 3 : 3 + u(rng_) * 27;
  const double outcome = u(rng_);
  const std::string ip = std::to_string(kOctets[rng_() % std::size(kOctets)]) + "." + std::to_string(rng_() % 256) +
                         "." + std::to_string(rng_() % 256) + "." + std::to_string(1 + rng_() % 254);
  char delay[16];
  std::snprintf(delay, sizeof delay, "%.2f", 0.05 + u(rng_) * u(rng_) * 4);
  const std::string relay = std::string("relay=") + kProxies[proxy] + "[" + ip + "]:25";
  const std::string common = host + "postfix/smtp[" + pid() + "]: " + id + ": to=<" + rcpt + ">, " + relay +
                             ", delay=" + delay + ", delays=0.01/0/0.02/" + delay + ", ";
  const std::string removed = host + "postfix/qmgr[" + pid() + "]: " + id + ": removed";
  // Message shares chosen so that, counting the deferred messages' retries, 17% of all
  // delivery attempts go through the relay transport, 10% are deferred and 5% bounced:
  // with d = 1/9 of messages deferred once, attempts are 1 + d per message.
  if (outcome < 0.17 * 10 / 9) {
    // Partner domains go through the relay transport to an internal next hop: MTA to proxy only.
    later(now + hold, {host + "postfix/relay/smtp[" + pid() + "]: " + id + ": to=<" + rcpt + ">, relay=" + kProxies[proxy] +
                           "[10.0.1." + std::to_string(proxy + 1) + "]:25, delay=" + delay + ", delays=0.01/0/0.02/" +
                           delay + ", dsn=2.0.0, status=sent (250 2.0.0 OK " + id + ")",
                       removed});
  } else if (outcome < 1 - (0.10 + 0.05) * 10 / 9) {
    later(now + hold, {common + "dsn=2.0.0, status=sent (250 2.0.0 OK " + id + ")", removed});
  } else if (outcome < 1 - 0.05 * 10 / 9) {
    // Deferred, then sent at the retry, which comes back through the active queue.
    const double retry = now + hold + 20 + u(rng_) * 40;
    later(now + hold, {common + "dsn=4.7.0, status=deferred (host " + ip + " said: 421 4.7.0 Try again later)"});
    later(retry, {queued, common + "dsn=2.0.0, status=sent (250 2.0.0 OK " + id + ")", removed});
  } else {
    later(now + hold, {common + "dsn=5.1.1, status=bounced (host " + ip + " said: 550 5.1.1 User unknown)", removed});
  }
  return lines + write_due(now, out);
}

int DemoTraffic::flush(std::string& out) {
  int n = 0;
  while (!later_.empty()) n += write_due(later_.top().due, out);
  return n;
}

}  // namespace tapemeasure::app
