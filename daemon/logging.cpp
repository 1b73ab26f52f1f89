// SPDX-License-Identifier: MIT
#include "daemon/logging.h"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/sinks/syslog_sink.h>
#include <spdlog/spdlog.h>

namespace prefixd::daemon {

void setup_logging(const Config& config, const std::string& role, bool force_syslog) {
  spdlog::sink_ptr sink;
  if (force_syslog || config.log_target == "syslog") {
    sink = std::make_shared<spdlog::sinks::syslog_sink_mt>("prefixd", LOG_PID, LOG_DAEMON, false);
    sink->set_pattern("[" + role + "] %l %v");
  } else {
    sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
    sink->set_pattern("%Y-%m-%d %H:%M:%S.%e [%P " + role + "] %l %v");
  }
  auto main = std::make_shared<spdlog::logger>("prefixd", sink);
  main->set_level(
      spdlog::level::from_str(config.log_level == "warning" ? "warn" : config.log_level));
  main->flush_on(spdlog::level::trace);
  spdlog::set_default_logger(main);

  spdlog::drop("access");
  auto access = std::make_shared<spdlog::logger>("access", sink);
  access->set_level(config.access_log ? main->level() : spdlog::level::off);
  access->flush_on(spdlog::level::trace);
  spdlog::register_logger(access);
}

}  // namespace prefixd::daemon
