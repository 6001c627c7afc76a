// Strict scenario loader: the key table (keys.h) and the step table (steps.h) are the contract
// (docs/scenario-keys.md, docs/steps.md); docs/scenario-loader.md records the other decisions. The
// sections are loaded by sections.h, steps parsed by step_parser.h against the step table
// (steps.h), and values read through toml_reader.h.

#include "scenario/loader.h"

#include "scenario/keys.h"
#include "scenario/limits.h"
#include "scenario/sections.h"
#include "scenario/text_util.h"
#include "scenario/thread_chunks.h"
#include "scenario/toml_reader.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <new>
#include <sys/stat.h>

#include <fmt/format.h>

namespace scenario {
namespace {

/// Files larger than this are refused before parsing (a scenario is hand-written or generated;
/// repeat keeps long workloads short).
constexpr std::size_t kMaxFileSize = 16u * 1024u * 1024u;

/// The file's header (thread tables left out: scenario/thread_chunks.h) as a TOML document.
toml::table parse_toml(const detail::TomlReader& in, std::string_view header) {
    if (const std::size_t dot = detail::find_overlong_dotted_key(in.text());
        dot != std::string_view::npos) {
        in.fail(in.offset_loc(dot), "syntax",
                fmt::format("dotted key of more than {} parts", detail::kMaxDottedKeySegments));
    }
    try {
        return toml::parse(header, std::string_view(in.file()));
    } catch (const toml::parse_error& e) {
        in.fail(detail::to_loc(e.source().begin), "syntax", e.description());
    }
}

/// The sections in the order later ones may refer to earlier ones.
Scenario load_sections(std::string_view text, const std::string& file, const Catalog& catalog) {
    const detail::TomlReader in(text, file);
    const detail::SplitFile split = detail::split_thread_tables(text);
    toml::table doc = parse_toml(in, split.header); // not const: load_threads frees thread tables
    const detail::Tbl root = in.open(doc, "");
    in.check_keys(root, key_names(KeyTable::top));
    detail::LoadState st(in, catalog);
    detail::load_top(st, root);
    detail::load_machine(st, root);
    detail::load_processes(st, root);
    detail::load_policy_defs(st, root);
    detail::load_threads(st, root, split.chunks);
    detail::load_injects(st, root);
    detail::load_policies(st, root);
    detail::load_expects(st, root);
    limits::check_limits(st.sc);
    return std::move(st.sc);
}

Scenario load_checked(std::string_view text, const std::string& file, const Catalog& catalog) {
    const auto fail = [&](std::string_view what, std::string_view msg) {
        return ScenarioError(fmt::format("{}:0:0: {}: {}", file, what, msg));
    };
    if (text.size() > kMaxFileSize) {
        throw fail("file", fmt::format("too large ({} bytes; the limit is {} bytes)", text.size(),
                                       kMaxFileSize));
    }
    try {
        return load_sections(text, file, catalog);
    } catch (const ScenarioError&) {
        throw;
    } catch (const std::bad_alloc&) {
        throw fail("file", "out of memory while loading");
    }
    // Anything else is a bug of the loader: it propagates as an internal error (exit 3).
}

/// The whole file, refusing one larger than kMaxFileSize.
std::string read_file(const std::string& path) {
    const auto cannot = [&](std::string_view reason) {
        return ScenarioError(fmt::format("{}:0:0: file: cannot read ({})", path, reason));
    };
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
        throw cannot(std::strerror(errno));
    }
    if (S_ISDIR(st.st_mode)) {
        throw cannot(std::strerror(EISDIR));
    }
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (f == nullptr) {
        throw cannot(std::strerror(errno));
    }
    std::string text;
    char buf[65536];
    while (true) {
        const std::size_t got = std::fread(buf, 1, sizeof buf, f);
        text.append(buf, got);
        if (text.size() > kMaxFileSize) {
            std::fclose(f);
            throw ScenarioError(
                fmt::format("{}:0:0: file: too large (more than {} bytes)", path, kMaxFileSize));
        }
        if (got < sizeof buf) {
            break;
        }
    }
    const bool error = std::ferror(f) != 0;
    const int err = errno;
    std::fclose(f);
    if (error) {
        throw cannot(std::strerror(err));
    }
    return text;
}

} // namespace

Scenario load_string(std::string_view text, const std::string& file, const Catalog& catalog) {
    return load_checked(text, file, catalog);
}

Scenario load_file(const std::string& path, const Catalog& catalog) {
    return load_checked(read_file(path), path, catalog);
}

} // namespace scenario
