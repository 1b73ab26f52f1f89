// SPDX-License-Identifier: MIT
#include "daemon/man_page.h"

#include <CLI/CLI.hpp>
#include <sstream>

#include "daemon/config.h"

namespace prefixd::daemon {

namespace {

// Text for roff: backslashes and hyphens escaped, no line starting with a
// control character.
std::string roff(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '\\') {
      out += "\\e";
    } else if (c == '-') {
      out += "\\-";
    } else {
      out.push_back(c);
    }
  }
  if (!out.empty() && (out[0] == '.' || out[0] == '\'')) out.insert(0, "\\&");
  return out;
}

std::string bold(const std::string& text) {
  return "\\fB" + roff(text) + "\\fR";
}

std::string italic(const std::string& text) {
  return "\\fI" + roff(text) + "\\fR";
}

std::string sentence(std::string text) {
  if (!text.empty()) text[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(text[0])));
  if (!text.empty() && text.back() != '.') text.push_back('.');
  return roff(text);
}

bool shown(const CLI::App& app, const CLI::Option* opt) {
  return opt != app.get_help_ptr() && !opt->get_group().empty();
}

// "\fB-c\fR, \fB--config\fR \fIFILE\fR"
std::string option_tag(const CLI::Option* opt) {
  std::string tag;
  for (const auto& s : opt->get_snames()) tag += (tag.empty() ? "" : ", ") + bold("-" + s);
  for (const auto& l : opt->get_lnames()) tag += (tag.empty() ? "" : ", ") + bold("--" + l);
  const std::string type = opt->get_type_name();
  if (!type.empty()) tag += " " + italic(type);
  return tag;
}

void describe_options(const CLI::App& app, std::ostringstream& out) {
  for (const CLI::Option* opt : app.get_options()) {
    if (!shown(app, opt)) continue;
    out << ".TP\n";
    if (opt->get_positional()) {
      out << italic(opt->get_name(true)) << "\n";
    } else {
      out << option_tag(opt) << "\n";
    }
    out << sentence(opt->get_description()) << "\n";
  }
}

void describe_command(const CLI::App& app, const std::string& prefix, std::ostringstream& out) {
  const std::string name = prefix + " " + app.get_name();
  const auto subcommands = app.get_subcommands([](const CLI::App*) { return true; });
  std::string synopsis = bold(name);
  bool has_options = false;
  for (const CLI::Option* opt : app.get_options()) {
    if (!shown(app, opt)) continue;
    if (opt->get_positional()) {
      synopsis += " " + italic(opt->get_name(true));
    } else {
      has_options = true;
    }
  }
  if (has_options) synopsis += " [" + italic("OPTIONS") + "]";
  if (subcommands.empty()) {
    out << ".SS \"" << synopsis << "\"\n" << sentence(app.get_description()) << "\n";
    describe_options(app, out);
    return;
  }
  for (const CLI::App* sub : subcommands) describe_command(*sub, name, out);
}

std::string type_text(const ConfigKey& key) {
  switch (key.kind) {
    case ConfigKey::Kind::kInt:
      return "integer";
    case ConfigKey::Kind::kBool:
      return "boolean";
    case ConfigKey::Kind::kChoice:
      return "keyword";
    case ConfigKey::Kind::kListen:
    case ConfigKey::Kind::kOptionalListen:
      return "address and port";
    case ConfigKey::Kind::kAddressList:
      return "list of addresses";
    case ConfigKey::Kind::kBackends:
      return "mapping";
    default:
      return "string";
  }
}

std::string default_text(const ConfigKey& key) {
  const std::string d = key.default_text;
  if ((key.kind == ConfigKey::Kind::kOptionalString ||
       key.kind == ConfigKey::Kind::kOptionalListen) &&
      d.empty()) {
    return "unset";
  }
  if (key.backend_types != nullptr && d.empty()) return "unset";
  if (d.empty()) return "empty";
  return bold(d);
}

}  // namespace

std::string command_man_sections(const CLI::App& app) {
  std::ostringstream out;
  out << ".SH OPTIONS\n"
      << "These options come before the command. The command-line options override the "
         "configuration file.\n";
  describe_options(app, out);
  out << ".SH COMMANDS\n";
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; })) {
    describe_command(*sub, "prefixd", out);
  }
  return out.str();
}

std::string config_man_section() {
  std::ostringstream out;
  out << ".SH KEYS\n";
  std::string section = "-";
  for (const ConfigKey& key : config_keys()) {
    const std::string path = key.path;
    const size_t dot = path.find('.');
    const std::string this_section = dot == std::string::npos ? "" : path.substr(0, dot);
    if (this_section != section) {
      section = this_section;
      out << ".SS \"" << (section.empty() ? "Top level" : "Section " + bold(section)) << "\"\n";
    }
    out << ".TP\n"
        << bold(path) << " (" << type_text(key) << ", default " << default_text(key) << ")\n"
        << roff(config_key_help(key)) << "\n";
    if (key.kind != ConfigKey::Kind::kString && key.kind != ConfigKey::Kind::kOptionalString) {
      out << ".br\nAllowed: " << roff(config_key_allowed(key)) << ".\n";
    }
  }
  return out.str();
}

}  // namespace prefixd::daemon
